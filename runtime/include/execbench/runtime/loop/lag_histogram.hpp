// lag_histogram: how late timers fire past their deadline, recorded without allocating.
//
// Log-linear buckets (16 per power of two, so a reading is within ~6% of the true value) over
// the whole range of nanoseconds, preallocated: recording is a few arithmetic instructions, so
// the loop can keep it on all the time and the benchmark can read p50/p99/max afterwards.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

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

class lag_histogram {
 public:
  static constexpr int sub_bits = 4;  // 16 buckets per power of two
  static constexpr int bucket_count = (64 - sub_bits + 1) << sub_bits;

  void record(std::int64_t ns) noexcept {
    const auto v = static_cast<std::uint64_t>(ns < 0 ? 0 : ns);
    ++buckets_[index_of(v)];
    ++count_;
    sum_ += v;
    if (v > max_) max_ = v;
  }

  std::uint64_t count() const noexcept { return count_; }
  std::chrono::nanoseconds max() const noexcept {
    return std::chrono::nanoseconds(static_cast<std::int64_t>(max_));
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
  std::array<std::uint64_t, bucket_count> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace execbench::rt
