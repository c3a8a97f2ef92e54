#include "execbench/reports/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace execbench::reports {
namespace {

// Expected values come from tests/reports/expected_statistics.py: a brute-force enumeration of
// every split of the pooled sample (the definition of the exact null distribution), cross-checked
// with scipy.stats.mannwhitneyu.

TEST(median, odd_even_and_empty) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_TRUE(std::isnan(median({})));
}

TEST(mann_whitney_null_distribution, two_against_three_matches_enumeration) {
  // Enumeration: P(U=u) for u = 0..6 is 0.1 0.1 0.2 0.2 0.2 0.1 0.1.
  const std::vector<double> expected = {0.1, 0.1, 0.2, 0.2, 0.2, 0.1, 0.1};
  const std::vector<double> dist = mann_whitney_null_distribution(2, 3);
  ASSERT_EQ(dist.size(), expected.size());
  for (std::size_t u = 0; u < dist.size(); ++u) EXPECT_NEAR(dist[u], expected[u], 1e-15) << u;
}

TEST(mann_whitney_null_distribution, sums_to_one_and_is_symmetric) {
  const std::vector<double> dist = mann_whitney_null_distribution(9, 7);
  double total = 0;
  for (double p : dist) total += p;
  EXPECT_NEAR(total, 1, 1e-12);
  for (std::size_t u = 0; u < dist.size(); ++u)
    EXPECT_NEAR(dist[u], dist[dist.size() - 1 - u], 1e-15);
}

TEST(mann_whitney_u, exact_small_sample) {
  const std::vector<double> base = {10, 12, 15, 17};
  const std::vector<double> next = {13, 18, 20, 21, 25};
  const mann_whitney_result result = mann_whitney_u(base, next);
  EXPECT_DOUBLE_EQ(result.u, 18);                           // by enumeration and scipy
  EXPECT_NEAR(result.p_value, 0.06349206349206349, 1e-12);  // = 8/126
  EXPECT_TRUE(result.exact);
}

TEST(mann_whitney_u, separated_nine_against_nine) {
  std::vector<double> base, next;
  for (int i = 1; i <= 9; ++i) base.push_back(i), next.push_back(10 + i);
  const mann_whitney_result result = mann_whitney_u(base, next);
  EXPECT_DOUBLE_EQ(result.u, 81);
  EXPECT_NEAR(result.p_value, 2.0 / 48620, 1e-15);  // 2 / C(18, 9)
  // Symmetric: swapping the sides gives U = 0 and the same p.
  EXPECT_NEAR(mann_whitney_u(next, base).p_value, 2.0 / 48620, 1e-15);
}

TEST(mann_whitney_u, three_against_three_cannot_reach_five_percent) {
  const std::vector<double> base = {1, 2, 3}, next = {4, 5, 6};
  EXPECT_NEAR(mann_whitney_u(base, next).p_value, 0.1, 1e-15);
}

TEST(mann_whitney_u, ties_use_normal_approximation_with_tie_correction) {
  const std::vector<double> base = {1, 2, 2, 3, 4, 4};
  const std::vector<double> next = {2, 3, 4, 5, 5, 6, 7};
  const mann_whitney_result result = mann_whitney_u(base, next);
  EXPECT_DOUBLE_EQ(result.u, 34.5);
  // scipy.stats.mannwhitneyu(next, base, method="asymptotic", use_continuity=True)
  EXPECT_NEAR(result.p_value, 0.05967448644205164, 1e-12);
  EXPECT_FALSE(result.exact);
}

TEST(mann_whitney_u, all_equal_gives_p_one) {
  const std::vector<double> same = {5, 5, 5, 5};
  EXPECT_DOUBLE_EQ(mann_whitney_u(same, same).p_value, 1);
}

