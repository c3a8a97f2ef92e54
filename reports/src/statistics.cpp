#include "execbench/reports/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

namespace execbench::reports {

double median(std::vector<double> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  if (values.size() % 2 == 1) return values[mid];
  return (values[mid - 1] + values[mid]) / 2;
}

namespace {

std::vector<double> compute_null_distribution(std::size_t m, std::size_t n) {
  // Rolling rows over i (size of the first sample), each holding the distribution for j = 0..n.
  const std::size_t max_u = m * n;
  std::vector<std::vector<double>> previous(n + 1), current(n + 1);
  for (std::size_t j = 0; j <= n; ++j) previous[j] = {1.0};  // i = 0: U is always 0
  for (std::size_t i = 1; i <= m; ++i) {
    current[0] = {1.0};
    for (std::size_t j = 1; j <= n; ++j) {
      std::vector<double> dist(i * j + 1, 0.0);
      const double from_first = static_cast<double>(i) / static_cast<double>(i + j);
      const double from_second = static_cast<double>(j) / static_cast<double>(i + j);
      // Largest element from the first sample: it exceeds all j of the second one.
      for (std::size_t u = 0; u < previous[j].size(); ++u)
        dist[u + j] += from_first * previous[j][u];
      for (std::size_t u = 0; u < current[j - 1].size(); ++u)
        dist[u] += from_second * current[j - 1][u];
      current[j] = std::move(dist);
    }
    std::swap(previous, current);
  }
  std::vector<double> result = previous[n];
  result.resize(max_u + 1, 0.0);
  return result;
}

}  // namespace

std::vector<double> mann_whitney_null_distribution(std::size_t m, std::size_t n) {
  // O(m n · mn) to build, and a comparison asks for the same sizes for every benchmark and metric
  // (and again for the interval): remember them, per thread so that no lock is needed.
  thread_local std::map<std::pair<std::size_t, std::size_t>, std::vector<double>> cache;
  const auto key = std::pair(m, n);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, compute_null_distribution(m, n)).first;
  return it->second;
}

