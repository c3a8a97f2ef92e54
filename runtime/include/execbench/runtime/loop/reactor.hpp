// reactor: what the event loop waits in. The loop keeps its ready queue, its timers and who
// waits for what; a reactor watches descriptors, sleeps until something happens or the earliest
// timer is due, and can be woken from another thread. The loop takes one at construction
// (event_loop_options::make_reactor); epoll_reactor (execbench/runtime/loop/epoll_reactor.hpp)
// is the default. The split follows Boost.Asio's scheduler / epoll_reactor: the loop calls the
// reactor once per iteration and once per registration, never per ready callback.
//
// Readiness is one-shot per direction: arm(d, io_read) reports `d` readable once, then that
// direction stays quiet until armed again. This fits both epoll (EPOLLONESHOT, re-armed for the
// direction still waited for) and io_uring (one IORING_OP_POLL_ADD per armed direction).
//
// A reactor may also run operations itself (a positioned read, which io_uring completes
// without blocking the loop). It says so through supports_read(); the loop does the read
// itself, blocking its thread, when the reactor does not (epoll: regular files are always
// "ready").
//
// Threads: wake() is called from any thread, everything else from the loop's thread.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

namespace execbench::rt {

// The directions a descriptor wait looks in, as bits of a set.
enum io_direction : std::uint32_t { io_read = 1, io_write = 2 };

// The loop's record of one descriptor, at a fixed address from the first arm until forget.
struct reactor_descriptor {
  int fd = -1;
  // The reactor's own word about the descriptor (epoll: whether it is in the set and which
  // directions are armed); the loop never reads or writes it.
  std::uint64_t reactor_data = 0;
};

// An operation the reactor runs for the loop (start_read), at a fixed address until reported.
struct reactor_operation {
  std::int64_t result = 0;  // set by the reactor before it reports: bytes, or -errno
  void* context = nullptr;  // the loop's: what to resume when it is reported
};

// A positioned read from `fd` (as pread does).
struct reactor_read {
  int fd = -1;
  void* buffer = nullptr;
  std::size_t size = 0;
  std::uint64_t offset = 0;
};

// One thing a wait observed: a descriptor's readiness, or an operation's completion.
struct reactor_event {
  reactor_descriptor* descriptor = nullptr;  // readiness: the armed descriptor
  std::uint32_t ready = 0;                   // readiness: io_direction bits that are ready
  reactor_operation* operation = nullptr;    // completion: the operation, result set
};

class reactor {
 public:
  virtual ~reactor() = default;
  // A short name for messages ("epoll", "epoll+timerfd").
  virtual const char* name() const noexcept = 0;

  // ---- readiness (loop thread) ----

  // Report `d` once when it is ready in direction `dir` (an error or hang-up counts as ready in
  // every armed direction). 0, or an errno value; EPERM means the descriptor cannot be watched
  // (a regular file under epoll) and the loop treats it as always ready.
  virtual int arm(reactor_descriptor& d, io_direction dir) noexcept = 0;
  // Cancel the armed wait of `d` in `dir`: no event reports that direction after this returns
  // (unless it is armed again).
  virtual void disarm(reactor_descriptor& d, io_direction dir) noexcept = 0;
  // The loop drops its record of `d` (its descriptor is about to be closed): whatever is still
  // armed on it is cancelled, and no event names `d` after this returns.
  virtual void forget(reactor_descriptor& d) noexcept = 0;

  // ---- operations (loop thread; optional) ----

  virtual bool supports_read() const noexcept { return false; }
  // Start a positioned read that completes later: 0, then `op` is reported exactly once (its
  // result set), or an errno value and it never is. ENOTSUP unless supports_read().
  virtual int start_read(const reactor_read& /*read*/, reactor_operation& /*op*/) noexcept {
    return ENOTSUP;
  }
  // Ask a started operation to end early. It is still reported once: with -ECANCELED if the
  // cancellation took, else with its result.
  virtual void cancel(reactor_operation& /*op*/) noexcept {}

  // ---- waiting ----

  // Loop thread: wait until an armed descriptor is ready, an operation completes, a wake()
  // arrives or `timeout_ns` has passed (0: look without sleeping; negative: no limit).
  // `deadline_ns` is the same instant on the steady clock (for a reactor that sleeps until an
  // absolute time); it is meaningful only when timeout_ns > 0. Returns what happened, valid
  // until the next call; an interrupted wait (EINTR) returns nothing. Throws std::system_error
  // when waiting fails.
  virtual std::span<const reactor_event> wait(std::int64_t timeout_ns,
                                              std::int64_t deadline_ns) = 0;
  // Any thread: make the wait in progress, or else the next one, return soon. Calls before that
  // return may be merged into one.
  virtual void wake() noexcept = 0;
};

// Makes the reactor of a new loop.
using reactor_factory = std::function<std::unique_ptr<reactor>()>;

}  // namespace execbench::rt
