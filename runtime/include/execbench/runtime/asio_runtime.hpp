// asio: a boost::asio::io_context run by N threads. Sleeps are steady_timer waits, descriptor
// readiness is a posix::stream_descriptor wait, both suspending the task; cpu and blocking steps
// run inline on the pool thread. Records how late each timer's handler ran past its deadline
// (the `loop_lag_p99_us` counter).
#pragma once

#include <utility>  // before any asio header: Boost 1.74's asio misses it under g++ 12

#include <array>
#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "execbench/runtime/adapter_support.hpp"
#include "execbench/runtime/loop/lag_histogram.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/task.hpp"

namespace execbench::rt {

namespace detail {

// Resumes a suspended coroutine when the last of its references lets go: the completion handler
// of the asio operation, the await_suspend that started it, and a pending cancellation.
class asio_wait_base : public cancellable_wait {
 protected:
  ~asio_wait_base() = default;
  // Returns true for the one that must resume the coroutine (or carry on without suspending).
  bool release() noexcept { return refs_.fetch_sub(1, std::memory_order_acq_rel) == 1; }
  // A cancellation takes a reference unless the coroutine is already on its way back.
  bool try_acquire() noexcept {
    auto r = refs_.load(std::memory_order_relaxed);
    while (r != 0) {
      if (refs_.compare_exchange_weak(r, r + 1, std::memory_order_acq_rel)) return true;
    }
    return false;
  }
  std::atomic<int> refs_{2};  // the operation's handler and await_suspend
  task_context* ctx_ = nullptr;
  std::coroutine_handle<> self_;
};

}  // namespace detail

class asio_runtime final : public scheduler, public detail::inline_steps {
 public:
  static constexpr std::string_view name = "asio";
  static constexpr runtime_traits traits{.threads = thread_model::async_pool,
                                         .records_loop_lag = true};

  // Starts `workers` threads (at least one) running the io_context.
  explicit asio_runtime(std::size_t workers);
  // Cancels pending tasks, stops the threads, drops queued handlers unrun, frees the rest.
  ~asio_runtime();
  asio_runtime(const asio_runtime&) = delete;
  asio_runtime& operator=(const asio_runtime&) = delete;

  std::size_t workers() const noexcept { return threads_.size(); }
  boost::asio::io_context& context() noexcept { return io_; }

  void schedule(std::coroutine_handle<> h) noexcept override {
    boost::asio::post(io_, [h] { h.resume(); });
  }

  template <class F>
  void post(F&& f) {
    boost::asio::post(io_, [f = std::forward<F>(f)]() mutable { detail::invoke_posted(f); });
  }

  // From a thread that is not one of this runtime's.
  template <class T>
  T run(task<T> t) {
    return spawn(*this, std::move(t)).get();
  }

  class [[nodiscard]] sleep_awaiter;
  class [[nodiscard]] fd_awaiter;
  sleep_awaiter sleep(std::chrono::nanoseconds d) noexcept;
  sleep_awaiter sleep_until(std::chrono::steady_clock::time_point t) noexcept;
  detail::reschedule yield() noexcept { return {this}; }
  fd_awaiter readable(int fd) noexcept;
  fd_awaiter writable(int fd) noexcept;

  void shutdown() noexcept { detail::cancel_and_drain(*this); }

  // Timer lateness: how long after its deadline each sleep's handler ran (named as the loop's).
  lag_summary lag_stats() const { return lag_.summary(); }
  void reset_lag_stats() noexcept { lag_.reset(); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  concurrent_lag_histogram lag_;
  std::vector<std::thread> threads_;
};

// Suspends the task on a steady_timer. Cancellation is carried to the timer by a handler posted
// to the io_context, since a timer may not be touched from two threads at once.
class [[nodiscard]] asio_runtime::sleep_awaiter final : public detail::asio_wait_base {
 public:
  sleep_awaiter(asio_runtime& rt, std::chrono::steady_clock::time_point deadline) noexcept
      : rt_(&rt), deadline_(deadline) {}

