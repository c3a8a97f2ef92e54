// The workloads execbench runs (presets or the user's files), planned once at start-up, and
// which worker counts each runtime runs them at: rows that would take minutes by construction
// stay out of the default set (estimate_iteration_s, row_budget_s).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "execbench/bench/command_line.hpp"
#include "execbench/bench/metg.hpp"
#include "execbench/runtime/runtime_traits.hpp"
#include "execbench/workloads/ideal.hpp"
#include "execbench/workloads/plan.hpp"
#include "execbench/workloads/spec.hpp"

namespace execbench::bench {

// One workload, planned: every row of it shares the plan (read-only while running).
struct planned_workload {
  std::string name;
  std::shared_ptr<const workloads::plan> plan;
  workloads::ideal_makespan ideal;  // on the machine's hardware threads: one ideal per workload,
                                    // so that every runtime's efficiency is read against it
  std::size_t work_tasks = 0;       // tasks that run the program (tree inner nodes excluded)
  std::size_t index = 0;            // 1-based position, for the "(i/N)" progress line
  std::size_t count = 0;            // how many workloads this run has
};

// Plans one validated workload (the plan, its ideal on this machine's hardware threads).
planned_workload plan_workload(const workloads::workload_spec& spec);

// The presets, or, when --workload was given, the user's files instead (in the order given).
// Throws usage_error with the workloads library's one-line message (file, JSON path, problem).
std::vector<planned_workload> load_workloads(const options& opts);

// What --metg sweeps: the built-in families (builtin_metg_families), or instead the files of
// --metg=FILE, each a family by its workload's name (file_metg_family). Throws usage_error as
// load_workloads does, and for a file with nothing to scale.
std::vector<metg_family> load_metg_families(const options& opts);

// A rough duration of one iteration (one whole workload run), in seconds, from the plan alone:
// the largest of the ideal makespan, the CPU work over the cores the runtime can use, and the
// time its threads are held (by waits, on the blocking runtimes; by blocking calls and CPU, on
// the others) over its threads; plus what scheduling its tasks costs the runtime. Both from the
// runtime's declared traits (rt::runtime_traits: its thread model and task cost).
double estimate_iteration_s(const planned_workload& w, const rt::runtime_traits& runtime,
                            std::size_t workers, unsigned cores);

// Rows whose estimated iteration exceeds this stay out of the default set (an explicit
// --workers brings them back): a row runs 3 repetitions of at least one iteration each, so a
// 2 s budget keeps a row under ~10 s and the default suite, build included, within 12 minutes
// on a 2-core machine.
inline constexpr double row_budget_s = 2.0;
// A row whose iteration is estimated at most this long starts with one untimed, verified run
// (run_workload): its first run pays once for what later runs reuse.
inline constexpr double warm_up_max_s = 0.1;

// Default worker counts of the workload rows of a pool runtime; `loop` runs at 1 only. One, the
// cores of a small machine, and many for I/O-bound work: a default run is for comparing
// runtimes; `--tune` (or --workers) sweeps the counts between.
inline const std::vector<std::size_t> default_workload_workers = {1, 2, 64};
// --tune's sweep: I/O-bound work needs far more workers than there are cores.
inline const std::vector<std::size_t> tune_workload_workers = {1,  2,  3,  4,  6,  8,   12,  16,
                                                               24, 32, 48, 64, 96, 128, 192, 256};

// The kernels' calibration (kernels::calibrate, measured here if not yet) as context keys:
// calibration_spin_50us_error, calibration_ns_per_iteration_<kernel>, ...
void add_calibration_to_report();

}  // namespace execbench::bench
