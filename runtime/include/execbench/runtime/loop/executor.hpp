// The event loop's executor awaitable: run_in_executor runs a function on an executor_pool and
// resumes the awaiting task on the loop with its value or exception. Part of the façade
// execbench/runtime/event_loop.hpp (which includes it).
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "execbench/runtime/event_loop.hpp"
#include "execbench/runtime/spin_lock.hpp"

namespace execbench::rt {

// co_await loop.run_in_executor(pool, fn): fn runs on the pool, the task resumes on the loop.
template <class F>
class [[nodiscard]] executor_awaiter final : public cancellable_wait {
  using result_type = std::invoke_result_t<F&>;
  using stored_type = loop_detail::value_or_monostate_t<result_type>;
  enum status { pending, done, cancelled, abandoned };

  // Shared by the awaiter and the job: the job may outlive the awaiting frame.
  struct operation {
    explicit operation(F f) : fn(std::move(f)) {}
    F fn;
    event_loop* loop = nullptr;
    std::coroutine_handle<> waiter;
    spin_lock lock;
    status state = pending;  // guarded by lock
    std::optional<stored_type> value;
    std::exception_ptr error;

    void run() noexcept {
      {
        // A job whose awaiter was cancelled before it started is dropped, as asyncio cancels a
        // pending executor future: its task has moved on.
        std::lock_guard<spin_lock> guard(lock);
        if (state != pending) return;
      }
      try {
        if constexpr (std::is_void_v<result_type>) {
          fn();
          value.emplace();
        } else {
          value.emplace(fn());
        }
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard<spin_lock> guard(lock);
      if (state == pending) {
        state = done;
        loop->schedule(waiter);
      }
    }
  };

 public:
  executor_awaiter(event_loop& l, executor_pool& pool, F fn)
      : op_(std::make_shared<operation>(std::move(fn))), pool_(&pool) {
    op_->loop = &l;
  }
  executor_awaiter(const executor_awaiter&) = delete;
  executor_awaiter& operator=(const executor_awaiter&) = delete;
  ~executor_awaiter() {
    // The frame is destroyed while the job may still finish: it must not resume it.
    if (!op_) return;
    std::lock_guard<spin_lock> guard(op_->lock);
    if (op_->state == pending) op_->state = abandoned;
  }

  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    ctx_ = detail::context_of(h);
    op_->waiter = h;
    if (ctx_ != nullptr && !ctx_->begin_wait(this)) {
      op_->state = cancelled;  // never submitted: no other thread sees op_ yet
      return false;
    }
    try {
      pool_->submit([op = op_]() noexcept { op->run(); });
    } catch (...) {
      op_->state = done;
      op_->error = std::current_exception();
      return false;
    }
    return true;
  }
  void cancel_wait() noexcept override {
    std::lock_guard<spin_lock> guard(op_->lock);
    if (op_->state == pending) {
      op_->state = cancelled;
      op_->loop->schedule(op_->waiter);
    }
  }
  result_type await_resume() {
    if (ctx_ != nullptr) ctx_->end_wait(this);
    status s;
    {
      std::lock_guard<spin_lock> guard(op_->lock);
      s = op_->state;
    }
    if (s == cancelled) throw cancelled_error{};
    if (ctx_ != nullptr) ctx_->throw_if_cancelled();
    if (op_->error) std::rethrow_exception(op_->error);
    if constexpr (!std::is_void_v<result_type>) return std::move(*op_->value);
  }

 private:
  std::shared_ptr<operation> op_;
  executor_pool* pool_;
  task_context* ctx_ = nullptr;
};

template <class F>
executor_awaiter<std::decay_t<F>> event_loop::run_in_executor(executor_pool& pool, F&& fn) {
  return executor_awaiter<std::decay_t<F>>(*this, pool, std::forward<F>(fn));
}

}  // namespace execbench::rt
