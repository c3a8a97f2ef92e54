#include "execbench/reports/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>
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

}  // namespace
}  // namespace execbench::reports
