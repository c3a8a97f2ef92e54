#pragma once
// compare: two sides (BASE and NEW, each one or more pooled report files), matched benchmark by
// benchmark and metric by metric, each change with an interval, a p-value and a verdict.

#include <string>
#include <string_view>
#include <vector>

#include "execbench/reports/metrics.hpp"
#include "execbench/reports/report.hpp"

namespace execbench::reports {

/// Settings of one comparison.
struct compare_options {
  double threshold = 0.05;           ///< relative change below which a row is noise
  double alpha = 0.05;               ///< significance level of the test and 1 - interval level
  std::vector<std::string> metrics;  ///< empty: default_metrics() present; "all": every metric
};

/// The outcome for one row and metric.
enum class verdict {
  faster,         ///< significantly better (in the metric's direction) beyond the threshold
  slower,         ///< significantly worse beyond the threshold
  within_noise,   ///< change inside the threshold or not significant
  no_statistics,  ///< fewer than two samples on a side: the change alone
  no_verdict,     ///< the metric has no known direction
};

/// "faster", "slower", "within noise", "no statistics" or "no verdict".
std::string_view to_string(verdict value);

/// One benchmark × metric comparison. Changes are relative to the BASE median.
struct metric_comparison {
  std::string benchmark;
  std::string metric;
  reports::direction direction = direction::unknown;
  std::size_t base_count = 0;
  std::size_t new_count = 0;
  double base_median = 0;
  double new_median = 0;
  double change = 0;  ///< new_median / base_median - 1
  double ci_low = 0;  ///< Hodges–Lehmann interval of the shift ÷ base median; NaN if none
  double ci_high = 0;
  double p_value = 0;    ///< Mann–Whitney U, two-sided; NaN without statistics
  bool exact_p = false;  ///< the p-value is exact rather than the normal approximation
  bool has_statistics = false;
  reports::verdict verdict = verdict::no_statistics;
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
  std::vector<std::string> warnings;  ///< context mismatches and sample-size warnings
  std::vector<std::string> metrics;   ///< metrics shown, in order
  std::vector<metric_comparison> rows;
  std::vector<geometric_mean> geometric_means;
  std::vector<std::string> only_in_base;
  std::vector<std::string> only_in_new;
  std::vector<errored_benchmark> errored;

  /// Any row significantly slower beyond the threshold.
  bool has_regression() const;
};

/// Context keys whose difference makes a comparison suspect.
const std::vector<std::string>& compared_context_keys();

/// Compares the pooled BASE reports with the pooled NEW reports. Throws input_error when the
/// sides have no benchmark in common, or std::invalid_argument for a metric neither side has.
comparison compare_reports(const std::vector<report>& base, const std::vector<report>& next,
                           const compare_options& options);

/// Output formats of compare.
enum class compare_format { console, markdown, csv, json };

/// Renders a comparison; colour (ANSI) applies to the console format only.
std::string render_comparison(const comparison& result, compare_format format, bool colour);

}  // namespace execbench::reports
