// ready_queue: the event loop's work that is ready to run, and the way other threads add to it.
//
// Work posted from the loop thread goes to a local callback_queue without a lock. Other threads
// post into a mutex-guarded queue; only the first post since the loop last took them announces
// itself (the caller then wakes the loop if it sleeps). Each iteration the loop runs every item
// that was ready when the drain began: what they post waits for the next iteration, so a task
// that keeps yielding cannot starve descriptors or timers.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <source_location>
#include <utility>

#include "execbench/runtime/loop/callback_queue.hpp"

namespace execbench::rt {

// What the debug mode reports about one callback or task step that held the loop too long.
struct slow_callback_info {
  std::chrono::nanoseconds duration{0};
  std::chrono::nanoseconds threshold{0};
  bool task_step = false;  // a coroutine resumption rather than a plain callback
  // For a task step: where its task was created (create_task's, spawn's or
  // run_until_complete's caller); line 0 when not known (a coroutine not of this library).
  std::source_location created{};
};

namespace loop_detail {

class ready_queue {
 public:
  // ---- loop thread ----
  template <class F>
  void push(F&& f) {
    local_.push(std::forward<F>(f));
  }
  void push_resume(std::coroutine_handle<> h) { local_.push_resume(h); }
  // Move a fired timer's or wait's callback in; `src` is left empty.
  void push_relocate(callback_item& src) { local_.push_relocate(src); }
  bool empty() const noexcept { return local_.empty(); }

  // ---- any thread ----
  // True when this is the first post since the loop last took them: the caller must then make
  // sure the loop sees it (wake it if it sleeps).
  template <class F>
  bool push_remote(F&& f) {
    std::lock_guard<std::mutex> lock(remote_mutex_);
    remote_.push(std::forward<F>(f));
    const bool first = !remote_pending_.load(std::memory_order_relaxed);
    if (first) remote_pending_.store(true, std::memory_order_seq_cst);
    return first;
  }
  // Whether other threads posted since the loop last took their work. Relaxed for the loop's
  // quick checks; seq_cst for the look after it announces a sleep.
  bool remote_pending(std::memory_order order = std::memory_order_relaxed) const noexcept {
    return remote_pending_.load(order);
  }

  // ---- loop thread ----
  // Move what other threads posted to the back of the local queue.
  void take_remote() {
    std::lock_guard<std::mutex> lock(remote_mutex_);
    local_.append(remote_);
    remote_pending_.store(false, std::memory_order_relaxed);
  }

  // Run every item that is ready now; an exception one throws goes to `on_error`.
  void run(const std::function<void(std::exception_ptr)>& on_error);
  // The same, timing each item: each that took longer than `threshold` adds one to
  // `slow_count`, then goes to `on_slow`.
  void run_timed(const std::function<void(std::exception_ptr)>& on_error,
                 std::chrono::nanoseconds threshold,
                 const std::function<void(const slow_callback_info&)>& on_slow,
                 std::uint64_t& slow_count);

  // Destroy every queued item without running it (local and remote).
  void clear() noexcept;

 private:
  callback_queue local_;     // posted during this iteration
  callback_queue draining_;  // being run now
  std::mutex remote_mutex_;
  callback_queue remote_;  // guarded by remote_mutex_
  std::atomic<bool> remote_pending_{false};
};

}  // namespace loop_detail
}  // namespace execbench::rt
