// Registers the workloads (workload_catalog.hpp) for every runtime of a type list, as rows named
// <workload>/<runtime>/workers:<N>. One body, run_workload<R>, serves every runtime.
//
// Per row, outside the timed region: the runtime (its threads), the fixtures (calibration,
// loopback server, disk file) and the run state. Each iteration runs the whole workload once
// (workloads::run_plan); between iterations, with timing paused, the run is verified and its
// per-task latencies are copied out. Counters (docs/design.md, "Metrics") are set after the loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "execbench/bench/command_line.hpp"
#include "execbench/bench/measurement.hpp"
#include "execbench/bench/plan_runs.hpp"
#include "execbench/bench/primitives.hpp"
#include "execbench/bench/process_stats.hpp"
#include "execbench/bench/register_primitives.hpp"
#include "execbench/bench/workload_catalog.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/workloads/kernels.hpp"
#include "execbench/workloads/program.hpp"

namespace execbench::bench {

// One registered row.
struct workload_row {
  std::string name;  // <workload>/<runtime>/workers:<N>
  std::size_t workers = 1;
  std::shared_ptr<const planned_workload> workload;
};

// The default worker counts of runtime R for workload w whose estimated iteration exceeds
// row_budget_s, with that estimate: they are left out unless --workers names them.
template <rt::runtime R>
std::vector<std::pair<std::size_t, double>> over_budget_workers(
    const planned_workload& w,
    const std::vector<std::size_t>& pool_defaults = default_workload_workers) {
  std::vector<std::pair<std::size_t, double>> over;
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  constexpr std::size_t fixed = R::traits.fixed_workers;
  const std::vector<std::size_t> defaults =
      fixed != 0 ? std::vector<std::size_t>{fixed} : pool_defaults;
  for (const auto n : defaults) {
    const double s = estimate_iteration_s(w, R::traits, n, cores);
    if (s > row_budget_s) over.emplace_back(n, s);
  }
  return over;
}

// The worker counts at which workload w is registered for runtime R. A runtime with a fixed
// thread count (the loop's 1) runs at that count only, and, as for the primitives, only when
// --workers lists it or is absent; the others at --workers, or by default at
// default_workload_workers within the time budget.
template <rt::runtime R>
std::vector<std::size_t> workload_worker_counts(const planned_workload& w, const options& opts) {
  if constexpr (constexpr std::size_t fixed = R::traits.fixed_workers; fixed != 0) {
    if (!fixed_workers_wanted<R>(opts)) return {};
    if (opts.workers.empty() && !over_budget_workers<R>(w).empty()) return {};
    return {fixed};
  }
  if (!opts.workers.empty()) return opts.workers;
  std::vector<std::size_t> counts;
  const auto& defaults = opts.tune ? tune_workload_workers : default_workload_workers;
  const auto over = over_budget_workers<R>(w, defaults);
  for (const auto n : defaults) {
    const bool too_long = std::find_if(over.begin(), over.end(),
                                       [n](const auto& o) { return o.first == n; }) != over.end();
    if (!too_long) counts.push_back(n);
  }
  return counts;
}

// The open-loop arrival rate of workload w (tasks per second, over its groups), 0 when no group
// is open-loop: such a workload's throughput is fixed by the rate, what differs is latency.
inline double offered_rate_per_s(const planned_workload& w) {
  double rate = 0;
  for (const auto& g : w.plan->spec().groups) {
    if (g.release.mode == workloads::release_mode::open) rate += g.release.rate_per_s;
  }
  return rate;
}

template <rt::runtime R>
void run_workload(benchmark::State& state, const workload_row& row) {
  const planned_workload& w = *row.workload;
  const workloads::plan& plan = *w.plan;

  std::optional<detail::plan_runs> runs_of;  // before the runtime: plan_runs.hpp
  std::unique_ptr<detail::watched_runtime<R>> watched;
  try {
    runs_of.emplace(plan);
  } catch (const std::exception& e) {
    skip_unstarted(state, (row.name + ": setting up the fixtures: " + e.what()).c_str());
    return;
  }
  try {
    watched = std::make_unique<detail::watched_runtime<R>>(row_info{row.name, row.workers});
  } catch (const std::exception& e) {  // e.g. thread creation refused
    skip_unstarted(state, (row.name + ": starting the runtime: " + e.what()).c_str());
    return;
  }
  R& r = watched->get();
  detail::plan_runs& runs = *runs_of;
  const row_info info{row.name, row.workers};

  // Latencies of every iteration, copied out between iterations with timing paused.
  std::vector<std::uint64_t> latencies;
  latencies.reserve(w.work_tasks * 16);
  // Each run's ideal is at the kernel speed measured in it (plan_runs::ideal_us).
  double makespan_ns_sum = 0, wait_compute_sum = 0, ideal_us_sum = 0, kernel_time_ratio_sum = 0;
  std::uint64_t n_runs = 0;
  auto run_once = [&] { return runs.run_once(state, *watched, info, row.name); };
  auto verify = [&] { return runs.verify(state, row.name); };

  // This thread runs the event loops: no row gets the frames an earlier row left in its cache.
  rt::release_cached_frames();
  // A short row starts with one untimed run: the first run pays once for what later runs reuse
  // (page faults on the memory its tasks touch, the allocator's and the frame cache's growth),
  // and among the few iterations of a short --benchmark_min_time it weighs on the mean
  // (docs/measurements.md, "Figures behind code that was made smaller or lock-free"). In a run
  // of more than warm_up_max_s, such one-time costs are small: no warm-up.
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  if (estimate_iteration_s(w, R::traits, row.workers, cores) <= warm_up_max_s) {
    if (!run_once() || !verify()) {
      end_unstarted(state);
      return;
    }
    runs.reset();
  }
  if constexpr (R::traits.records_loop_lag) r.reset_lag_stats();
  reset_peak_rss();
  const auto before = sample_process();
  const auto wall_start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (!run_once()) return;
    state.PauseTiming();
    if (!verify()) return;
    const auto tasks = plan.tasks();
    for (std::uint32_t i = 0; i < tasks.size(); ++i) {
      if (!tasks[i].work) continue;
      const auto rel = runs.run().release_ns(i), fin = runs.run().finish_ns(i);
      latencies.push_back(fin > rel ? fin - rel : 0);
    }
    makespan_ns_sum += static_cast<double>(runs.run().makespan_ns());
    kernel_time_ratio_sum += runs.run().kernel_time_ratio();
    ideal_us_sum += runs.ideal_us(w.ideal.cores);
    wait_compute_sum += runs.run().wait_compute_ratio();
    ++n_runs;
    runs.reset();
    state.ResumeTiming();
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const auto after = sample_process();
  if (n_runs == 0) return;

  const double n = static_cast<double>(n_runs);
  const double makespan_ns = makespan_ns_sum / n;
  const double hw = std::max(1U, std::thread::hardware_concurrency());
  auto& c = state.counters;
  c["tasks_per_s"] = makespan_ns > 0 ? static_cast<double>(w.work_tasks) / (makespan_ns * 1e-9) : 0;
  c["lat_p50_us"] = quantile_ns(latencies, 0.50) / 1e3;
  c["lat_p99_us"] = quantile_ns(latencies, 0.99) / 1e3;
  c["lat_p999_us"] = quantile_ns(latencies, 0.999) / 1e3;
  c["lat_max_us"] = quantile_ns(latencies, 1.0) / 1e3;
  c["makespan_ms"] = makespan_ns / 1e6;
  const double ideal_us = ideal_us_sum / n;
  c["ideal_ms"] = ideal_us / 1e3;
  c["efficiency"] = makespan_ns > 0 ? ideal_us * 1e3 / makespan_ns : 0;
  c["cpu_util"] = wall_s > 0 ? (after.cpu_s - before.cpu_s) / (wall_s * hw) : 0;
  c["wait_compute_ratio"] = wait_compute_sum / n;
  c["ctx_switches_vol"] = static_cast<double>(after.ctx_switches_vol - before.ctx_switches_vol) / n;
  c["ctx_switches_invol"] =
      static_cast<double>(after.ctx_switches_invol - before.ctx_switches_invol) / n;
  c["max_rss_mb"] = peak_rss_mb();
  if constexpr (R::traits.records_loop_lag) {
    c["loop_lag_p99_us"] = std::chrono::duration<double, std::micro>(r.lag_stats().p99).count();
  }
  c["workers"] = static_cast<double>(r.workers());
  // What the run's CPU kernels took (their planned time at the measured speed): a change here
  // between two builds is a change in the kernels' own speed, which efficiency cancels.
  if (w.ideal.total_cpu_us > 0) c["kernel_cpu_ms"] = w.ideal.total_cpu_us * kernel_time_ratio_sum / n / 1e3;
  if (const double rate = offered_rate_per_s(w); rate > 0) c["offered_rate_per_s"] = rate;
}

template <rt::runtime R>
void register_workload_row(std::shared_ptr<const planned_workload> w, std::size_t workers,
                           const options& opts) {
  workload_row row{w->name + "/" + std::string(R::name) + "/workers:" + std::to_string(workers),
                   workers, std::move(w)};
  auto* b = benchmark::RegisterBenchmark(row.name.c_str(), [row](benchmark::State& state) {
    if (!run_progress::get().call_started(state, row.name)) return;
    const double probe = workloads::kernels::probe_spin_ns_per_iteration();
    run_workload<R>(state, row);
    state.counters[speed_probe_counter] = probe;
  });
  b->UseRealTime()->MeasureProcessCPUTime();
  run_progress::get().add_row(row.name + "/process_time/real_time", repetitions_of(opts));
}

// Registers every workload for every runtime of List that `opts` selects, workload by workload
// (so that the rows to compare are next to each other); returns the rows.
template <class List>
std::size_t register_workloads(const std::vector<planned_workload>& all, const options& opts) {
  std::size_t rows = 0;
  for (const auto& w : all) {
    auto shared = std::make_shared<const planned_workload>(w);
    for_each_type<List>::apply([&]<class R>() {
      if (!registers_rows<R>(opts)) return;
      for (const auto n : workload_worker_counts<R>(*shared, opts)) {
        register_workload_row<R>(shared, n, opts);
        ++rows;
      }
    });
  }
  return rows;
}

// For --help: the default rows left out by the time budget, one line per workload x runtime.
template <class List>
std::string over_budget_help(const std::vector<planned_workload>& all) {
  std::string text;
  for (const auto& w : all) {
    for_each_type<List>::apply([&]<class R>() {
      const auto over = over_budget_workers<R>(w);
      if (over.empty()) return;
      char line[256];
      std::string counts;
      for (const auto& [n, s] : over) {
        if (!counts.empty()) counts += ",";
        counts += std::to_string(n);
      }
      std::snprintf(line, sizeof line, "  %s/%s/workers:%s (about %.0f s per run at %zu)\n",
                    w.name.c_str(), std::string(R::name).c_str(), counts.c_str(),
                    over.front().second, over.front().first);
      text += line;
    });
  }
  return text.empty() ? "  (none)\n" : text;
}

}  // namespace execbench::bench
