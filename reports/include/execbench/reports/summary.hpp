#pragma once
// summary: one report, per workload, runtimes ranked by their median figure with a range and n,
// runtimes that cannot be told apart from the best reported tied, with p99 and efficiency beside.

#include <map>
#include <string>
#include <vector>

#include "execbench/reports/median_interval.hpp"
#include "execbench/reports/report.hpp"

namespace execbench::reports {

/// A benchmark name split into its parts: "<workload>/<runtime>/workers:<N>", where primitive
/// benchmarks have a two-part workload "primitive/<name>" and suffixes such as /real_time or
/// /process_time after the worker count are ignored.
struct benchmark_name {
  std::string workload;
  std::string runtime;  ///< empty when the name does not follow the pattern
  long workers = 0;
};

/// Splits a run name; names that do not follow the pattern keep the whole name as workload.
benchmark_name parse_benchmark_name(const std::string& run_name);

/// Efficiency below this on an open-loop row means the runtime fell behind the arrival rate.
inline constexpr double behind_rate_efficiency = 0.95;

/// One runtime of one workload, at its best worker count.
struct ranked_row {
  std::string name;  ///< the run name of the row that represents the runtime
  std::string runtime;
  long workers = 0;                 ///< its best worker count (best median of the ranking metric)
  std::vector<long> workers_swept;  ///< every worker count of this runtime with a successful row
  median_range figure;              ///< the ranking metric
  median_range throughput;  ///< tasks_per_s (open loop shows it beside p99); kind none if absent
  median_range lat_p99_us;  ///< kind none when absent
  median_range efficiency;  ///< kind none when absent
  std::size_t rank =
      0;  ///< 1 for the best and every row tied with it, else 1 + rows clearly better
  bool tied_with_best = false;  ///< its range overlaps the best's (the best itself included)
  bool behind_rate = false;     ///< open loop only: median efficiency below behind_rate_efficiency
};

/// One workload: its rows ranked, best first.
struct workload_summary {
  std::string workload;
  std::string rank_by;           ///< tasks_per_s, items_per_second, runs_per_s, or lat_p99_us
  bool higher_is_better = true;  ///< false for lat_p99_us
  bool open_loop = false;        ///< the rows carry offered_rate_per_s
  double offered_rate_per_s;     ///< median over the rows; NaN when closed loop
  std::vector<ranked_row> rows;
  std::vector<std::string> best;  ///< names of the rows tied with the best (the best first)
};

/// One host cost floor of the run (its context's `floors`): median, min and max over its batches.
struct host_floor_figure {
  std::string name;  ///< tcp_round_trip_us, tcp_us_per_kib, disk_read_us_per_kib, ...
  double median = 0, low = 0, high = 0;
  std::size_t n = 0;
  bool in_ideal = false;  ///< the ideal prices steps by it (the TCP and disk floors)
};

/// One METG row (execbench --metg): the grain at which the runtime's efficiency crosses the
/// threshold, each figure the median over the row's repetitions; NaN where the row has none.
struct metg_summary_row {
  std::string family;  ///< cpu, wait
  std::string runtime;
  long workers = 0;
  double metg_us = 0, low_us = 0, high_us = 0;  ///< NaN: never reached (or below the sweep)
  double below_us = 0;          ///< the finest grain, when still above the threshold there
  double own_us = 0, own_low_us = 0, own_high_us = 0, own_below_us = 0;  ///< the same, against
                                                                         ///< its own best
  double best_efficiency = 0;
  std::size_t n = 0;  ///< repetitions at the crossing
  /// 1 for the lowest METG of its family and every row whose range overlaps it (tied), then 2
  /// for the next row not tied with a rank-1 leader, and so on; 0 for a runtime that never
  /// reached the threshold (unranked).
  std::size_t rank = 0;
};

/// Summaries of every workload of one report: workloads by name, then the primitives by name.
struct report_summary {
  std::string path;
  bool quick = false;  ///< the context says quick = true: a --quick smoke run, one sample per row
  bool interrupted = false;  ///< the context says interrupted = true: rows not started are absent
  /// How the machine's speed moved during the run: spin's ns per iteration probed before each
  /// repetition (counter speed_probe_ns), min, median and max over them; n = 0 when absent.
  double speed_probe_min = 0, speed_probe_median = 0, speed_probe_max = 0;
  std::size_t speed_probe_n = 0;
  /// The run's context as text, for the line that says what ran where: execbench_version,
  /// git_sha, build_type, compiler, cpu_model, num_cpus, hardware_concurrency, kernel,
  /// library_build_type, benchmark_version (absent keys absent).
  std::map<std::string, std::string> context;
  /// The host cost floors, in the order the context gives them, and those it could not
  /// measure with the reason (floor -> reason); both empty for a report without floors.
  std::vector<host_floor_figure> floors;
  std::map<std::string, std::string> floors_missing;
  std::vector<workload_summary> workloads;
  /// METG rows by family, then by METG (lower is better; never last).
  std::vector<metg_summary_row> metg;
};

/// Summarises `input`. Throws input_error (one line naming the file) when no row has a usable
/// figure.
report_summary summarise(const report& input);

/// Output formats of summary.
enum class summary_format { console, markdown, json };

/// The summary as aligned text, Markdown, or JSON (non-finite numbers as null).
std::string render_summary(const report_summary& summary, summary_format format);

}  // namespace execbench::reports
