// future<T>: asyncio.Future, on every runtime. A result that someone sets later, from any
// thread: tasks await it, plain code reads it once it is done.
//
//   rt::future<int> f;
//   ... elsewhere: f.set_result(42);  (or f.set_exception(e), f.cancel())
//   int v = co_await f;
//
// Copies share one state (as references to one asyncio Future do). Setting it twice, or reading
// result() before it is done, throws std::logic_error (asyncio's InvalidStateError). Done
// callbacks run on the thread that sets it, oldest first (asyncio schedules them on the loop
// with call_soon); one added to a done future runs at once. A task cancelled while it awaits a
// future leaves the future as it is (asyncio's Task.cancel() also cancels the future awaited).
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "execbench/runtime/event.hpp"
#include "execbench/runtime/gather.hpp"
#include "execbench/runtime/spin_lock.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt {

template <class T = void>
class future {
  using stored = value_or_monostate_t<T>;

  struct state {
    std::mutex lock;  // held while callbacks are taken, not while they run
    bool done = false;
    std::optional<stored> value;
    std::exception_ptr error;
    std::vector<std::function<void(const future&)>> callbacks;
    event ready;
  };

 public:
  future() : st_(std::make_shared<state>()) {}

  bool done() const {
    std::lock_guard<std::mutex> held(st_->lock);
    return st_->done;
  }
  bool cancelled() const {
    std::lock_guard<std::mutex> held(st_->lock);
    return st_->done && is_cancellation(st_->error);
  }

  // Settle it: wakes every awaiting task, then runs the done callbacks. Any thread.
  template <class... U>
  void set_result(U&&... v) {
    settle([&](state& s) { s.value.emplace(std::forward<U>(v)...); });
  }
  void set_exception(std::exception_ptr e) {
    if (!e) throw std::invalid_argument("future::set_exception: an empty exception_ptr");
    settle([&](state& s) { s.error = std::move(e); });
  }
  // Settle it as cancelled (awaiting tasks see cancelled_error); false if it was done already.
  bool cancel() {
    try {
      set_exception(std::make_exception_ptr(cancelled_error{}));
      return true;
    } catch (const std::logic_error&) {
      return false;
    }
  }

  // Its value (a copy for plain code), or its exception rethrown; std::logic_error before it is
  // done.
  decltype(auto) result() const {
    std::lock_guard<std::mutex> held(st_->lock);
    if (!st_->done) throw std::logic_error("future::result(): the result is not set yet");
    if (st_->error) std::rethrow_exception(st_->error);
    if constexpr (std::is_void_v<T>) {
      return;
    } else {
      return static_cast<const T&>(*st_->value);
    }
  }
  // Its exception (empty when it has a value); std::logic_error before it is done.
  std::exception_ptr exception() const {
    std::lock_guard<std::mutex> held(st_->lock);
    if (!st_->done) throw std::logic_error("future::exception(): the result is not set yet");
    return st_->error;
  }

  // Call fn(*this) once it is done.
  void add_done_callback(std::function<void(const future&)> fn) {
    {
      std::lock_guard<std::mutex> held(st_->lock);
      if (!st_->done) {
        st_->callbacks.push_back(std::move(fn));
        return;
      }
    }
    fn(*this);
  }

  // Await it from a task: its value (a reference) or its exception. Cancellable.
  class [[nodiscard]] awaiter {
   public:
    explicit awaiter(const future& f) noexcept : f_(&f), wait_(f.st_->ready) {}
    bool await_ready() const noexcept { return wait_.await_ready(); }
    template <class Promise>
    bool await_suspend(std::coroutine_handle<Promise> h) noexcept {
      return wait_.await_suspend(h);
    }
    decltype(auto) await_resume() {
      wait_.await_resume();
      return f_->result();
    }

   private:
    const future* f_;
    event_awaiter wait_;
  };
  awaiter operator co_await() const noexcept { return awaiter(*this); }

 private:
  template <class Set>
  void settle(Set set) {
    std::vector<std::function<void(const future&)>> callbacks;
    {
      std::lock_guard<std::mutex> held(st_->lock);
      if (st_->done) throw std::logic_error("future: its result is set already");
      set(*st_);
      st_->done = true;
      callbacks.swap(st_->callbacks);
    }
    st_->ready.set();
    for (auto& fn : callbacks) fn(*this);
  }

  std::shared_ptr<state> st_;
};

}  // namespace execbench::rt
