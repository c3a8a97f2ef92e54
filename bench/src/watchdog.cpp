#include "execbench/bench/watchdog.hpp"

#include "execbench/bench/run_output.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace execbench::bench {
namespace {

std::atomic<std::chrono::nanoseconds::rep> stall_limit_ns{
    std::chrono::nanoseconds(std::chrono::seconds(60)).count()};

}  // namespace

std::chrono::nanoseconds stall_limit() noexcept {
  return std::chrono::nanoseconds(stall_limit_ns.load(std::memory_order_relaxed));
}

void set_stall_limit(std::chrono::nanoseconds limit) noexcept {
  stall_limit_ns.store(limit.count(), std::memory_order_relaxed);
}

iteration_watchdog::iteration_watchdog(std::string row)
    : row_(std::move(row)), thread_([this] { watch(); }) {}

iteration_watchdog::~iteration_watchdog() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void iteration_watchdog::on_stall(std::function<void()> action) {
  std::lock_guard lock(mutex_);
  on_stall_ = std::move(action);
}

void iteration_watchdog::watch() {
  using clock = std::chrono::steady_clock;
  const auto limit = stall_limit();
  // Cancelled tasks unwind within milliseconds; a grace of a sixth of the limit (10 s of 60 s)
  // tells "slow to unwind" from "cannot be reached".
  const auto grace = limit / 6;
  const auto period = std::clamp<clock::duration>(limit / 60, std::chrono::milliseconds(10),
                                                  std::chrono::seconds(1));
  auto seen = progress_.load(std::memory_order_relaxed);
  auto seen_at = clock::now();
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stop_; })) {
    const auto now = clock::now();
    const auto current = progress_.load(std::memory_order_relaxed);
    if (current != seen) {
      seen = current;
      seen_at = now;
      continue;
    }
    if (!stalled() && now - seen_at > limit) {
      stalled_.store(true, std::memory_order_release);
      if (on_stall_) on_stall_();
      seen_at = now;  // the grace period starts now
    } else if (stalled() && now - seen_at > grace) {
      std::fprintf(stderr,
                   "execbench: %s made no progress for %lld s and did not stop when cancelled; "
                   "exiting\n",
                   row_.c_str(),
                   static_cast<long long>(
                       std::chrono::duration_cast<std::chrono::seconds>(limit + grace).count()));
      std::fflush(stderr);
      // The rows that finished are kept: the report is written before the process ends.
      write_report_before_exit("watchdog: " + row_ + " did not stop when cancelled");
      std::_Exit(3);
    }
  }
}

}  // namespace execbench::bench
