#pragma once
// compare: two sides (BASE and NEW, each one or more report files), matched benchmark by
// benchmark and metric by metric, each change with an interval, a p-value and a verdict; a gate
// over the rows the runtime is responsible for, with Holm's family-wise correction.

#include <string>
#include <string_view>
#include <vector>

#include "execbench/reports/metrics.hpp"
#include "execbench/reports/report.hpp"

namespace execbench::reports {

/// The gate's primary metric on workload rows unless --gate-metric says otherwise: efficiency
/// (ideal ÷ makespan) cancels the machine's speed, which moves time and the ideal alike.
inline constexpr std::string_view default_gate_metric = "efficiency";

/// The metrics the gate's primary metric may be: "efficiency" and "overhead_ms".
const std::vector<std::string>& gate_metric_choices();

/// Settings of one comparison.
struct compare_options {
  double threshold = 0.05;           ///< relative change below which a row is noise
  double alpha = 0.05;               ///< family-wise error rate of the gate; 1 - interval level
  std::vector<std::string> metrics;  ///< named metrics: shown and gated; "all": show every metric
  std::string gate_metric = std::string(default_gate_metric);  ///< primary metric, workload rows
  bool paired = false;  ///< the i-th BASE report and the i-th NEW report form round i
};

/// The outcome for one row and metric.
enum class verdict {
  faster,        ///< better (in the metric's direction), significant after Holm, beyond threshold
  slower,        ///< worse, significant after Holm, beyond the threshold
  same,          ///< the Hodges–Lehmann interval lies inside ±threshold
  inconclusive,  ///< neither: the reason says why (too few runs, p, a wide interval)
  no_verdict,    ///< the metric has no known direction
};

/// "faster", "slower", "same", "inconclusive" or "no verdict".
std::string_view to_string(verdict value);

/// One benchmark × metric comparison. Changes are relative to the BASE median (unpaired) or the
/// Hodges–Lehmann estimate of the per-round ratio NEW/BASE (paired).
struct metric_comparison {
  std::string benchmark;
  std::string metric;
  reports::direction direction = direction::unknown;
  std::size_t base_count = 0;  ///< samples on the BASE side (repetitions, runs, or rounds)
  std::size_t new_count = 0;
  double base_median = 0;
  double new_median = 0;
  double change = 0;  ///< new_median / base_median - 1; paired: exp(HL of log ratios) - 1
  double ci_low = 0;  ///< Hodges–Lehmann interval, relative like change; NaN if none
  double ci_high = 0;
  double p_value = 0;           ///< two-sided, uncorrected; NaN without a test
  bool exact_p = false;         ///< the p-value is exact rather than the normal approximation
  bool has_statistics = false;  ///< a test ran (two or more samples a side, or two rounds)
  bool gated = false;           ///< in the gate's family: a slower verdict fails the gate
  double p_holm = 0;      ///< Holm-adjusted p-value within the row's family; NaN without a test
  double holm_level = 0;  ///< alpha / (k - rank + 1): what p_value has to stay under
  std::size_t family_size = 0;  ///< rows in its Holm family (gated, or not gated)
  reports::verdict verdict = verdict::inconclusive;
  std::string reason;  ///< why inconclusive (or not gated), computed for this comparison
  std::string note;    ///< e.g. the kernels' CPU time moved beyond the threshold
};

/// A benchmark with errored repetitions, on one side, one entry per distinct message.
struct errored_benchmark {
  std::string benchmark;
  std::string side;  ///< "base" or "new"
  std::string message;
  std::size_t errored = 0;      ///< repetitions that failed with this message
  std::size_t repetitions = 0;  ///< all repetitions of the benchmark on that side
};

/// Geometric mean of new/base median ratios for one metric, over matched rows only.
struct geometric_mean {
  std::string metric;
  double ratio = 0;
  std::size_t count = 0;
};

/// Everything a comparison report shows.
struct comparison {
  std::vector<std::string> base_files;
  std::vector<std::string> new_files;
  double threshold = 0.05;
  double alpha = 0.05;
  bool paired = false;
  std::string unit;                ///< what one sample is: "repetition", "run" (report) or "round"
  std::string gate_metric;         ///< primary metric of workload rows
  std::size_t gated_count = 0;     ///< tests in the gate's family (k of its Holm correction)
  std::vector<std::string> notes;  ///< how the samples were formed and what the gate judges
  std::vector<std::string> warnings;  ///< context mismatches, drift, quick runs, sample sizes
  std::vector<std::string> metrics;   ///< metrics shown, in order
  std::vector<metric_comparison> rows;
  std::vector<geometric_mean> geometric_means;
  std::vector<std::string> only_in_base;
  std::vector<std::string> only_in_new;
  std::vector<errored_benchmark> errored;

  /// Any gated row significantly slower beyond the threshold.
  bool has_regression() const;
};

/// Context keys whose difference makes a comparison suspect.
const std::vector<std::string>& compared_context_keys();

/// Compares the BASE reports with the NEW reports. One report a side: the repetitions are the
/// samples. Several: each report's per-row median is one sample (the process is the unit).
/// Paired: round i is BASE report i against NEW report i. Throws input_error when the sides have
/// no benchmark in common or paired sides differ in length, std::invalid_argument for a metric
/// no matched benchmark has or an unknown gate metric.
comparison compare_reports(const std::vector<report>& base, const std::vector<report>& next,
                           const compare_options& options);

/// Output formats of compare.
enum class compare_format { console, markdown, csv, json };

/// Renders a comparison; colour (ANSI) applies to the console format only.
std::string render_comparison(const comparison& result, compare_format format, bool colour);

}  // namespace execbench::reports
