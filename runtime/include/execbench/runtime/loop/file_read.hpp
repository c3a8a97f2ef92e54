// The event loop's positioned read: co_await loop.read_at(fd, buffer, size, offset). Part of the
// façade execbench/runtime/event_loop.hpp (which includes it). The read is the reactor's
// operation where it runs reads (reactor::supports_read: io_uring), else a pread on the loop's
// thread.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <system_error>

#include "execbench/runtime/event_loop.hpp"

namespace execbench::rt {

class [[nodiscard]] file_read_awaiter {
 public:
  file_read_awaiter(event_loop& l, const reactor_read& read) noexcept
      : loop_(&l), read_(read), inline_(!l.reactor_->supports_read()) {}
  file_read_awaiter(const file_read_awaiter&) = delete;
  file_read_awaiter& operator=(const file_read_awaiter&) = delete;

  bool await_ready() const noexcept { return inline_; }
  bool await_suspend(std::coroutine_handle<> h) noexcept {
    op_.context = h.address();
    if (loop_->reactor_->start_read(read_, op_) != 0) {
      inline_ = true;  // the reactor took none (its queue full): read here
      return false;
    }
    ++loop_->operations_;
    return true;
  }
  std::size_t await_resume() {
    if (inline_) {
      ssize_t n;
      do {
        n = pread(read_.fd, read_.buffer, read_.size, static_cast<off_t>(read_.offset));
      } while (n < 0 && errno == EINTR);
      op_.result = n < 0 ? -errno : n;
    }
    if (op_.result < 0) {
      throw std::system_error(static_cast<int>(-op_.result), std::generic_category(),
                              "event_loop::read_at");
    }
    return static_cast<std::size_t>(op_.result);
  }

 private:
  event_loop* loop_;
  reactor_read read_;
  reactor_operation op_;
  bool inline_;  // read here, on the loop's thread (no reactor read, or the reactor took none)
};

inline file_read_awaiter event_loop::read_at(int fd, void* buffer, std::size_t size,
                                             std::uint64_t offset) noexcept {
  return file_read_awaiter(*this, reactor_read{fd, buffer, size, offset});
}

}  // namespace execbench::rt
