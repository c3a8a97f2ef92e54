// handoff: one task waits until another task (or any thread) sets it. Auto-reset, one waiter at a
// time: the shape of a ping-pong hand-off (the primitives' ping_pong, the workload dispatcher's
// "all done"). The waiter is resumed by its own runtime. For asyncio's Event (every waiter wakes,
// and it stays set until cleared), see event.hpp.
#pragma once

#include <coroutine>
#include <mutex>

#include "execbench/runtime/spin_lock.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt {

struct [[nodiscard]] handoff_awaiter;

class handoff {
  friend struct handoff_awaiter;

 public:
  handoff() = default;
  handoff(const handoff&) = delete;
  handoff& operator=(const handoff&) = delete;

  // Wake the waiter, or let the next wait() pass at once. Callable from any thread.
  void set() noexcept {
    std::coroutine_handle<> waiter;
    scheduler* where = nullptr;
    {
      std::lock_guard<spin_lock> lock(lock_);
      if (waiter_) {
        waiter = std::exchange(waiter_, {});
        where = waiter_sched_;
      } else {
        set_ = true;
      }
    }
    if (waiter) where->schedule(waiter);
  }

  // Forget a set() that no wait() consumed. Not while a task waits.
  void reset() noexcept {
    std::lock_guard<spin_lock> lock(lock_);
    set_ = false;
  }

  // Await the next set(); consumes it. Cancellable: a cancelled waiter is woken at once.
  [[nodiscard]] auto wait() noexcept;

 private:
  spin_lock lock_;
  bool set_ = false;
  std::coroutine_handle<> waiter_;
  scheduler* waiter_sched_ = nullptr;
};

// Waits for a handoff (see handoff::wait).
struct [[nodiscard]] handoff_awaiter final : cancellable_wait {
  explicit handoff_awaiter(handoff& e) noexcept : ev(&e) {}
  handoff* ev;
  task_context* ctx = nullptr;
  std::coroutine_handle<> self;

  bool await_ready() noexcept {
    std::lock_guard<spin_lock> lock(ev->lock_);
    return std::exchange(ev->set_, false);
  }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) noexcept {
    ctx = detail::context_of(h);
    self = h;
    if (ctx == nullptr) return false;  // only tasks of this library can wait
    if (!ctx->begin_wait(this)) return false;
    bool consumed = false;
    {
      std::lock_guard<spin_lock> lock(ev->lock_);
      consumed = std::exchange(ev->set_, false);
      if (!consumed) {
        ev->waiter_ = h;
        ev->waiter_sched_ = &ctx->sched();
      }
    }
    if (!consumed) return true;
    ctx->end_wait(this);  // outside the handoff's lock: cancel_wait takes them the other way
    return false;
  }
  void cancel_wait() noexcept override {
    bool mine = false;
    {
      std::lock_guard<spin_lock> lock(ev->lock_);
      if (ev->waiter_ == self) {
        ev->waiter_ = {};
        mine = true;
      }
    }
    if (mine) ctx->sched().schedule(self);
  }
  void await_resume() {
    if (ctx == nullptr) return;
    ctx->end_wait(this);
    ctx->throw_if_cancelled();
  }
};

inline auto handoff::wait() noexcept { return handoff_awaiter{*this}; }

}  // namespace execbench::rt
