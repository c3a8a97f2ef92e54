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

#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt::detail {

// Sleeps the thread until a deadline or until the task is cancelled, whichever comes first.
class blocking_sleep final : public cancellable_wait {
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

// Each thread's eventfd that a cancellation writes to, to cut its poll(2) short. Created on the
// thread's first descriptor wait, closed when the thread ends.
class thread_wake_fd {
 public:
  thread_wake_fd() = default;
  thread_wake_fd(const thread_wake_fd&) = delete;
  thread_wake_fd& operator=(const thread_wake_fd&) = delete;
  ~thread_wake_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  // -1 when the kernel refuses one (then waits poll in short slices instead).
  int get() noexcept {
    if (fd_ < 0) fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd_;
  }
  static thread_wake_fd& mine() noexcept {
    thread_local thread_wake_fd instance;
    return instance;
  }

 private:
  int fd_ = -1;
};

// Blocks the thread in poll(2) until fd is ready for `events` (POLLIN or POLLOUT) or the task is
// cancelled. An error or hang-up counts as ready: the next read or write reports it.
class blocking_fd_wait final : public cancellable_wait {
 public:
  blocking_fd_wait(int fd, short events) noexcept : fd_(fd), events_(events) {}

  bool await_ready() const noexcept { return false; }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) noexcept {
    ctx_ = context_of(h);
    if (ctx_ == nullptr) {
      wait_fd(-1);
      return false;
    }
    wake_fd_ = thread_wake_fd::mine().get();
    if (!ctx_->begin_wait(this)) return false;
    wait_fd(wake_fd_);
    return false;
  }

  void cancel_wait() noexcept override {
    if (wake_fd_ < 0) return;  // the slice-polling fallback sees the flag itself
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }

  void await_resume() {
    if (ctx_ != nullptr) {
      ctx_->end_wait(this);
      ctx_->throw_if_cancelled();
    }
    if (error_ != 0) throw std::system_error(error_, std::generic_category(), "poll");
  }

 private:
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
      if (fds[1].revents != 0) {
        // Also drains a wake-up left over from an earlier wait on this thread.
        std::uint64_t count = 0;
        [[maybe_unused]] auto r = ::read(wake_fd, &count, sizeof count);
      }
      if (fds[0].revents != 0) return;
      if (ctx_ != nullptr && ctx_->cancel_requested()) return;
    }
  }

  int fd_;
  short events_;
  int wake_fd_ = -1;
  int error_ = 0;
  task_context* ctx_ = nullptr;
};

}  // namespace execbench::rt::detail
