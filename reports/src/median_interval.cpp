#include "execbench/reports/median_interval.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "execbench/reports/statistics.hpp"

namespace execbench::reports {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

/// P(B = i) for B ~ Binomial(n, 1/2), in log space so that large n neither under- nor overflows:
/// C(n, i) / 2^n.
double binomial_half_pmf(std::size_t n, std::size_t i) {
  return std::exp(
      std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(i) + 1) -
      std::lgamma(static_cast<double>(n - i) + 1) + static_cast<double>(n) * std::log(0.5));
}

/// P(B <= k) for B ~ Binomial(n, 1/2).
double binomial_half_cdf(std::size_t n, std::size_t k) {
  double sum = 0;
  for (std::size_t i = 0; i <= k && i <= n; ++i) sum += binomial_half_pmf(n, i);
  return std::min(sum, 1.0);
}

}  // namespace

double median_interval_coverage(std::size_t n, std::size_t j) {
  if (j == 0 || 2 * j > n + 1) return 0;
  return 1 - 2 * binomial_half_cdf(n, j - 1);
}

std::size_t median_interval_rank(std::size_t n, double confidence) {
  // Coverage 1 - 2 P(B <= j-1) falls as j grows, so the first j that falls short ends the
  // search; the tail P(B <= j-1) is summed as j goes.
  std::size_t best = 0;
  double tail = 0;
  for (std::size_t j = 1; 2 * j <= n + 1; ++j) {
    tail += binomial_half_pmf(n, j - 1);
    if (1 - 2 * tail < confidence) break;
    best = j;
  }
  return best;
}

median_range median_with_range(std::span<const double> values, double confidence) {
  std::vector<double> sorted;
  sorted.reserve(values.size());
  for (double value : values)
    if (!std::isnan(value)) sorted.push_back(value);
  std::sort(sorted.begin(), sorted.end());
  median_range result{nan, nan, nan, sorted.size(), range_kind::none};
  if (sorted.empty()) return result;
  result.median = median(sorted);
  const std::size_t n = sorted.size();
  if (n == 1) {
    result.low = result.high = sorted.front();
    result.kind = range_kind::single;
    return result;
  }
  const std::size_t j = median_interval_rank(n, confidence);
  if (j == 0) {
    result.low = sorted.front();
    result.high = sorted.back();
    result.kind = range_kind::min_max;
  } else {
    result.low = sorted[j - 1];
    result.high = sorted[n - j];
    result.kind = range_kind::order_statistic;
  }
  return result;
}

bool ranges_overlap(const median_range& a, const median_range& b) {
  if (a.kind == range_kind::none || b.kind == range_kind::none) return false;
  return a.low <= b.high && b.low <= a.high;
}

std::string range_kind_name(range_kind kind) {
  switch (kind) {
    case range_kind::single:
      return "single";
    case range_kind::min_max:
      return "min_max";
    case range_kind::order_statistic:
      return "order_statistic";
    case range_kind::none:
    default:
      return "none";
  }
}

}  // namespace execbench::reports
