// One plan's fixtures, run state and dispatch, run again and again on one watched runtime: what a
// workload row (register_workloads.hpp) and a METG point (register_metg.hpp) share. A run, its
// check and its efficiency against the ideal each come from here, so that both price a run alike.
#pragma once

#include <string>

#include <benchmark/benchmark.h>

#include "execbench/bench/primitives.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/workloads/dispatch.hpp"
#include "execbench/workloads/ideal.hpp"
#include "execbench/workloads/plan.hpp"
#include "execbench/workloads/run_state.hpp"
#include "execbench/workloads/runner.hpp"

namespace execbench::bench::detail {

// Declare it before the watched runtime, so that it is destroyed after: tasks that outlive a
// cancelled run still find their state.
class plan_runs {
 public:
  // Sets up the plan's fixtures (a server, a file): throws what they throw.
  explicit plan_runs(const workloads::plan& p) : plan_(p), fixtures_(p), run_(p, fixtures_), dispatch_(p) {}
  plan_runs(const plan_runs&) = delete;
  plan_runs& operator=(const plan_runs&) = delete;

  // One whole run of the plan on watched's runtime. False, with the row's error reported (a
  // stall as such, else `context`: what went wrong), when the run throws.
  template <rt::runtime R>
  bool run_once(benchmark::State& state, watched_runtime<R>& watched, const row_info& row,
                const std::string& context) {
    watched.watchdog().progress();
    return ran_or_reported(state, watched, row, context, [&] {
      watched.get().run(workloads::run_plan(watched.get(), run_, dispatch_));
    });
  }

  // The last run's check. False, with `context`: the problem reported, when its result is wrong.
  bool verify(benchmark::State& state, const std::string& context) const {
    if (const auto check = workloads::verify_run(run_); !check.ok) {
      state.SkipWithError((context + ": " + check.problem).c_str());
      return false;
    }
    return true;
  }

  // The last run's ideal makespan on `cores` cores in µs, at the kernel speed measured in it
  // (ideal.hpp: the machine's speed drifts away from the start-up calibration).
  double ideal_us(unsigned cores) const {
    return workloads::compute_ideal_makespan(plan_, cores, run_.kernel_time_ratio()).value_us();
  }

  // The last run's efficiency: its ideal over its makespan (0 for a run that took no time).
  double efficiency(unsigned cores) const {
    const auto makespan_ns = static_cast<double>(run_.makespan_ns());
    return makespan_ns > 0 ? ideal_us(cores) * 1e3 / makespan_ns : 0;
  }

  // Readies the plan for its next run: O(tasks), so kept out of a timed region.
  void reset() {
    run_.reset();
    dispatch_.reset();
  }

  const workloads::run_state& run() const noexcept { return run_; }

 private:
  const workloads::plan& plan_;
  workloads::workload_fixtures fixtures_;
  workloads::run_state run_;
  workloads::plan_dispatch dispatch_;
};

}  // namespace execbench::bench::detail
