// The event loop's readiness awaitables: readable and writable. Part of the façade
// execbench/runtime/event_loop.hpp (which includes it); the waits themselves are kept by
// descriptor_table.hpp and watched by the loop's reactor.
#pragma once

#include <cerrno>
#include <coroutine>
#include <system_error>

#include "execbench/runtime/event_loop.hpp"

namespace execbench::rt {

// co_await loop.readable(fd) / loop.writable(fd); cancellable.
class [[nodiscard]] fd_awaiter final : public cancellable_wait {
 public:
  fd_awaiter(event_loop& l, int fd, bool write) noexcept : loop_(&l), fd_(fd), write_(write) {}
  fd_awaiter(const fd_awaiter&) = delete;
  fd_awaiter& operator=(const fd_awaiter&) = delete;

  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    ctx_ = detail::context_of(h);
    handle_ = h;
    if (ctx_ != nullptr && ctx_->cancel_requested()) return false;
    error_ = loop_->descriptors_.arm(fd_, write_, h, wait_);
    if (error_ != 0) {
      if (error_ == EPERM) error_ = 0;  // not pollable (a regular file): always ready
      return false;
    }
    if (ctx_ != nullptr && !ctx_->begin_wait(this)) {
      wait_.slot->transition(wait_.gen, loop_detail::slot_armed, loop_detail::slot_cancelled);
      loop_->descriptors_.release(wait_);
      return false;
    }
    return true;
  }
  void cancel_wait() noexcept override {
    if (!wait_.slot->transition(wait_.gen, loop_detail::slot_armed, loop_detail::slot_cancelled)) {
      return;
    }
    // The descriptor's bookkeeping belongs to the loop thread: clean it up there, then resume.
    // The awaiter lives until that resumption, so the callback may refer to it.
    loop_->call_soon([self = this] {
      self->loop_->descriptors_.release(self->wait_);
      self->handle_.resume();
    });
  }
  void await_resume() {
    if (ctx_ != nullptr) {
      ctx_->end_wait(this);
      ctx_->throw_if_cancelled();
    }
    if (error_ != 0) {
      throw std::system_error(error_, std::generic_category(),
                              write_ ? "event_loop::writable" : "event_loop::readable");
    }
  }

 private:
  event_loop* loop_;
  int fd_;
  bool write_;
  int error_ = 0;
  task_context* ctx_ = nullptr;
  std::coroutine_handle<> handle_;
  loop_detail::fd_wait wait_;
};

// ---- event_loop's factories ----

inline fd_awaiter event_loop::readable(int fd) noexcept {
  return fd_awaiter(*this, fd, false);
}

inline fd_awaiter event_loop::writable(int fd) noexcept {
  return fd_awaiter(*this, fd, true);
}

}  // namespace execbench::rt
