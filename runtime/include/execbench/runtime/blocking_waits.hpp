// The waits of the blocking runtimes (thread_per_task, thread_pool, tbb): they block the worker
// thread, as blocking code does, then report ready without suspending, so that one task program
// serves blocking and asynchronous runtimes alike. Cancellation wakes a blocked wait at once.
#pragma once

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstdint>
#include <mutex>
#include <system_error>
#include <vector>

#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt::detail {

// Sleeps the thread until a deadline or until the task is cancelled, whichever comes first.
class [[nodiscard]] blocking_sleep final : public cancellable_wait {
 public:
  explicit blocking_sleep(std::chrono::steady_clock::time_point deadline) noexcept
      : deadline_(deadline) {}

  bool await_ready() const noexcept { return false; }  // the task's context comes with the handle

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    ctx_ = context_of(h);
    if (ctx_ != nullptr && !ctx_->begin_wait(this)) return false;
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_until(lock, deadline_, [this] { return cancelled_; });
    return false;  // the thread did the waiting: carry on without suspending
  }

  void cancel_wait() noexcept override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancelled_ = true;
    }
    wake_.notify_one();
  }

  void await_resume() {
    if (ctx_ == nullptr) return;
    ctx_->end_wait(this);
    ctx_->throw_if_cancelled();
  }

 private:
  std::chrono::steady_clock::time_point deadline_;
  task_context* ctx_ = nullptr;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool cancelled_ = false;
};

// The eventfds that cancellations write to, to cut a poll(2) short: one lent to each descriptor
// wait, owned by the runtime (not by its threads: thread_per_task would make one per thread, and
// a thread_local one would outlive the runtime in threads it does not own, such as TBB's).
class wake_fd_pool {
 public:
  wake_fd_pool() = default;
  wake_fd_pool(const wake_fd_pool&) = delete;
  wake_fd_pool& operator=(const wake_fd_pool&) = delete;
  ~wake_fd_pool() {
    for (int fd : free_) ::close(fd);
  }
  // -1 when the kernel refuses one (then the wait polls in short slices instead).
  int acquire() noexcept {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        const int fd = free_.back();
        free_.pop_back();
        return fd;
      }
    }
    return ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }
  // Takes back a drained eventfd.
  void release(int fd) noexcept {
    if (fd < 0) return;
    try {
      std::lock_guard<std::mutex> lock(mutex_);
      free_.push_back(fd);
      return;
    } catch (...) {  // out of memory: let the descriptor go
    }
    ::close(fd);
  }

 private:
  std::mutex mutex_;
  std::vector<int> free_;
};

// Blocks the thread in poll(2) until fd is ready for `events` (POLLIN or POLLOUT) or the task is
// cancelled. An error or hang-up counts as ready: the next read or write reports it.
class [[nodiscard]] blocking_fd_wait final : public cancellable_wait {
 public:
  blocking_fd_wait(wake_fd_pool& pool, int fd, short events) noexcept
      : pool_(&pool), fd_(fd), events_(events) {}

  bool await_ready() const noexcept { return false; }

  // The whole wait happens here; the coroutine carries on without suspending.
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) noexcept {
    ctx_ = context_of(h);
    if (ctx_ == nullptr) {
      wait_fd(-1);
      return false;
    }
    wake_fd_ = pool_->acquire();
    if (ctx_->begin_wait(this)) {
      wait_fd(wake_fd_);
      ctx_->end_wait(this);  // no cancel_wait runs after this: the eventfd can be drained
    }
    if (wake_fd_ >= 0) {
      drain(wake_fd_);
      pool_->release(wake_fd_);
    }
    return false;
  }

  void cancel_wait() noexcept override {
    if (wake_fd_ < 0) return;  // the slice-polling fallback sees the flag itself
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }

  void await_resume() const {
    if (ctx_ != nullptr) ctx_->throw_if_cancelled();
    if (error_ != 0) throw std::system_error(error_, std::generic_category(), "poll");
  }

 private:
  static void drain(int fd) noexcept {
    std::uint64_t count = 0;
    [[maybe_unused]] auto r = ::read(fd, &count, sizeof count);
  }

  void wait_fd(int wake_fd) noexcept {
    for (;;) {
      pollfd fds[2] = {{fd_, events_, 0}, {wake_fd, POLLIN, 0}};
      const int slice_ms = (ctx_ != nullptr && wake_fd < 0) ? 10 : -1;
      const int n = ::poll(fds, wake_fd >= 0 ? 2 : 1, slice_ms);
      if (n < 0) {
        if (errno == EINTR) continue;
        error_ = errno;
        return;
      }
      if (fds[0].revents != 0) return;
      if (ctx_ != nullptr && ctx_->cancel_requested()) return;
    }
  }

  wake_fd_pool* pool_;
  int fd_;
  short events_;
  int wake_fd_ = -1;
  int error_ = 0;
  task_context* ctx_ = nullptr;
};

}  // namespace execbench::rt::detail
