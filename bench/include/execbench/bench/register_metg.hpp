// Registers the METG rows (execbench --metg; metg.hpp): metg/<family>/<runtime>/workers:<N>, one
// body, run_metg<R>, for every runtime. A row's one iteration is a whole sweep on one runtime:
// per grain, from 10 ms halving towards 1 µs, the family's workload at that grain runs once
// untimed and metg_repetitions times measured (each run verified; its efficiency against the
// ideal on all of the machine's cores, Task Bench's), until metg_sweep_can_stop says the
// crossing is passed or out of reach. The row's time is the sweep's; its counters say METG.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "execbench/bench/command_line.hpp"
#include "execbench/bench/measurement.hpp"
#include "execbench/bench/metg.hpp"
#include "execbench/bench/plan_runs.hpp"
#include "execbench/bench/primitives.hpp"
#include "execbench/bench/register_primitives.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/workloads/plan.hpp"
#include "execbench/workloads/spec.hpp"

namespace execbench::bench {

struct metg_row {
  std::string name;  // metg/<family>/<runtime>/workers:<N>
  std::shared_ptr<const metg_family> family;
  std::size_t workers = 1;
  double threshold = 0.5;
};

// A crossing as a counter: its grain, or NaN where there is none (never, or below the sweep).
inline double metg_counter(const metg_crossing& c) {
  return c.where == metg_crossing::kind::crossed ? c.grain_us : std::nan("");
}

// The sweep's points as the row's label, JSON: [[grain_us, median, min, max], ...], so that a
// chart can draw efficiency against grain.
inline std::string metg_points_label(const std::vector<metg_point>& points) {
  std::string text = "[";
  for (const auto& p : points) {
    char item[128];
    std::snprintf(item, sizeof item, "%s[%.6g,%.4g,%.4g,%.4g]", text.size() > 1 ? "," : "",
                  p.grain_us, p.median(), p.min(), p.max());
    text += item;
  }
  return text + "]";
}

template <rt::runtime R>
void run_metg(benchmark::State& state, const metg_row& row) {
  namespace wl = execbench::workloads;
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  const row_info info{row.name, row.workers};
  // The current point's plan and its runs, declared before the runtime (plan_runs.hpp).
  std::optional<wl::plan> plan;
  std::optional<detail::plan_runs> runs;
  std::unique_ptr<detail::watched_runtime<R>> watched;
  try {
    watched = std::make_unique<detail::watched_runtime<R>>(info);
  } catch (const std::exception& e) {
    skip_unstarted(state, (row.name + ": starting the runtime: " + e.what()).c_str());
    return;
  }
  std::vector<metg_point> points;

  // One point: its workload run once untimed, then metg_repetitions times measured. False, with
  // the row's error reported, on a failed run or check.
  auto measure_point = [&](double grain_us) -> bool {
    const std::string at = row.name + " at " + std::to_string(grain_us) + " us";
    try {
      runs.reset();
      plan.emplace(wl::materialize(row.family->at(grain_us)));
      runs.emplace(*plan);
    } catch (const std::exception& e) {
      state.SkipWithError((at + ": " + e.what()).c_str());
      return false;
    }
    metg_point point{grain_us, {}};
    for (int i = 0; i <= metg_repetitions; ++i) {
      if (!runs->run_once(state, *watched, info, at) || !runs->verify(state, at)) return false;
      if (i > 0) point.efficiencies.push_back(runs->efficiency(cores));
      runs->reset();
    }
    points.push_back(std::move(point));
    return true;
  };

  rt::release_cached_frames();
  bool failed = false;
  for (auto _ : state) {
    points.clear();
    for (const double grain : row.family->grains) {
      failed = !measure_point(grain);
      if (failed || metg_sweep_can_stop(points, row.threshold)) break;
    }
    if (failed) break;
  }
  if (failed) return;
  const metg_result machine = metg_from_points(points, row.threshold);
  const metg_result own = metg_against_plateau(points, row.threshold);
  auto& c = state.counters;
  c["metg_us"] = metg_counter(machine.metg);
  c["metg_low_us"] = metg_counter(machine.low);
  c["metg_high_us"] = metg_counter(machine.high);
  c["metg_own_us"] = metg_counter(own.metg);
  c["metg_own_low_us"] = metg_counter(own.low);
  c["metg_own_high_us"] = metg_counter(own.high);
  c["best_efficiency"] = machine.best_efficiency;
  c["metg_n"] = static_cast<double>(machine.n);
  c["metg_points"] = static_cast<double>(points.size());
  c["metg_threshold"] = row.threshold;
  // Where the crossing lies below the sweep, its finest grain is an upper bound.
  if (machine.metg.where == metg_crossing::kind::below_sweep)
    c["metg_below_us"] = machine.metg.grain_us;
  if (own.metg.where == metg_crossing::kind::below_sweep)
    c["metg_own_below_us"] = own.metg.grain_us;
  c["workers"] = static_cast<double>(watched->get().workers());
  state.SetLabel(metg_points_label(points));
}

// The worker counts of R's METG rows: --workers, else the machine's cores; a runtime with a
// fixed thread count at that count only (when --workers lists it or is absent).
template <rt::runtime R>
std::vector<std::size_t> metg_worker_counts(const options& opts) {
  if constexpr (constexpr std::size_t fixed = R::traits.fixed_workers; fixed != 0) {
    return fixed_workers_wanted<R>(opts) ? std::vector<std::size_t>{fixed}
                                         : std::vector<std::size_t>{};
  }
  if (!opts.workers.empty()) return opts.workers;
  return {std::max<std::size_t>(1, std::thread::hardware_concurrency())};
}

// Registers a row per family x runtime of List that `opts` selects x worker count; returns them.
template <class List>
std::size_t register_metg(const std::vector<metg_family>& families, const options& opts) {
  std::size_t rows = 0;
  for (const auto& f : families) {
    auto family = std::make_shared<const metg_family>(f);
    for_each_type<List>::apply([&]<class R>() {
      if (!registers_rows<R>(opts)) return;
      for (const auto n : metg_worker_counts<R>(opts)) {
        metg_row row{"metg/" + family->name + "/" + std::string(R::name) + "/workers:" +
                         std::to_string(n),
                     family, n, opts.metg_threshold};
        auto* b = benchmark::RegisterBenchmark(row.name.c_str(), [row](benchmark::State& state) {
          if (!run_progress::get().call_started(state, row.name)) return;
          run_metg<R>(state, row);
        });
        // One sweep per repetition (measurement.hpp's metg_rule: one of each): its points hold
        // their own repetitions.
        b->UseRealTime()->MeasureProcessCPUTime();
        run_progress::get().add_row(row.name + run_progress::row_suffix, repetitions_of(opts));
        ++rows;
      }
    });
  }
  return rows;
}

}  // namespace execbench::bench