TEST(hodges_lehmann, small_sample_interval_from_enumeration) {
  const std::vector<double> base = {10, 12, 15, 17};
  const std::vector<double> next = {13, 18, 20, 21, 25};
  // Enumeration: k = 1 at alpha 0.05 (P(U<=1) = 2/126), k = 2 at alpha 0.10 (P(U<=2) = 4/126);
  // the interval is [d(k+1), d(mn-k)] of the 20 sorted differences.
  const shift_interval at_95 = hodges_lehmann(base, next, 0.05);
  EXPECT_DOUBLE_EQ(at_95.shift, 6);
  EXPECT_DOUBLE_EQ(at_95.low, -2);
  EXPECT_DOUBLE_EQ(at_95.high, 13);
  EXPECT_TRUE(at_95.exact);
  const shift_interval at_90 = hodges_lehmann(base, next, 0.10);
  EXPECT_DOUBLE_EQ(at_90.low, 1);
  EXPECT_DOUBLE_EQ(at_90.high, 11);
}

TEST(hodges_lehmann, too_small_for_the_level_has_no_interval) {
  const std::vector<double> base = {1, 2, 3}, next = {4, 5, 6};
  const shift_interval result = hodges_lehmann(base, next, 0.05);
  EXPECT_DOUBLE_EQ(result.shift, 3);
  EXPECT_TRUE(std::isnan(result.low));
  EXPECT_TRUE(std::isnan(result.high));
}

TEST(hodges_lehmann, intervals_cover_a_known_shift) {
  // Synthetic data with a known shift of 7: the 95% interval must contain it in about 95% of
  // trials (it is conservative, so at least that), and the estimate must sit near 7.
  std::mt19937_64 random(12345);
  std::normal_distribution<double> noise(100, 5);
  for (std::size_t size : {9, 20, 60}) {  // 60 exercises the normal-approximation ranks
    int covered = 0;
    double estimates = 0;
    const int trials = 200;
    for (int trial = 0; trial < trials; ++trial) {
      std::vector<double> base(size), next(size);
      for (auto& value : base) value = noise(random);
      for (auto& value : next) value = noise(random) + 7;
      const shift_interval result = hodges_lehmann(base, next, 0.05);
      covered += result.low <= 7 && 7 <= result.high;
      estimates += result.shift;
    }
    EXPECT_GE(covered, trials * 90 / 100) << "size " << size;
    EXPECT_NEAR(estimates / trials, 7, 0.5) << "size " << size;
  }
}

TEST(normal_upper_quantile, known_values) {
  EXPECT_NEAR(normal_upper_quantile(0.025), 1.959963984540054, 1e-9);
  EXPECT_NEAR(normal_upper_quantile(0.5), 0, 1e-12);
}

// Signed-rank values: enumeration of all 2^n sign patterns in tests/reports/expected_statistics.py
// (the definition of the exact null distribution), cross-checked with scipy.stats.wilcoxon.

TEST(signed_rank_null_distribution, five_matches_enumeration) {
  // Subsets of {1..5} by their sum, w = 0..15, out of 32.
  const std::vector<double> counts = {1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 2, 2, 1, 1, 1};
  const std::vector<double> dist = signed_rank_null_distribution(5);
  ASSERT_EQ(dist.size(), counts.size());
  for (std::size_t w = 0; w < dist.size(); ++w) EXPECT_DOUBLE_EQ(dist[w], counts[w] / 32) << w;
}

TEST(wilcoxon_signed_rank, all_one_sign_gives_the_smallest_p) {
  const std::vector<double> d = {1, 2, 3, 4, 5};
  const signed_rank_result result = wilcoxon_signed_rank(d);
  EXPECT_DOUBLE_EQ(result.w_plus, 15);
  EXPECT_DOUBLE_EQ(result.p_value, 2.0 / 32);
  EXPECT_DOUBLE_EQ(result.p_value, signed_rank_min_p(5));
  EXPECT_TRUE(result.exact);
  const std::vector<double> negative = {-1, -2, -3, -4, -5};
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank(negative).w_plus, 0);
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank(negative).p_value, 2.0 / 32);
}

