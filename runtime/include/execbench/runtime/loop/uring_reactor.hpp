// uring_reactor: the event loop on io_uring (execbench/runtime/loop/reactor.hpp), the reactor of
// the loop_uring runtime.
//
// A descriptor wait is one IORING_OP_POLL_ADD per armed direction; a positioned read is an
// IORING_OP_READ the kernel completes without the loop's thread (the epoll loop reads files
// on its own thread, blocking it); the wait sleeps in io_uring_enter with the earliest timer's
// timeout (IORING_ENTER_EXT_ARG), and wake() writes an eventfd the ring polls. Submissions are
// batched: what arm() and start_read() queue goes to the kernel with the next wait.
//
// A cancelled poll still completes, later: each (descriptor, direction) carries a generation in
// its completions' user_data, and a completion whose generation is not the current one (a
// disarmed or forgotten wait) is dropped, so that no event names a descriptor after disarm()
// or forget() returns.
#pragma once

#include <liburing.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "execbench/runtime/loop/reactor.hpp"

namespace execbench::rt {

class uring_reactor final : public reactor {
 public:
  // Sets up a ring of `entries` submissions. Throws std::system_error when io_uring is refused
  // (io_uring_setup fails: kernel.io_uring_disabled, a seccomp filter, a kernel before 5.11,
  // which lacks the timeout the wait needs); unavailable_reason() says so without throwing.
  explicit uring_reactor(unsigned entries = 256);
  ~uring_reactor() override;
  uring_reactor(const uring_reactor&) = delete;
  uring_reactor& operator=(const uring_reactor&) = delete;

  // Why a ring cannot be set up on this machine, or "" when it can (set up and torn down once
  // per process, then remembered).
  static const std::string& unavailable_reason();

  const char* name() const noexcept override { return "io_uring"; }
  int arm(reactor_descriptor& d, io_direction dir) noexcept override;
  void disarm(reactor_descriptor& d, io_direction dir) noexcept override;
  void forget(reactor_descriptor& d) noexcept override;
  bool supports_read() const noexcept override { return true; }
  int start_read(const reactor_read& read, reactor_operation& op) noexcept override;
  void cancel(reactor_operation& op) noexcept override;
  std::span<const reactor_event> wait(std::int64_t timeout_ns, std::int64_t deadline_ns) override;
  void wake() noexcept override;

 private:
  static constexpr int max_events = 256;

  // The reactor's record of one descriptor: reactor_descriptor::reactor_data is its index + 1.
  struct slot {
    reactor_descriptor* descriptor = nullptr;
    std::uint32_t generation[2] = {0, 0};  // per direction (read, write)
    bool armed[2] = {false, false};
  };

  // A submission entry, submitting what is queued first when the ring is full; null when even
  // that fails.
  io_uring_sqe* next_sqe() noexcept;
  slot& slot_of(reactor_descriptor& d) noexcept;
  void arm_wake() noexcept;

  io_uring ring_{};
  int wake_fd_ = -1;
  std::uint64_t wake_value_ = 0;  // the eventfd's count, read into here by the ring
  bool wake_armed_ = false;
  std::atomic<bool> wake_signalled_{false};  // the eventfd was written and not yet read
  std::vector<slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  reactor_event events_[max_events];
};

}  // namespace execbench::rt
