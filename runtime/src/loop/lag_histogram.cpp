// lag_histogram: percentiles over log-linear buckets.
#include "execbench/runtime/loop/lag_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace execbench::rt {

template <bool Concurrent>
std::chrono::nanoseconds basic_lag_histogram<Concurrent>::percentile(double q) const noexcept {
  const std::uint64_t n = count();
  if (n == 0) return std::chrono::nanoseconds(0);
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the recording asked for, 1-based: the smallest with at least q of them at or
  // below it.
  const auto rank =
      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n))));
  const std::uint64_t most = load(max_);
  std::uint64_t seen = 0;
  for (int i = 0; i < bucket_count; ++i) {
    seen += load(buckets_[static_cast<std::size_t>(i)]);
    if (seen >= rank) {
      return std::chrono::nanoseconds(static_cast<std::int64_t>(std::min(upper_edge(i), most)));
    }
  }
  return max();
}

template <bool Concurrent>
lag_summary basic_lag_histogram<Concurrent>::summary() const noexcept {
  lag_summary s;
  s.count = count();
  s.p50 = percentile(0.50);
  s.p99 = percentile(0.99);
  s.p999 = percentile(0.999);
  s.max = max();
  s.mean =
      std::chrono::nanoseconds(s.count == 0 ? 0 : static_cast<std::int64_t>(load(sum_) / s.count));
  return s;
}

template <bool Concurrent>
void basic_lag_histogram<Concurrent>::reset() noexcept {
  for (auto& b : buckets_) store(b, 0);
  store(count_, 0);
  store(sum_, 0);
  store(max_, 0);
}

template class basic_lag_histogram<false>;
template class basic_lag_histogram<true>;

}  // namespace execbench::rt