TEST(wilcoxon_signed_rank, exact_mixed_signs) {
  // |d| ranks: 0.2->1, 0.3->2, 0.5->3, 0.7->4, 0.9->5, 1.1->6, 1.4->7; W+ = 28 - 1 - 4 = 23.
  // P(W+ >= 23) = (3 + 2 + 2 + 1 + 1 + 1) / 128 = 10/128, so p = 20/128 (scipy: 0.15625).
  const std::vector<double> d = {0.5, -0.2, 1.1, 0.9, 0.3, -0.7, 1.4};
  const signed_rank_result result = wilcoxon_signed_rank(d);
  EXPECT_DOUBLE_EQ(result.w_plus, 23);
  EXPECT_NEAR(result.p_value, 20.0 / 128, 1e-15);
  EXPECT_TRUE(result.exact);
  EXPECT_EQ(result.count, 7u);
}

TEST(wilcoxon_signed_rank, zeros_dropped_ties_use_normal_approximation) {
  // Mid-ranks of |d| (zero dropped, n = 9): W+ = 38.5; variance 9*10*19/24 - (24+6+24)/48.
  // scipy.stats.wilcoxon(d, zero_method="wilcox", correction=True, method="approx").
  const std::vector<double> d = {1, 1, 2, -2, 3, 3, 3, -1, 4, 0};
  const signed_rank_result result = wilcoxon_signed_rank(d);
  EXPECT_EQ(result.count, 9u);
  EXPECT_DOUBLE_EQ(result.w_plus, 38.5);
  EXPECT_NEAR(result.p_value, 0.06417639475454485, 1e-12);
  EXPECT_FALSE(result.exact);
}

TEST(wilcoxon_signed_rank, nothing_but_zeros_is_no_evidence) {
  const std::vector<double> d = {0, 0, 0};
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank(d).p_value, 1);
  EXPECT_EQ(wilcoxon_signed_rank(d).count, 0u);
}

TEST(paired_hodges_lehmann, walsh_interval_from_enumeration) {
  // 28 Walsh averages; at alpha 0.05, k = 2 (P(W+ <= 2) = 3/128 <= 0.025, P(W+ <= 3) = 5/128
  // is not): [W(3), W(26)]. At 0.10, k = 3 (5/128 <= 0.05, 7/128 is not): [W(4), W(25)].
  const std::vector<double> d = {0.5, -0.2, 1.1, 0.9, 0.3, -0.7, 1.4};
  const shift_interval at_95 = paired_hodges_lehmann(d, 0.05);
  EXPECT_NEAR(at_95.shift, 0.475, 1e-12);
  EXPECT_NEAR(at_95.low, -0.2, 1e-12);
  EXPECT_NEAR(at_95.high, 1.15, 1e-12);
  EXPECT_TRUE(at_95.exact);
  const shift_interval at_90 = paired_hodges_lehmann(d, 0.10);
  EXPECT_NEAR(at_90.low, -0.2, 1e-12);
  EXPECT_NEAR(at_90.high, 1.1, 1e-12);
}

TEST(paired_hodges_lehmann, five_rounds_have_no_95_percent_interval) {
  // P(W+ = 0) = 1/32 > 0.025: no k, whatever the data.
  const std::vector<double> d = {0.1, 0.2, 0.3, 0.4, 0.5};
  const shift_interval result = paired_hodges_lehmann(d, 0.05);
  EXPECT_NEAR(result.shift, 0.3, 1e-12);
  EXPECT_TRUE(std::isnan(result.low));
  EXPECT_FALSE(std::isnan(paired_hodges_lehmann(d, 0.10).low));  // 1/32 <= 0.05
}

TEST(paired_hodges_lehmann, intervals_cover_a_known_centre) {
  std::mt19937_64 random(777);
  std::normal_distribution<double> noise(0.1, 0.05);
  for (std::size_t size : {9, 30, 70}) {  // 70 exercises the normal-approximation ranks
    int covered = 0;
    const int trials = 300;
    for (int trial = 0; trial < trials; ++trial) {
      std::vector<double> d(size);
      for (auto& value : d) value = noise(random);
      const shift_interval result = paired_hodges_lehmann(d, 0.05);
      covered += result.low <= 0.1 && 0.1 <= result.high;
    }
    EXPECT_GE(covered, trials * 92 / 100) << "size " << size;
  }
}

