#pragma once
// Distribution-free statistics for comparing two samples of benchmark repetitions: the
// Mann–Whitney U test and the Hodges–Lehmann shift with its interval. Both rest on the same null
// distribution of U, so the interval and the test agree with each other.

#include <cstddef>
#include <span>
#include <vector>

namespace execbench::reports {

/// Samples up to this size on each side use the exact null distribution of U.
inline constexpr std::size_t exact_sample_limit = 50;

/// Median of the values (mean of the two middle ones for an even count); NaN when empty.
double median(std::vector<double> values);

/// P(U = u) for u = 0..m*n under the null hypothesis (no ties), by the recurrence on the largest
/// element: p(m, n, u) = m/(m+n) p(m-1, n, u-n) + n/(m+n) p(m, n-1, u).
std::vector<double> mann_whitney_null_distribution(std::size_t m, std::size_t n);

/// Result of a two-sided Mann–Whitney U test.
struct mann_whitney_result {
  double u = 0;        ///< pairs (base_i, new_j) with new_j > base_i, ties counting one half
  double p_value = 1;  ///< two-sided
  bool exact = false;  ///< exact distribution (small samples, no ties) or normal approximation
};

/// Two-sided Mann–Whitney U test of `next` against `base`. Exact when both samples hold at most
/// exact_sample_limit values and there are no ties; otherwise the normal approximation with tie
/// correction and continuity correction.
mann_whitney_result mann_whitney_u(std::span<const double> base, std::span<const double> next);

/// Hodges–Lehmann estimate of the shift next - base with its distribution-free interval.
struct shift_interval {
  double shift = 0;  ///< median of all pairwise differences next_j - base_i
  double low = 0;    ///< NaN when the samples are too small for the confidence asked
  double high = 0;
  bool exact = false;  ///< interval ranks from the exact null distribution
};

/// The interval is [d(k+1), d(mn-k)] of the sorted pairwise differences, where k is the largest
/// u with P(U <= u) <= alpha/2: exact distribution up to exact_sample_limit per side, normal
/// approximation beyond. Coverage is at least 1 - alpha for continuous data.
shift_interval hodges_lehmann(std::span<const double> base, std::span<const double> next,
                              double alpha);

/// Standard normal upper quantile: z with P(Z > z) = p, for 0 < p < 1.
double normal_upper_quantile(double p);

}  // namespace execbench::reports
