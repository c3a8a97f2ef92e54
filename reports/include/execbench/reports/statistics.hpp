#pragma once
// Distribution-free statistics for comparing benchmark samples. Two independent samples: the
// Mann–Whitney U test and the Hodges–Lehmann shift with its interval, both on the null
// distribution of U. Paired samples (one difference per round): the Wilcoxon signed-rank test and
// the Hodges–Lehmann estimate over Walsh averages, both on the null distribution of W+. Many
// tests at once: Holm's step-down correction. And what a sample size can reach at all.

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

/// P(W+ = w) for w = 0..n(n+1)/2 under the null hypothesis (no zeros, no ties): each of the
/// ranks 1..n carries a + sign with probability 1/2, independently.
std::vector<double> signed_rank_null_distribution(std::size_t n);

/// Result of a two-sided Wilcoxon signed-rank test.
struct signed_rank_result {
  double w_plus = 0;      ///< sum of the ranks of |d| over the positive differences
  std::size_t count = 0;  ///< differences used: the non-zero ones
  double p_value = 1;     ///< two-sided; 1 when no difference is non-zero
  bool exact = false;     ///< exact distribution, or normal approximation
};

/// Two-sided Wilcoxon signed-rank test that the differences are centred on 0. Zero differences
/// are dropped (Wilcoxon's rule). Exact when at most exact_sample_limit remain and their absolute
/// values have no ties; otherwise the normal approximation with tie and continuity correction.
signed_rank_result wilcoxon_signed_rank(std::span<const double> differences);

/// Hodges–Lehmann estimate of the centre of paired differences (the median of the n(n+1)/2
/// Walsh averages (d_i + d_j)/2, i <= j) with its distribution-free interval [W(k+1), W(N-k)] of
/// the sorted averages, k the largest w with P(W+ <= w) <= alpha/2: exact up to
/// exact_sample_limit differences, normal approximation beyond. NaN bounds when too few.
shift_interval paired_hodges_lehmann(std::span<const double> differences, double alpha);

/// One p-value's place in Holm's step-down procedure.
struct holm_entry {
  std::size_t rank = 0;  ///< 1 for the smallest p-value
  double level = 0;      ///< alpha / (k - rank + 1): what this p-value has to stay under
  double adjusted = 1;   ///< Holm-adjusted p-value: max over ranks <= this of min(1, (k-j+1) p_j)
  bool significant = false;  ///< adjusted <= alpha: rejected with family-wise error <= alpha
};

/// Holm's correction of k p-values (in their order; NaN p-values take no part and get rank 0,
/// adjusted NaN). Controls the family-wise error rate at alpha under any dependence.
std::vector<holm_entry> holm(std::span<const double> p_values, double alpha);

/// The smallest two-sided p-value the exact Mann–Whitney test can give m against n values:
/// 2 / C(m+n, m) (capped at 1), when the samples do not overlap at all.
double mann_whitney_min_p(std::size_t m, std::size_t n);

/// The smallest two-sided p-value the exact signed-rank test can give with n differences:
/// 2 / 2^n (capped at 1), when they all have the same sign.
double signed_rank_min_p(std::size_t n);

/// The fewest values per side (equal sizes) whose exact Mann–Whitney test can reach p <= level.
std::size_t mann_whitney_needed_n(double level);

/// The fewest paired differences whose exact signed-rank test can reach p <= level.
std::size_t signed_rank_needed_n(double level);

}  // namespace execbench::reports