TEST(holm, step_down_by_hand) {
  // Sorted: 0.005 (level 0.05/4, adjusted 0.02), 0.01 (0.05/3, 0.03), 0.03 (0.05/2: over it,
  // adjusted 0.06), 0.04 (0.05/1, adjusted 0.06): the last is under its own level but Holm
  // stops at the first p-value over its level, so it is not significant either.
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  const std::vector<holm_entry> result = holm(p, 0.05);
  ASSERT_EQ(result.size(), 4u);
  EXPECT_EQ(result[3].rank, 1u);
  EXPECT_EQ(result[0].rank, 2u);
  EXPECT_EQ(result[2].rank, 3u);
  EXPECT_EQ(result[1].rank, 4u);
  EXPECT_DOUBLE_EQ(result[3].level, 0.05 / 4);
  EXPECT_DOUBLE_EQ(result[0].level, 0.05 / 3);
  EXPECT_NEAR(result[3].adjusted, 0.02, 1e-15);
  EXPECT_NEAR(result[0].adjusted, 0.03, 1e-15);
  EXPECT_NEAR(result[2].adjusted, 0.06, 1e-15);
  EXPECT_NEAR(result[1].adjusted, 0.06, 1e-15);
  EXPECT_TRUE(result[3].significant);
  EXPECT_TRUE(result[0].significant);
  EXPECT_FALSE(result[2].significant);
  EXPECT_FALSE(result[1].significant);
}

TEST(holm, nan_takes_no_part_and_adjusted_p_is_capped) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> p = {0.6, nan, 0.02};
  const std::vector<holm_entry> result = holm(p, 0.05);
  EXPECT_EQ(result[1].rank, 0u);
  EXPECT_TRUE(std::isnan(result[1].adjusted));
  EXPECT_DOUBLE_EQ(result[2].level, 0.025);  // k = 2: the NaN is not counted
  EXPECT_NEAR(result[2].adjusted, 0.04, 1e-15);
  EXPECT_TRUE(result[2].significant);
  EXPECT_DOUBLE_EQ(result[0].adjusted, 0.6);
}

TEST(reachable_p, smallest_p_and_needed_sizes) {
  EXPECT_NEAR(mann_whitney_min_p(5, 5), 2.0 / 252, 1e-15);  // 2 / C(10, 5)
  EXPECT_NEAR(mann_whitney_min_p(9, 9), 2.0 / 48620, 1e-18);
  EXPECT_NEAR(mann_whitney_min_p(2, 2), 1.0 / 3, 1e-15);  // 2 / 6
  EXPECT_DOUBLE_EQ(mann_whitney_min_p(1, 1), 1);
  EXPECT_DOUBLE_EQ(signed_rank_min_p(9), 2.0 / 512);
  // alpha 0.05 over 40 tests: C(12, 6) = 924 gives 2/924 > 0.00125, C(14, 7) = 3432 gives less.
  EXPECT_EQ(mann_whitney_needed_n(0.05 / 40), 7u);
  EXPECT_EQ(mann_whitney_needed_n(0.05), 4u);       // 2/70 <= 0.05 < 2/20
  EXPECT_EQ(signed_rank_needed_n(0.05), 6u);        // 2/64 <= 0.05 < 2/32
  EXPECT_EQ(signed_rank_needed_n(0.05 / 40), 11u);  // 2/2048 <= 0.00125 < 2/1024
  // A level exactly at a reachable value counts as reached.
  EXPECT_EQ(signed_rank_needed_n(2.0 / 512), 9u);
  // The exact test agrees with the smallest p: 5 against 5 separated.
  const std::vector<double> base = {1, 2, 3, 4, 5}, next = {6, 7, 8, 9, 10};
  EXPECT_NEAR(mann_whitney_u(base, next).p_value, mann_whitney_min_p(5, 5), 1e-15);
}

}  // namespace
}  // namespace execbench::reports
