#include "execbench/reports/median_interval.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace execbench::reports {
namespace {

/// P(B <= k), B ~ Binomial(n, 1/2), from exact integer binomial coefficients (n <= 60): an
/// independent check of the log-space sum the library uses.
double exact_cdf(unsigned n, unsigned k) {
  std::uint64_t coefficient = 1, sum = 0;
  for (unsigned i = 0; i <= k; ++i) {
    sum += coefficient;
    coefficient = coefficient * (n - i) / (i + 1);
  }
  return static_cast<double>(sum) / std::ldexp(1.0, static_cast<int>(n));
}

TEST(median_interval, ranks_for_six_nine_and_twenty_samples) {
  // Worked by hand: coverage of [x(j), x(n+1-j)] is 1 - 2 P(B <= j-1).
  //   n = 6:  j = 1 covers 1 - 2/64 = 0.96875; j = 2 only 1 - 14/64 = 0.78125.
  //   n = 9:  j = 2 covers 1 - 2 * 10/512 = 0.9609375; j = 3 only 1 - 2 * 46/512 = 0.8203125.
  //   n = 20: j = 6 covers 1 - 2 * 21700/2^20 = 0.958610535; j = 7 only 1 - 2 * 60460/2^20.
  EXPECT_EQ(median_interval_rank(6), 1u);
  EXPECT_EQ(median_interval_rank(9), 2u);
  EXPECT_EQ(median_interval_rank(20), 6u);
  EXPECT_DOUBLE_EQ(median_interval_coverage(6, 1), 0.96875);
  EXPECT_DOUBLE_EQ(median_interval_coverage(6, 2), 0.78125);
  EXPECT_NEAR(median_interval_coverage(9, 2), 0.9609375, 1e-12);
  EXPECT_NEAR(median_interval_coverage(9, 3), 0.8203125, 1e-12);
  EXPECT_NEAR(median_interval_coverage(20, 6), 1 - 2 * 21700.0 / 1048576, 1e-12);
  EXPECT_NEAR(median_interval_coverage(20, 7), 1 - 2 * 60460.0 / 1048576, 1e-12);
}

TEST(median_interval, no_order_statistic_interval_below_six) {
  // n = 5, j = 1 covers 1 - 2/32 = 0.9375 < 0.95.
  EXPECT_DOUBLE_EQ(median_interval_coverage(5, 1), 0.9375);
  for (std::size_t n = 0; n < 6; ++n) EXPECT_EQ(median_interval_rank(n), 0u) << n;
}

TEST(median_interval, rank_is_the_narrowest_pair_with_enough_coverage) {
  for (unsigned n = 6; n <= 60; ++n) {
    const std::size_t j = median_interval_rank(n);
    ASSERT_GE(j, 1u) << n;
    EXPECT_GE(1 - 2 * exact_cdf(n, static_cast<unsigned>(j) - 1), 0.95) << n;
    EXPECT_LT(1 - 2 * exact_cdf(n, static_cast<unsigned>(j)), 0.95) << n;
    EXPECT_NEAR(median_interval_coverage(n, j), 1 - 2 * exact_cdf(n, static_cast<unsigned>(j) - 1),
                1e-9)
        << n;
  }
  // Large n stays finite and near the normal approximation n/2 - 0.98 sqrt(n).
  const std::size_t j = median_interval_rank(10000);
  EXPECT_NEAR(static_cast<double>(j), 5000 - 0.98 * 100, 2);
}

TEST(median_with_range, picks_the_order_statistics) {
  // 9 values given out of order: ranks 2 and 8 of the sorted ones.
  const std::vector<double> nine = {17, 11, 15, 13, 19, 12, 14, 16, 18};
  const median_range r9 = median_with_range(nine);
  EXPECT_EQ(r9.n, 9u);
  EXPECT_EQ(r9.kind, range_kind::order_statistic);
  EXPECT_EQ(r9.median, 15);
  EXPECT_EQ(r9.low, 12);
  EXPECT_EQ(r9.high, 18);
  // 20 values 1..20: ranks 6 and 15.
  std::vector<double> twenty;
  for (int i = 20; i >= 1; --i) twenty.push_back(i);
  const median_range r20 = median_with_range(twenty);
  EXPECT_EQ(r20.low, 6);
  EXPECT_EQ(r20.high, 15);
  EXPECT_EQ(r20.median, 10.5);
  // 6 values: ranks 1 and 6, which is also the min-max, but called an interval.
  const median_range r6 = median_with_range(std::vector<double>{3, 1, 2, 6, 5, 4});
  EXPECT_EQ(r6.kind, range_kind::order_statistic);
  EXPECT_EQ(r6.low, 1);
  EXPECT_EQ(r6.high, 6);
}

TEST(median_with_range, small_samples_single_and_empty) {
  const median_range r5 = median_with_range(std::vector<double>{5, 1, 4, 2, 3});
  EXPECT_EQ(r5.kind, range_kind::min_max);
  EXPECT_EQ(r5.low, 1);
  EXPECT_EQ(r5.high, 5);
  EXPECT_EQ(r5.median, 3);
  const median_range one = median_with_range(std::vector<double>{7});
  EXPECT_EQ(one.kind, range_kind::single);
  EXPECT_EQ(one.n, 1u);
  EXPECT_EQ(one.low, 7);
  EXPECT_EQ(one.high, 7);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const median_range none = median_with_range(std::vector<double>{nan, nan});
  EXPECT_EQ(none.kind, range_kind::none);
  EXPECT_EQ(none.n, 0u);
  EXPECT_TRUE(std::isnan(none.median));
  EXPECT_EQ(range_kind_name(range_kind::order_statistic), "order_statistic");
  EXPECT_EQ(range_kind_name(range_kind::min_max), "min_max");
  EXPECT_EQ(range_kind_name(range_kind::single), "single");
}

TEST(median_with_range, infinity_is_kept) {
  // W/C of a workload that never computes is +inf: a value, not a missing one.
  const double inf = std::numeric_limits<double>::infinity();
  const median_range r = median_with_range(std::vector<double>{inf, inf, inf});
  EXPECT_EQ(r.n, 3u);
  EXPECT_TRUE(std::isinf(r.median));
}

TEST(ranges_overlap, the_tie_rule) {
  const median_range a{10, 8, 12, 9, range_kind::order_statistic};
  const median_range b{13, 12, 14, 9, range_kind::order_statistic};  // touches a at 12
  const median_range c{20, 13, 25, 9, range_kind::order_statistic};
  const median_range none = median_with_range(std::vector<double>{});
  EXPECT_TRUE(ranges_overlap(a, b));
  EXPECT_TRUE(ranges_overlap(b, a));
  EXPECT_FALSE(ranges_overlap(a, c));
  EXPECT_TRUE(ranges_overlap(b, c));
  EXPECT_FALSE(ranges_overlap(a, none));
  const median_range one{10, 10, 10, 1, range_kind::single};
  EXPECT_TRUE(ranges_overlap(a, one));
  EXPECT_FALSE(ranges_overlap(c, one));
}

}  // namespace
}  // namespace execbench::reports
