#pragma once
// tune: from a sweep report (each workload x runtime at several worker counts), how many
// workers to use, and why: the measured optimum, a USL fit and the Goetz estimate side by side.

#include <string>
#include <vector>

#include "execbench/reports/median_interval.hpp"
#include "execbench/reports/report.hpp"
#include "execbench/reports/usl_fit.hpp"

namespace execbench::reports {

/// Choices of `tune`.
struct tune_options {
  double within = 0.05;  ///< recommend the fewest workers within this fraction of the best
  double min_r2 = 0.9;   ///< a fit below this R^2 is unreliable
  std::size_t min_worker_counts = 4;  ///< fewer distinct worker counts cannot pin down a USL fit
};

/// One worker count of one series: medians (and ranges) over its repetitions.
struct tune_point {
  long workers = 0;
  double throughput = 0;  ///< median tasks_per_s
  double throughput_min = 0;
  double throughput_max = 0;
  median_range throughput_range;  ///< the median's range (summary's rule): the tie rule's input
  double lat_p99_us = 0;          ///< median; NaN when absent
  median_range lat_p99_range;     ///< kind none when absent
  double wait_compute_ratio = 0;  ///< median; +infinity when the tasks never compute; NaN absent
  double efficiency = 0;          ///< median; NaN when absent
  std::size_t repetitions = 0;
};

/// The answer for one workload x runtime.
struct tune_result {
  std::string workload;
  std::string runtime;
  std::vector<tune_point> points;  ///< by worker count
  /// Open loop (the rows carry offered_rate_per_s): the arrival rate fixes throughput, so the
  /// series is tuned by p99 latency, lower is better.
  bool open_loop = false;
  double offered_rate_per_s = 0;  ///< median over the rows; NaN when closed loop
  std::string tuned_by;           ///< "tasks_per_s" or, on open loop, "lat_p99_us"
  usl_fit fit;
  bool reliable = false;  ///< fit.r2 >= min_r2
  long best_workers = 0;  ///< the best median of the tuned metric
  double best_throughput = 0;
  double best_lat_p99_us = 0;    ///< NaN when absent
  long recommended_workers = 0;  ///< fewest workers within `within` of the best
  double recommended_throughput = 0;
  double recommended_lat_p99_us = 0;  ///< NaN when absent
  /// The contiguous worker counts around the recommendation whose tuned metric cannot be told
  /// apart from the recommendation's (their ranges overlap, as in summary's tie rule).
  long recommended_low = 0;
  long recommended_high = 0;
  /// "max" or "min" when the best point is the largest or smallest count swept (and a smaller
  /// count exists: never "min" at 1 worker), else empty; with the counts to sweep next.
  std::string edge;
  std::vector<long> next_sweep;
  /// W/C for Goetz: the smallest point median (the least inflated by queueing), and the point it
  /// came from. +infinity when the tasks never compute; NaN when not measured.
  double wait_compute_ratio = 0;
  long wait_compute_workers = 0;  ///< 0 when not measured
  double goetz_workers = 0;       ///< cores x (1 + W/C); NaN without a finite W/C or a core count
  std::vector<std::string> reasons;  ///< the recommendation explained, one clause each
};

/// A series that could not be tuned.
struct tune_skip {
  std::string workload;
  std::string runtime;
  std::string reason;  ///< one line, e.g. "only 3 worker counts (1, 2, 4); tune needs 4"
};

/// Every series of one sweep report.
struct tuning {
  std::string path;
  int cores = 0;  ///< num_cpus or hardware_concurrency of the context; 0 when unknown
  tune_options options;
  std::vector<tune_result> results;
  std::vector<tune_skip> skipped;
};

/// Tunes every `<workload>/<runtime>/workers:<N>` series of `input` (primitive/... rows are
/// ignored). Series that cannot be tuned are listed in `skipped`; throws input_error (one line
/// naming the file and the problem) when no series can be tuned.
tuning tune_report(const report& input, const tune_options& options = {});

/// Output formats of tune.
enum class tune_format { console, markdown, json };

/// The tuning as aligned text, Markdown, or JSON (non-finite numbers as null).
std::string render_tuning(const tuning& result, tune_format format);

}  // namespace execbench::reports
