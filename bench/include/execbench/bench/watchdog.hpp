// A watchdog over one benchmark row, so that a runtime that loses a wake-up fails its row instead
// of hanging the whole suite.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace execbench::bench {

// How long one iteration may make no progress before its row is failed (60 s by default;
// tests shorten it).
std::chrono::nanoseconds stall_limit() noexcept;
void set_stall_limit(std::chrono::nanoseconds limit) noexcept;

// Watches the iterations of one row from a thread of its own. The timed loop only bumps an
// atomic counter per iteration (no system call in the timed region); the watchdog thread
// looks at it once per check period. When one iteration has lasted longer than stall_limit():
//   1. it calls on_stall once (the primitives cancel every task of the runtime, so that the
//      iteration ends and the row reports the stall with SkipWithError);
//   2. if the row has still not moved on after a further grace period (a thread blocked where
//      cancellation cannot reach), it prints one line naming the row, writes the report of the
//      rows that finished (run_output.hpp) and ends the process with status 3: a report of the
//      finished rows beats a suite that never ends.
class iteration_watchdog {
 public:
  explicit iteration_watchdog(std::string row);
  ~iteration_watchdog();
  iteration_watchdog(const iteration_watchdog&) = delete;
  iteration_watchdog& operator=(const iteration_watchdog&) = delete;

  // What to do at a stall (nothing by default). Callable at any time; pass {} to disarm.
  void on_stall(std::function<void()> action);

  // Marks the start of an iteration (or any other progress).
  void progress() noexcept { progress_.fetch_add(1, std::memory_order_relaxed); }

  // Whether on_stall has been called for this row.
  bool stalled() const noexcept { return stalled_.load(std::memory_order_acquire); }

 private:
  void watch();

  std::string row_;
  std::atomic<std::uint64_t> progress_{0};
  std::atomic<bool> stalled_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::function<void()> on_stall_;
  std::thread thread_;
};

}  // namespace execbench::bench
