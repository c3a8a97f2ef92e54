// How each row is measured when the command line leaves it to execbench, and what every row
// records beside its figures.
//
// The default suite measures at steady state (README, "How a row is measured"): a primitive
// warms up before it is timed and is timed long enough for its figure to settle; every row is
// repeated, so that each figure has an n and a spread; the rows' repetitions run in random
// interleaving (Google Benchmark's --benchmark_enable_random_interleaving), so that the
// machine's drift during a run falls on every runtime alike rather than on whichever ran last.
// A Google Benchmark measurement flag given on the command line replaces the matching default.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <regex>
#include <set>
#include <utility>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "execbench/bench/command_line.hpp"
#include "execbench/bench/run_output.hpp"

namespace execbench::bench {

// The measurement flags execbench gives Google Benchmark unless the command line gives its own
// (each one given replaces only itself). Set globally rather than per row: a row's own
// settings would be appended to its name, and names must stay <workload>/<runtime>/workers:N.
struct measurement_rule {
  int repetitions;    // --benchmark_repetitions: the samples of each figure
  double min_time_s;  // --benchmark_min_time: per repetition, after the row's own warm-up
};

// 3 repetitions give every figure a range; 0.05 s (at least one whole run) per repetition.
// Each row warms up inside its body before it is timed: a primitive runs its iteration for
// primitive_warm_up (primitives.hpp), a workload row of 0.1 s or less runs once untimed
// (register_workloads.hpp). Google Benchmark's own warm-up would not do: each repetition
// builds its runtime anew, and the warm-up would run on another one.
inline constexpr measurement_rule default_rule{3, 0.05};
// --quick: a smoke run, one sample per row; reports and summaries say so.
inline constexpr measurement_rule quick_rule{1, 0.05};

// --metg: one iteration of a row is a whole sweep, which repeats each point itself.
inline constexpr measurement_rule metg_rule{1, 0.001};
inline const measurement_rule& rule_for(const options& opts) {
  if (opts.metg) return metg_rule;
  return opts.quick ? quick_rule : default_rule;
}

// The flags to add to the command line (Google Benchmark's spelling).
inline std::vector<std::string> measurement_flags(const options& opts) {
  const auto& rule = rule_for(opts);
  std::vector<std::string> flags;
  if (!opts.gives_repetitions) {
    flags.push_back("--benchmark_repetitions=" + std::to_string(rule.repetitions));
  }
  if (!opts.gives_min_time) {
    char text[64];
    std::snprintf(text, sizeof text, "--benchmark_min_time=%g", rule.min_time_s);
    flags.emplace_back(text);
  }
  if (!opts.gives_interleaving) flags.emplace_back("--benchmark_enable_random_interleaving=true");
  return flags;
}

// The measurement of this run in words, for the report's context.
inline std::string measurement_summary(const options& opts) {
  const auto& rule = rule_for(opts);
  std::string text = opts.quick ? "quick: one sample per row; " : "";
  text += opts.gives_repetitions ? "repetitions as given"
                                 : std::to_string(rule.repetitions) + " repetitions";
  char min_time[64];
  std::snprintf(min_time, sizeof min_time, " of at least %g s", rule.min_time_s);
  text += opts.gives_min_time ? " of --benchmark_min_time" : min_time;
  text += " each, after the row's warm-up";
  text += opts.gives_interleaving ? "" : "; repetitions in random interleaving";
  return text;
}

// Expected calls of a registered row's body, for the progress line.
inline int repetitions_of(const options& opts) {
  return opts.gives_repetitions ? opts.repetitions_given : rule_for(opts).repetitions;
}

// Ends a repetition whose timed loop has not started, with `message` as its error. Google
// Benchmark requires every repetition of a row to report the same iteration count (it aborts
// the whole process otherwise, when it computes the row's mean), and a repetition that errs
// before its loop reports none. Entered after the error, the loop runs no iteration and the
// repetition reports the row's count.
inline void end_unstarted(benchmark::State& state) {
  for (auto _ : state) {
  }
}
inline void skip_unstarted(benchmark::State& state, const char* message) {
  state.SkipWithError(message);
  end_unstarted(state);
}

// Counts the rows' calls as they run and prints, at most every 15 s, how far the run is and
// about how long is left (stderr; stdout may carry the report). A call is one repetition, or
// one of the trials in which Google Benchmark sizes a row's first repetition (counted as one
// more call per row).
class run_progress {
 public:
  static run_progress& get() {
    static run_progress p;
    return p;
  }
  // A registered row: its full name as --benchmark_filter sees it, and its repetitions.
  void add_row(std::string name, int repetitions) {
    rows_.emplace_back(std::move(name), repetitions);
  }
  // Rows not to run (--resume: the ones its report has), by full name.
  void skip(std::set<std::string> names) { skipped_ = std::move(names); }

  // The rows --benchmark_filter selects and this run does not skip, matched as Google Benchmark
  // matches them (a search; a leading '-' negates); returns how many. Throws usage_error for a
  // filter that is not a regular expression.
  std::size_t select(std::string filter) {
    expected_ = 0;
    std::size_t selected = 0;
    const bool all = filter.empty() || filter == "all" || filter == ".";
    const bool negate = !all && filter.front() == '-';
    if (negate) filter.erase(0, 1);
    std::optional<std::regex> re;
    try {
      if (!all) re.emplace(filter, std::regex::extended);
    } catch (const std::regex_error& e) {
      throw usage_error("--benchmark_filter=" + std::string(negate ? "-" : "") + filter +
                        ": not a regular expression (" + e.what() + ")");
    }
    for (const auto& [name, repetitions] : rows_) {
      if (!all && std::regex_search(name, *re) == negate) continue;
      if (skipped_.count(name) != 0) continue;
      ++selected;
      expected_ += static_cast<std::size_t>(repetitions) + 1;
    }
    return selected;
  }

  // The start of a call of row `name`'s body (without Google Benchmark's suffix). False, with
  // the call skipped (not_run_message), when the run is stopping or the row is not to run.
  bool call_started(benchmark::State& state, const std::string& name) {
    if (stop_requested() || (!skipped_.empty() && skipped_.count(name + row_suffix) != 0)) {
      skip_unstarted(state, not_run_message);
      return false;
    }
    count_call();
    return true;
  }

  // Google Benchmark's suffix to every row's name (UseRealTime, MeasureProcessCPUTime).
  static constexpr const char* row_suffix = "/process_time/real_time";

 private:
  void count_call() {
    const auto now = std::chrono::steady_clock::now();
    if (calls_ == 0) start_ = last_ = now;
    ++calls_;
    if (now - last_ < std::chrono::seconds(15) || expected_ == 0) return;
    last_ = now;
    const double spent = std::chrono::duration<double>(now - start_).count();
    const double done =
        std::min(0.99, static_cast<double>(calls_) / static_cast<double>(expected_));
    const double left = spent / done * (1 - done);
    std::fprintf(stderr, "-- about %.0f%% done: %.0f s spent, about %.0f s left\n", done * 100,
                 spent, left);
    std::fflush(stderr);
  }

  std::vector<std::pair<std::string, int>> rows_;
  std::set<std::string> skipped_;
  std::size_t expected_ = 0;
  std::size_t calls_ = 0;
  std::chrono::steady_clock::time_point start_{}, last_{};
};

// The counter every row carries: spin's speed right before the row (ns per iteration;
// kernels::probe_spin_ns_per_iteration), so that a report shows how the machine's speed moved
// during the run, row by row.
inline constexpr const char* speed_probe_counter = "speed_probe_ns";

}  // namespace execbench::bench
