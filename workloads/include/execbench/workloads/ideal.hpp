// The ideal makespan: a lower bound, computed from the plan, that no scheduler on P cores can
// beat. Efficiency = ideal / measured.
//
// CPU work is planned in time at the start-up calibration's kernel speed, but a shared machine's
// speed drifts (here by up to 3x between runs minutes apart), so the bound for one run takes
// cpu_scale: the CPU time the run's kernels took on their threads over their planned time
// (run_state::kernel_time_ratio). Every cpu(t) below is multiplied by it, the floors' part too
// (they were measured beside the calibration, and a slower machine is slower at both); 1 is
// the plan.
//
// Per task t (from its planned steps):
//   cpu(t)      = sum of its CPU steps' work (spin, compute, memory, hash) + the host floors'
//                 CPU for its I/O steps (floors.hpp: a tcp step's round trip, base + slope x
//                 the bytes beyond 64 each way; a disk step's bytes x per-KiB cost; each from
//                 the floor's low figure; 0 where a floor is missing);
//   duration(t) = cpu(t) + its timer and blocking latencies + its tcp steps' server delays
//                 + its lock hold times. A tree's inner node has duration 0: it only gathers.
// The ideal makespan is the largest of these bounds, each true of any schedule:
//   critical_path = the longest dependency chain, summing duration(t) along it (earliest
//                   finish ef(t) = max over its predecessors d of ef(d), plus duration(t));
//                   for independent tasks, the longest task;
//   cpu_bound     = (sum of cpu(t) over all tasks of all groups) / P;
//   release       = per group, the largest of:
//                   open loop:   max over t of ef'(t), where ef'(t) = max(arrival(t), ef' of
//                                its predecessors) + duration(t), arrival(k) = k / rate_per_s
//                                for the k-th work task (k from 0): a task cannot finish before
//                                its scheduled arrival plus its own duration, so this is at
//                                least the last arrival + that task's duration;
//                   closed loop: (sum of duration(t) over the group's work tasks) / concurrency,
//                                since at most C tasks occupy a slot at a time;
//                   unlimited:   0;
//   lock_serial   = per lock, the sum of all its hold times: holds of one lock never overlap.
// Groups run side by side, so each bound but cpu_bound is a max over groups.
// All in microseconds; the run's time origin is its start (the first arrival is at 0).
#pragma once

#include <cstdint>

#include "execbench/workloads/floors.hpp"
#include "execbench/workloads/plan.hpp"

namespace execbench::workloads {

struct ideal_makespan {
  double critical_path_us = 0;
  double cpu_bound_us = 0;
  double release_us = 0;
  double lock_serial_us = 0;
  double total_cpu_us = 0;   // sum of cpu(t): the work, for W/C
  double total_task_us = 0;  // sum of duration(t)
  unsigned cores = 1;

  // The bound itself: the largest of the four.
  double value_us() const noexcept;
};

// cpu(t) and duration(t) of one planned task, in nanoseconds (duration with cpu(t) x cpu_scale),
// with the host floors given (by default the process's, current_floors()).
std::uint64_t task_cpu_ns(const plan& p, const planned_task& t,
                          const host_floors& floors = current_floors()) noexcept;
std::uint64_t task_duration_ns(const plan& p, const planned_task& t, double cpu_scale = 1.0,
                               const host_floors& floors = current_floors()) noexcept;

// The mean planned duration of a plan's work tasks in µs: their CPU work and planned waits at the
// calibrated speed, without the host floors (the part of a task that scaled_in_time scales; 0 for
// a plan with no work task). METG's grain of a user's workload (execbench --metg=FILE).
double mean_work_task_us(const plan& p);

// The ideal makespan of a plan on `cores` cores (cores >= 1), its CPU work scaled by cpu_scale
// (> 0), its I/O steps priced by `floors`.
ideal_makespan compute_ideal_makespan(const plan& p, unsigned cores, double cpu_scale = 1.0,
                                      const host_floors& floors = current_floors());

}  // namespace execbench::workloads
