// lag_histogram: how late timers fire past their deadline, recorded without allocating.
//
// Log-linear buckets (16 per power of two, so a reading is within ~6% of the true value) over
// the whole range of nanoseconds, preallocated: recording is a few arithmetic instructions, so
// a runtime can keep it on all the time and the benchmark can read p50/p99/max afterwards.
// Every recording counts (none is sampled away), so that the loop's and asio's loop_lag_p99_us
// are the same statistic. Two flavours of one class: lag_histogram for one thread (the event
// loop's), concurrent_lag_histogram for timers firing on several threads (asio's), whose
// counters are relaxed atomics; read either when the timers are quiet (between iterations).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <type_traits>

namespace execbench::rt {

// Summary of recorded loop lag.
struct lag_summary {
  std::uint64_t count = 0;
  std::chrono::nanoseconds p50{0};
  std::chrono::nanoseconds p99{0};
  std::chrono::nanoseconds p999{0};
  std::chrono::nanoseconds max{0};
  std::chrono::nanoseconds mean{0};
};

template <bool Concurrent>
class basic_lag_histogram {
 public:
  static constexpr int sub_bits = 4;  // 16 buckets per power of two
  static constexpr int bucket_count = (64 - sub_bits + 1) << sub_bits;

  void record(std::int64_t ns) noexcept {
    const auto v = static_cast<std::uint64_t>(ns < 0 ? 0 : ns);
    add(buckets_[static_cast<std::size_t>(index_of(v))], 1);
    add(count_, 1);
    add(sum_, v);
    raise_max(v);
  }
  void record(std::chrono::nanoseconds late) noexcept { record(late.count()); }

  std::uint64_t count() const noexcept { return load(count_); }
  std::chrono::nanoseconds max() const noexcept {
    return std::chrono::nanoseconds(static_cast<std::int64_t>(load(max_)));
  }
  // The value below which a fraction q (0..1) of the recordings fall (upper edge of its
  // bucket, never above the maximum seen); zero when nothing was recorded.
  std::chrono::nanoseconds percentile(double q) const noexcept;
  lag_summary summary() const noexcept;
  void reset() noexcept;

  static int index_of(std::uint64_t v) noexcept {
    if (v < (1u << sub_bits)) return static_cast<int>(v);
    const int msb = 63 - __builtin_clzll(v);
    const int shift = msb - sub_bits;
    const int sub = static_cast<int>((v >> shift) & ((1u << sub_bits) - 1));
    return ((shift + 1) << sub_bits) + sub;
  }
  // The largest value that falls into bucket i.
  static std::uint64_t upper_edge(int i) noexcept {
    if (i < (1 << sub_bits)) return static_cast<std::uint64_t>(i);
    const int shift = (i >> sub_bits) - 1;
    const std::uint64_t sub = static_cast<std::uint64_t>(i & ((1 << sub_bits) - 1));
    const std::uint64_t low = ((std::uint64_t{1} << sub_bits) + sub) << shift;
    return low + ((std::uint64_t{1} << shift) - 1);
  }

 private:
  using counter = std::conditional_t<Concurrent, std::atomic<std::uint64_t>, std::uint64_t>;

  static void add(counter& c, std::uint64_t v) noexcept {
    if constexpr (Concurrent)
      c.fetch_add(v, std::memory_order_relaxed);
    else
      c += v;
  }
  static std::uint64_t load(const counter& c) noexcept {
    if constexpr (Concurrent)
      return c.load(std::memory_order_relaxed);
    else
      return c;
  }
  static void store(counter& c, std::uint64_t v) noexcept {
    if constexpr (Concurrent)
      c.store(v, std::memory_order_relaxed);
    else
      c = v;
  }
  void raise_max(std::uint64_t v) noexcept {
    if constexpr (Concurrent) {
      std::uint64_t seen = max_.load(std::memory_order_relaxed);
      while (v > seen && !max_.compare_exchange_weak(seen, v, std::memory_order_relaxed)) {
      }
    } else if (v > max_) {
      max_ = v;
    }
  }

  std::array<counter, bucket_count> buckets_{};
  counter count_{0};
  counter sum_{0};
  counter max_{0};
};

using lag_histogram = basic_lag_histogram<false>;
using concurrent_lag_histogram = basic_lag_histogram<true>;

extern template class basic_lag_histogram<false>;
extern template class basic_lag_histogram<true>;

}  // namespace execbench::rt
