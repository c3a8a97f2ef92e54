#pragma once
// The median of a handful of benchmark samples with a range that says how far it can be trusted,
// and the rule that decides when two such figures cannot be told apart. summary ranks runtimes
// with it and tune finds the worker counts that match the recommended one with it, so both
// commands call the same things tied.
//
// The range is distribution-free: with n samples sorted x(1) <= ... <= x(n), the number of samples
// below the true median is Binomial(n, 1/2), so [x(j), x(n+1-j)] covers the median with
// probability P(j <= B <= n-j) = 1 - 2 P(B <= j-1). The interval takes the largest j (the narrowest
// symmetric pair) whose coverage is still at least 95%. Below 6 samples no pair reaches 95%
// (n = 5, j = 1 covers 93.75%), so the range there is the min-max, marked as such.

#include <cstddef>
#include <span>
#include <string>

namespace execbench::reports {

/// Coverage asked of the order-statistic interval.
inline constexpr double median_interval_confidence = 0.95;

/// P(j <= B <= n-j) for B ~ Binomial(n, 1/2): the coverage of [x(j), x(n+1-j)] as an interval of
/// the median (ranks from 1). 0 when j is 0 or beyond the middle.
double median_interval_coverage(std::size_t n, std::size_t j);

/// The largest j with median_interval_coverage(n, j) >= confidence; 0 when there is none (n < 6 at
/// 95%).
std::size_t median_interval_rank(std::size_t n, double confidence = median_interval_confidence);

/// How the range of a median_range was made.
enum class range_kind {
  none,            ///< no samples (every value NaN): median, low and high are NaN
  single,          ///< n = 1: low = high = the one value, no range at all
  min_max,         ///< 2 <= n < 6 (at 95%): the smallest and the largest sample
  order_statistic  ///< the order-statistic interval [x(j), x(n+1-j)] of the median
};

/// A median with its range over n samples.
struct median_range {
  double median;
  double low;
  double high;
  std::size_t n = 0;
  range_kind kind = range_kind::none;
};

/// The median of `values` (NaN values skipped; +-infinity kept) with its range: the
/// order-statistic interval at `confidence` where it exists, the min-max below it.
median_range median_with_range(std::span<const double> values,
                               double confidence = median_interval_confidence);

/// The tie rule: two figures cannot be told apart when their ranges overlap (the ends count as
/// overlapping). A range of kind `none` overlaps nothing.
bool ranges_overlap(const median_range& a, const median_range& b);

/// "order_statistic", "min_max", "single" or "none", as the JSON outputs spell the kind.
std::string range_kind_name(range_kind kind);

}  // namespace execbench::reports