namespace {

double normal_upper_tail(double z) {
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

// k: the largest u with P(U <= u) <= alpha/2, or -1 when even u = 0 is too likely.
long lower_critical_rank(std::size_t m, std::size_t n, double alpha, bool& exact) {
  if (m <= exact_sample_limit && n <= exact_sample_limit) {
    exact = true;
    const std::vector<double> dist = mann_whitney_null_distribution(m, n);
    double cumulative = 0;
    long k = -1;
    for (std::size_t u = 0; u < dist.size(); ++u) {
      cumulative += dist[u];
      // A small tolerance so that a cumulative probability equal to alpha/2 counts as within it.
      if (cumulative <= alpha / 2 * (1 + 1e-12))
        k = static_cast<long>(u);
      else
        break;
    }
    return k;
  }
  exact = false;
  const double mn = static_cast<double>(m * n);
  const double sigma = std::sqrt(mn * static_cast<double>(m + n + 1) / 12.0);
  return static_cast<long>(std::floor(mn / 2 - normal_upper_quantile(alpha / 2) * sigma));
}

}  // namespace

double normal_upper_quantile(double p) {
  // Bisection on the upper tail: slow but exact to double precision, and called rarely.
  double low = -40, high = 40;
  for (int step = 0; step < 200; ++step) {
    const double mid = (low + high) / 2;
    if (normal_upper_tail(mid) > p)
      low = mid;
    else
      high = mid;
  }
  return (low + high) / 2;
}

mann_whitney_result mann_whitney_u(std::span<const double> base, std::span<const double> next) {
  mann_whitney_result result;
  const std::size_t m = base.size(), n = next.size();
  if (m == 0 || n == 0) return result;
  for (double x : base) {
    for (double y : next) {
      if (y > x)
        result.u += 1;
      else if (y == x)
        result.u += 0.5;
    }
  }
  // Tie groups over the pooled sample, for the variance correction and the choice of method.
  std::map<double, std::size_t> counts;
  for (double x : base) ++counts[x];
  for (double y : next) ++counts[y];
  double tie_term = 0;
  for (const auto& [value, count] : counts) {
    const double t = static_cast<double>(count);
    tie_term += t * t * t - t;
  }
  const bool has_ties = tie_term > 0;
  const double mn = static_cast<double>(m * n);
  if (!has_ties && m <= exact_sample_limit && n <= exact_sample_limit) {
    const std::vector<double> dist = mann_whitney_null_distribution(m, n);
    const auto u = static_cast<std::size_t>(result.u);
    double at_most = 0, at_least = 0;
    for (std::size_t k = 0; k < dist.size(); ++k) {
      if (k <= u) at_most += dist[k];
      if (k >= u) at_least += dist[k];
    }
    result.p_value = std::min(1.0, 2 * std::min(at_most, at_least));
    result.exact = true;
    return result;
  }
  const double total = static_cast<double>(m + n);
  const double variance = mn / 12.0 * ((total + 1) - tie_term / (total * (total - 1)));
  if (variance <= 0) return result;  // every value equal: no evidence of any shift
  const double distance = std::max(0.0, std::abs(result.u - mn / 2) - 0.5);
  result.p_value = std::min(1.0, 2 * normal_upper_tail(distance / std::sqrt(variance)));
  return result;
}

shift_interval hodges_lehmann(std::span<const double> base, std::span<const double> next,
                              double alpha) {
  shift_interval result;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::size_t m = base.size(), n = next.size();
  if (m == 0 || n == 0) return {nan, nan, nan, false};
  std::vector<double> differences;
  differences.reserve(m * n);
  for (double x : base)
    for (double y : next) differences.push_back(y - x);
  std::sort(differences.begin(), differences.end());
  result.shift = median(differences);
  const long k = lower_critical_rank(m, n, alpha, result.exact);
  if (k < 0) {
    result.low = result.high = nan;
  } else {
    result.low = differences[static_cast<std::size_t>(k)];
    result.high = differences[m * n - 1 - static_cast<std::size_t>(k)];
  }
  return result;
}

namespace {

// Relative slack for comparing a probability with a level that it may equal exactly (2/512 with
// 0.05/12.8...): sums of doubles land a few ulps either side.
constexpr double level_slack = 1e-12;

std::vector<double> compute_signed_rank_distribution(std::size_t n) {
  // Counts of subsets of {1..n} by their sum, one rank at a time, then divided by 2^n.
  const std::size_t max_w = n * (n + 1) / 2;
  std::vector<double> counts(max_w + 1, 0.0);
  counts[0] = 1;
  std::size_t reach = 0;
  for (std::size_t rank = 1; rank <= n; ++rank) {
    reach += rank;
    for (std::size_t w = reach; w >= rank; --w) counts[w] += counts[w - rank];
  }
  const double total = std::ldexp(1.0, static_cast<int>(n));
  for (double& count : counts) count /= total;
  return counts;
}

}  // namespace

std::vector<double> signed_rank_null_distribution(std::size_t n) {
  thread_local std::map<std::size_t, std::vector<double>> cache;
  auto it = cache.find(n);
  if (it == cache.end()) it = cache.emplace(n, compute_signed_rank_distribution(n)).first;
  return it->second;
}

signed_rank_result wilcoxon_signed_rank(std::span<const double> differences) {
  signed_rank_result result;
  std::vector<double> nonzero;
  for (double d : differences)
    if (d != 0 && !std::isnan(d)) nonzero.push_back(d);
  const std::size_t n = nonzero.size();
  result.count = n;
  if (n == 0) return result;
  // Mid-ranks of |d|, with the tie groups for the variance correction.
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::abs(nonzero[a]) < std::abs(nonzero[b]);
  });
  std::vector<double> ranks(n);
  double tie_term = 0;
  for (std::size_t start = 0; start < n;) {
    std::size_t end = start + 1;
    while (end < n && std::abs(nonzero[order[end]]) == std::abs(nonzero[order[start]])) ++end;
    const double mid_rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2;
    for (std::size_t i = start; i < end; ++i) ranks[order[i]] = mid_rank;
    const double t = static_cast<double>(end - start);
    tie_term += t * t * t - t;
    start = end;
  }
  for (std::size_t i = 0; i < n; ++i)
    if (nonzero[i] > 0) result.w_plus += ranks[i];
  const double count = static_cast<double>(n);
  const double mean = count * (count + 1) / 4;
  if (tie_term == 0 && n <= exact_sample_limit) {
    const std::vector<double> dist = signed_rank_null_distribution(n);
    const auto w = static_cast<std::size_t>(result.w_plus);
    double at_most = 0, at_least = 0;
    for (std::size_t k = 0; k < dist.size(); ++k) {
      if (k <= w) at_most += dist[k];
      if (k >= w) at_least += dist[k];
    }
    result.p_value = std::min(1.0, 2 * std::min(at_most, at_least));
    result.exact = true;
    return result;
  }
  const double variance = count * (count + 1) * (2 * count + 1) / 24 - tie_term / 48;
  if (variance <= 0) return result;
  const double distance = std::max(0.0, std::abs(result.w_plus - mean) - 0.5);
  result.p_value = std::min(1.0, 2 * normal_upper_tail(distance / std::sqrt(variance)));
  return result;
}

