// The event loop's timer awaitables: sleep, sleep_until and yield. Part of the façade
// execbench/runtime/event_loop.hpp (which includes it); a sleep is a timer (timer_queue.hpp)
// whose slot resumes the task.
#pragma once

#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstdint>

#include "execbench/runtime/event_loop.hpp"

namespace execbench::rt {

// co_await loop.sleep(d): resumes no earlier than d later; co_await loop.sleep_until(t): no
// earlier than t. Cancellable.
class [[nodiscard]] sleep_awaiter final : public cancellable_wait {
 public:
  sleep_awaiter(event_loop& l, event_loop::duration d) noexcept
      : loop_(&l), delay_(d), deadline_(-1) {}
  sleep_awaiter(event_loop& l, event_loop::clock::time_point t) noexcept
      : loop_(&l),
        delay_(1),
        deadline_(std::max<std::int64_t>(
            0, std::chrono::duration_cast<event_loop::duration>(t.time_since_epoch()).count())) {}
  sleep_awaiter(const sleep_awaiter&) = delete;
  sleep_awaiter& operator=(const sleep_awaiter&) = delete;

  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    ctx_ = detail::context_of(h);
    if (delay_.count() <= 0) {
      if (ctx_ != nullptr && ctx_->cancel_requested()) return false;
      loop_->post_resume(h);
      return true;
    }
    handle_ = h;
    // Armed before registering, so that a cancel arriving in between finds the slot.
    slot_ =
        loop_->arm_resume_timer(deadline_ >= 0 ? deadline_ : event_loop::deadline_after(delay_), h);
    gen_ = slot_->generation();
    if (ctx_ != nullptr && !ctx_->begin_wait(this)) {
      if (slot_->transition(gen_, loop_detail::slot_armed, loop_detail::slot_cancelled)) {
        loop_->note_cancelled_timer();
      }
      return false;
    }
    return true;
  }
  void cancel_wait() noexcept override {
    if (slot_ != nullptr &&
        slot_->transition(gen_, loop_detail::slot_armed, loop_detail::slot_cancelled)) {
      loop_->note_cancelled_timer();
      loop_->post_resume(handle_);
    }
  }
  void await_resume() {
    if (ctx_ == nullptr) return;
    ctx_->end_wait(this);
    ctx_->throw_if_cancelled();
  }

 private:
  event_loop* loop_;
  event_loop::duration delay_;  // used when deadline_ < 0
  std::int64_t deadline_;       // steady_clock nanoseconds, or -1
  task_context* ctx_ = nullptr;
  std::coroutine_handle<> handle_;
  loop_detail::wait_slot* slot_ = nullptr;
  std::uint64_t gen_ = 0;
};

// co_await loop.yield(): every other ready callback runs first.
class [[nodiscard]] yield_awaiter {
 public:
  explicit yield_awaiter(event_loop& l) noexcept : loop_(&l) {}
  bool await_ready() const noexcept { return false; }
  template <class Promise>
  void await_suspend(std::coroutine_handle<Promise> h) noexcept {
    ctx_ = detail::context_of(h);
    loop_->post_resume(h);
  }
  void await_resume() const {
    if (ctx_ != nullptr) ctx_->throw_if_cancelled();
  }

 private:
  event_loop* loop_;
  task_context* ctx_ = nullptr;
};

// ---- event_loop's factories ----

inline sleep_awaiter event_loop::sleep(duration d) noexcept {
  return sleep_awaiter(*this, d);
}

template <class Rep, class Period>
sleep_awaiter event_loop::sleep(std::chrono::duration<Rep, Period> d) noexcept {
  return sleep(std::chrono::ceil<duration>(d));
}

inline sleep_awaiter event_loop::sleep_until(clock::time_point t) noexcept {
  return sleep_awaiter(*this, t);
}

inline yield_awaiter event_loop::yield() noexcept {
  return yield_awaiter(*this);
}

}  // namespace execbench::rt