  // Every sleep goes through its timer, as on the loop, so that lag_stats counts each one: a
  // deadline that passed before the task suspended is late too.
  bool await_ready() const noexcept { return false; }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    ctx_ = detail::context_of(h);
    self_ = h;
    timer_.emplace(rt_->io_, deadline_);
    timer_->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) rt_->lag_.record(std::chrono::steady_clock::now() - deadline_);
      if (release()) self_.resume();
    });
    if (ctx_ != nullptr && !ctx_->begin_wait(this)) timer_->cancel();  // this thread started it
    return !release();
  }

  void cancel_wait() noexcept override {
    if (!try_acquire()) return;
    boost::asio::post(rt_->io_, [this] {
      timer_->cancel();
      if (release()) self_.resume();
    });
  }

  void await_resume() {
    if (ctx_ == nullptr) return;
    ctx_->end_wait(this);
    ctx_->throw_if_cancelled();
  }

 private:
  asio_runtime* rt_;
  std::chrono::steady_clock::time_point deadline_;
  std::optional<boost::asio::steady_timer> timer_;
};

// Suspends the task until a descriptor it does not own is readable or writable. One waiter per
// descriptor at a time (the reactor registers each descriptor once).
class [[nodiscard]] asio_runtime::fd_awaiter final : public detail::asio_wait_base {
 public:
  fd_awaiter(asio_runtime& rt, int fd, boost::asio::posix::stream_descriptor::wait_type what)
      : rt_(&rt), fd_(fd), what_(what) {}
  fd_awaiter(const fd_awaiter&) = delete;
  fd_awaiter& operator=(const fd_awaiter&) = delete;
  ~fd_awaiter() {
    if (desc_ && desc_->is_open()) desc_->release();  // never close: the caller owns fd
  }

  bool await_ready() const noexcept { return false; }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    ctx_ = detail::context_of(h);
    self_ = h;
    desc_.emplace(rt_->io_);
    desc_->assign(fd_, error_);
    if (error_) return false;
    desc_->async_wait(what_, [this](const boost::system::error_code& ec) {
      if (ec && ec != boost::asio::error::operation_aborted) error_ = ec;
      if (release()) self_.resume();
    });
    if (ctx_ != nullptr && !ctx_->begin_wait(this)) desc_->cancel(error_);
    return !release();
  }

  void cancel_wait() noexcept override {
    if (!try_acquire()) return;
    boost::asio::post(rt_->io_, [this] {
      boost::system::error_code ignored;
      desc_->cancel(ignored);
      if (release()) self_.resume();
    });
  }

  void await_resume() {
    if (desc_ && desc_->is_open()) desc_->release();
    if (ctx_ != nullptr) {
      ctx_->end_wait(this);
      ctx_->throw_if_cancelled();
    }
    if (error_) throw boost::system::system_error(error_, "asio descriptor wait");
  }

 private:
  asio_runtime* rt_;
  int fd_;
  boost::asio::posix::stream_descriptor::wait_type what_;
  boost::system::error_code error_;
  std::optional<boost::asio::posix::stream_descriptor> desc_;
};

inline asio_runtime::sleep_awaiter asio_runtime::sleep(std::chrono::nanoseconds d) noexcept {
  return sleep_awaiter(*this, std::chrono::steady_clock::now() + d);
}
inline asio_runtime::sleep_awaiter asio_runtime::sleep_until(
    std::chrono::steady_clock::time_point t) noexcept {
  return sleep_awaiter(*this, t);
}
inline asio_runtime::fd_awaiter asio_runtime::readable(int fd) noexcept {
  return fd_awaiter(*this, fd, boost::asio::posix::stream_descriptor::wait_read);
}
inline asio_runtime::fd_awaiter asio_runtime::writable(int fd) noexcept {
  return fd_awaiter(*this, fd, boost::asio::posix::stream_descriptor::wait_write);
}

static_assert(runtime<asio_runtime>);

}  // namespace execbench::rt
