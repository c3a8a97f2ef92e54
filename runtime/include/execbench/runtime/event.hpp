// event: asyncio.Event. set() wakes every task waiting on it, and it stays set, so that a later
// wait() passes at once, until clear(). Callable from any thread; each waiter is resumed by its
// own runtime, in the order the waiters arrived. A waiter's wait is cancellable: a cancelled
// waiter leaves the others waiting. (The one-waiter, auto-reset hand-off of the primitives'
// ping_pong and of the workload dispatcher is rt::handoff, handoff.hpp.)
#pragma once

#include <coroutine>
#include <mutex>
#include <utility>

#include "execbench/runtime/spin_lock.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt {

struct [[nodiscard]] event_awaiter;

class event {
  friend struct event_awaiter;

 public:
  event() = default;
  event(const event&) = delete;
  event& operator=(const event&) = delete;

  // Set it and wake every waiter. Callable from any thread.
  void set() noexcept;

  // Unset it: later waits wait for the next set(). The tasks set() already woke stay woken.
  void clear() noexcept {
    std::lock_guard<spin_lock> lock(lock_);
    set_ = false;
  }

  bool is_set() const noexcept {
    std::lock_guard<spin_lock> lock(lock_);
    return set_;
  }

  // Await the event: at once when it is set, else until set() (or the waiting task's
  // cancellation, which throws cancelled_error). Only a task of this library can wait: another
  // coroutine passes at once.
  [[nodiscard]] event_awaiter wait() noexcept;

 private:
  mutable spin_lock lock_;
  bool set_ = false;
  // The waiters, oldest first: each awaiter is a node of this list while it waits (in its
  // coroutine's frame, so waiting allocates nothing).
  event_awaiter* head_ = nullptr;
  event_awaiter* tail_ = nullptr;
};

struct [[nodiscard]] event_awaiter final : cancellable_wait {
  explicit event_awaiter(event& e) noexcept : ev(&e) {}

  bool await_ready() const noexcept { return ev->is_set(); }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) noexcept {
    ctx = detail::context_of(h);
    self = h;
    if (ctx == nullptr) return false;
    if (!ctx->begin_wait(this)) return false;  // already cancelled: await_resume throws
    bool ready = false;
    {
      std::lock_guard<spin_lock> lock(ev->lock_);
      ready = ev->set_;
      if (!ready) link();
    }
    if (!ready) return true;
    ctx->end_wait(this);  // outside the event's lock: cancel_wait takes them the other way
    return false;
  }

  // Off the list and resumed, unless set() has taken it already (and resumes it itself).
  void cancel_wait() noexcept override {
    bool mine = false;
    {
      std::lock_guard<spin_lock> lock(ev->lock_);
      if (linked) {
        unlink();
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

 private:
  friend class event;

  // Under the event's lock.
  void link() noexcept {
    prev = ev->tail_;
    next = nullptr;
    (prev != nullptr ? prev->next : ev->head_) = this;
    ev->tail_ = this;
    linked = true;
  }
  void unlink() noexcept {
    (prev != nullptr ? prev->next : ev->head_) = next;
    (next != nullptr ? next->prev : ev->tail_) = prev;
    prev = next = nullptr;
    linked = false;
  }

  event* ev;
  task_context* ctx = nullptr;
  std::coroutine_handle<> self;
  event_awaiter* prev = nullptr;
  event_awaiter* next = nullptr;
  bool linked = false;  // on the event's list; under its lock
};

inline event_awaiter event::wait() noexcept { return event_awaiter{*this}; }

inline void event::set() noexcept {
  event_awaiter* first = nullptr;
  {
    std::lock_guard<spin_lock> lock(lock_);
    set_ = true;
    first = std::exchange(head_, nullptr);
    tail_ = nullptr;
    // Every waiter is off the list before the lock goes: a cancellation now finds it taken.
    for (event_awaiter* w = first; w != nullptr; w = w->next) w->linked = false;
  }
  // A waiter resumed may end its wait, and its node, at once on another thread: read the next
  // one before resuming it.
  for (event_awaiter* w = first; w != nullptr;) {
    event_awaiter* next = w->next;
    w->ctx->sched().schedule(w->self);
    w = next;
  }
}

}  // namespace execbench::rt
