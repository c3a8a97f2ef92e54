// lag_histogram: percentiles over log-linear buckets.
#include "execbench/runtime/loop/lag_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace execbench::rt {

std::chrono::nanoseconds lag_histogram::percentile(double q) const noexcept {
  if (count_ == 0) return std::chrono::nanoseconds(0);
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the recording asked for, 1-based: the smallest with at least q of them at or
  // below it.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (int i = 0; i < bucket_count; ++i) {
    seen += buckets_[static_cast<std::size_t>(i)];
    if (seen >= rank) {
      return std::chrono::nanoseconds(static_cast<std::int64_t>(std::min(upper_edge(i), max_)));
    }
  }
  return max();
}

lag_summary lag_histogram::summary() const noexcept {
  lag_summary s;
  s.count = count_;
  s.p50 = percentile(0.50);
  s.p99 = percentile(0.99);
  s.p999 = percentile(0.999);
  s.max = max();
  s.mean = std::chrono::nanoseconds(count_ == 0 ? 0 : static_cast<std::int64_t>(sum_ / count_));
  return s;
}

void lag_histogram::reset() noexcept {
  buckets_.fill(0);
  count_ = 0;
  sum_ = 0;
  max_ = 0;
}

}  // namespace execbench::rt
