// epoll_reactor: the event loop's default reactor (execbench/runtime/loop/reactor.hpp).
//
// One epoll set holds the watched descriptors (EPOLLONESHOT, re-armed for a direction still
// waited for after the other one fired) and an eventfd that wake() writes. It sleeps with
// epoll_pwait2's nanosecond timeout; where the kernel lacks epoll_pwait2 (before Linux 5.11),
// or when asked, it sleeps in epoll_wait on a timerfd set to the deadline instead. Regular files
// cannot join an epoll set: arm() answers EPERM and the loop treats them as always ready.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>

#include "execbench/runtime/loop/reactor.hpp"

namespace execbench::rt {

class epoll_reactor final : public reactor {
 public:
  // force_timerfd: wait with epoll_wait + a timerfd even where epoll_pwait2 exists.
  explicit epoll_reactor(bool force_timerfd = false);
  ~epoll_reactor() override;
  epoll_reactor(const epoll_reactor&) = delete;
  epoll_reactor& operator=(const epoll_reactor&) = delete;

  const char* name() const noexcept override {
    return timer_fd_ >= 0 ? "epoll+timerfd" : "epoll";
  }
  int arm(reactor_descriptor& d, io_direction dir) noexcept override;
  void disarm(reactor_descriptor& d, io_direction dir) noexcept override;
  void forget(reactor_descriptor& d) noexcept override;
  std::span<const reactor_event> wait(std::int64_t timeout_ns, std::int64_t deadline_ns) override;
  void wake() noexcept override;

 private:
  static constexpr int max_events = 256;

  // Set the epoll interest of `d` to its armed directions (reactor_data); 0 or errno.
  int update_interest(reactor_descriptor& d) noexcept;

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int timer_fd_ = -1;  // only when waiting with epoll_wait
  std::atomic<bool> wake_signalled_{false};  // the eventfd was written and not yet read
  reactor_event events_[max_events];
};

}  // namespace execbench::rt