shift_interval paired_hodges_lehmann(std::span<const double> differences, double alpha) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  shift_interval result{nan, nan, nan, false};
  std::vector<double> values;
  for (double d : differences)
    if (!std::isnan(d)) values.push_back(d);
  const std::size_t n = values.size();
  if (n == 0) return result;
  std::vector<double> walsh;
  walsh.reserve(n * (n + 1) / 2);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i; j < n; ++j) walsh.push_back((values[i] + values[j]) / 2);
  std::sort(walsh.begin(), walsh.end());
  result.shift = median(walsh);
  // k: the largest w with P(W+ <= w) <= alpha/2, or -1 when even w = 0 is too likely.
  long k = -1;
  if (n <= exact_sample_limit) {
    result.exact = true;
    const std::vector<double> dist = signed_rank_null_distribution(n);
    double cumulative = 0;
    for (std::size_t w = 0; w < dist.size(); ++w) {
      cumulative += dist[w];
      if (cumulative <= alpha / 2 * (1 + level_slack))
        k = static_cast<long>(w);
      else
        break;
    }
  } else {
    const double count = static_cast<double>(n);
    const double total = count * (count + 1) / 2;
    const double sigma = std::sqrt(count * (count + 1) * (2 * count + 1) / 24);
    k = static_cast<long>(std::floor(total / 2 - normal_upper_quantile(alpha / 2) * sigma));
  }
  if (k >= 0) {
    result.low = walsh[static_cast<std::size_t>(k)];
    result.high = walsh[walsh.size() - 1 - static_cast<std::size_t>(k)];
  }
  return result;
}

std::vector<holm_entry> holm(std::span<const double> p_values, double alpha) {
  std::vector<holm_entry> result(p_values.size());
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < p_values.size(); ++i) {
    if (std::isnan(p_values[i]))
      result[i].adjusted = std::numeric_limits<double>::quiet_NaN();
    else
      order.push_back(i);
  }
  // Ties keep their input order, so that equal p-values get consecutive ranks deterministically.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
  const std::size_t k = order.size();
  double running = 0;
  for (std::size_t position = 0; position < k; ++position) {
    holm_entry& entry = result[order[position]];
    const double factor = static_cast<double>(k - position);
    entry.rank = position + 1;
    entry.level = alpha / factor;
    running = std::max(running, std::min(1.0, factor * p_values[order[position]]));
    entry.adjusted = running;
    entry.significant = running <= alpha * (1 + level_slack);
  }
  return result;
}

double mann_whitney_min_p(std::size_t m, std::size_t n) {
  if (m == 0 || n == 0) return 1;
  // C(m+n, m) as a running product, which stays exact in a double far beyond the sizes used.
  double combinations = 1;
  const std::size_t small = std::min(m, n);
  for (std::size_t i = 1; i <= small; ++i)
    combinations = combinations * static_cast<double>(m + n - small + i) / static_cast<double>(i);
  return std::min(1.0, 2 / combinations);
}

double signed_rank_min_p(std::size_t n) {
  return std::min(1.0, std::ldexp(2.0, -static_cast<int>(std::min<std::size_t>(n, 1000))));
}

std::size_t mann_whitney_needed_n(double level) {
  std::size_t n = 1;
  while (mann_whitney_min_p(n, n) > level * (1 + level_slack) && n < 1000) ++n;
  return n;
}

std::size_t signed_rank_needed_n(double level) {
  std::size_t n = 1;
  while (signed_rank_min_p(n) > level * (1 + level_slack) && n < 1000) ++n;
  return n;
}

}  // namespace execbench::reports
