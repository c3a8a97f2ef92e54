// METG, Task Bench's minimum effective task granularity: the smallest task grain at which a
// runtime still reaches a threshold efficiency (50% by default). A sweep measures efficiency at
// grains halving from coarse to fine; this file holds what is decided from its points: where to
// stop, and where the efficiency crosses the threshold, with a range.
//
// A point is one grain with the efficiencies of its repetitions. Three curves run through the
// points: the medians, the minima and the maxima of each point's repetitions. On each curve the
// crossing is the last pair of neighbouring points, coarse to fine, with the coarser at or above
// the threshold and every finer point below it (so a dip that recovers at a finer grain is passed
// over: METG is the finest grain the runtime still honours); the grain there is interpolated
// linearly in log(grain):
//   log g* = log g_fine + (t - e_fine) / (e_coarse - e_fine) * (log g_coarse - log g_fine).
// METG is the medians' crossing; its range runs from the maxima's crossing (the most the
// runtime reached) to the minima's (the least). A curve that never reaches the threshold has no
// crossing: METG is `never` when the medians' curve does not, with the best median efficiency
// reached. A curve still above the threshold at the finest grain has its crossing below the sweep:
// the finest grain is then an upper bound.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "execbench/workloads/spec.hpp"

namespace execbench::bench {

struct metg_point {
  double grain_us = 0;
  std::vector<double> efficiencies;  // one per repetition

  double median() const;
  double min() const;
  double max() const;
};

// Where a curve crosses the threshold.
struct metg_crossing {
  enum class kind { crossed, never, below_sweep };
  kind where = kind::never;
  double grain_us = 0;  // crossed: the interpolated grain; below_sweep: the finest grain
};

struct metg_result {
  metg_crossing metg;          // on the medians
  metg_crossing low, high;     // on the maxima (the smallest grain) and the minima (the largest)
  double best_efficiency = 0;  // the best median over the points
  std::size_t n = 0;           // repetitions at the points around the medians' crossing
};

// The grains of a sweep: from `coarse_us`, halving, down to no less than `fine_us`.
std::vector<double> metg_grains(double coarse_us = 10000, double fine_us = 1);

// The crossing of one curve, given as (grain, efficiency) pairs from coarse to fine.
metg_crossing crossing_of(const std::vector<std::pair<double, double>>& curve, double threshold);

// METG and its range from a sweep's points (coarse to fine).
metg_result metg_from_points(const std::vector<metg_point>& points, double threshold);

// The same, against the runtime's own plateau: each efficiency divided by the best median
// efficiency of the sweep, so that a runtime that cannot use every core (a one-thread loop) still
// gets a figure for its own overhead.
metg_result metg_against_plateau(const std::vector<metg_point>& points, double threshold);

// Whether a sweep that has measured `points` (coarse to fine) can stop: once the medians reached
// the threshold and their last two points are below it (the crossing is passed), both against
// the machine and against the plateau; or once the threshold is out of reach against the machine
// (three points or more, none at it, the latest no better than the best before it) and the
// plateau's crossing is passed.
bool metg_sweep_can_stop(const std::vector<metg_point>& points, double threshold);

// The families a METG sweep measures, by the row name's second part.
//   cpu   independent tasks of one spin step of the grain, all released at once (Task Bench's
//         compute kernel); as many tasks as make the ideal about metg_point_ideal_us;
//   wait  metg_wait_tasks concurrent tasks, each waiting the grain on a timer, again and again
//         in sequence: ideal = waits x grain, so METG is the shortest wait a runtime honours at
//         the threshold (the cost of a wait as one number).
inline constexpr const char* metg_families[] = {"cpu", "wait"};
inline constexpr double metg_point_ideal_us = 20000;
inline constexpr unsigned metg_wait_tasks = 100;
inline constexpr int metg_repetitions = 3;  // per point, after one untimed run

// The workload (JSON, workloads/README.md) of one point of a family's sweep, on `cores` cores.
// Throws std::invalid_argument for an unknown family.
std::string metg_point_spec(std::string_view family, double grain_us, unsigned cores);

// What a METG row sweeps: its name (the row name's second part), its grains from coarse to fine,
// and the workload at each of them.
struct metg_family {
  std::string name;
  std::vector<double> grains;
  std::function<workloads::workload_spec(double grain_us)> at;
};

// The built-in families (metg_families) on `cores` cores, over metg_grains().
std::vector<metg_family> builtin_metg_families(unsigned cores);

// A user's workload as a family (execbench --metg=FILE), named by it: its grain is the mean
// planned duration of its work tasks (workloads::mean_work_task_us), and the workload at a grain
// is the file's scaled in time to it (workloads::scaled_in_time), its graph and sizes unchanged.
// The sweep is metg_grains() from the coarsest grain whose ideal makespan on `cores` cores is at
// most metg_file_point_ideal_max_us (a point runs 1 + metg_repetitions times), down to 1 µs.
// Throws std::invalid_argument when the file has no duration to scale, naming its source.
metg_family file_metg_family(const workloads::workload_spec& spec, unsigned cores);
inline constexpr double metg_file_point_ideal_max_us = 250000;

}  // namespace execbench::bench
