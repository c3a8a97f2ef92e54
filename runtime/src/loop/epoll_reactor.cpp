// The epoll reactor (see execbench/runtime/loop/epoll_reactor.hpp).
#include "execbench/runtime/loop/epoll_reactor.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <system_error>

namespace execbench::rt {

namespace {

constexpr std::uint64_t wake_token = 0;   // epoll data of the eventfd
constexpr std::uint64_t timer_token = 1;  // epoll data of the timerfd
// reactor_data bits, besides the armed io_direction bits.
constexpr std::uint64_t in_epoll_set = 4;

[[noreturn]] void throw_errno(int err, const char* what) {
  throw std::system_error(err, std::generic_category(), what);
}

int add_to_set(int epoll_fd, int fd, std::uint64_t token) noexcept {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = token;
  return ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : errno;
}

}  // namespace

epoll_reactor::epoll_reactor(bool force_timerfd) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw_errno(errno, "epoll_create1");
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    const int err = errno;
    ::close(epoll_fd_);
    throw_errno(err, "eventfd");
  }
  if (const int err = add_to_set(epoll_fd_, wake_fd_, wake_token); err != 0) {
    ::close(wake_fd_);
    ::close(epoll_fd_);
    throw_errno(err, "epoll_ctl(eventfd)");
  }
  bool use_timerfd = force_timerfd;
  if (!use_timerfd) {
    // Probe once: epoll_pwait2 is in glibc 2.36 but needs Linux 5.11.
    timespec zero{};
    epoll_event probe[1];
    if (::epoll_pwait2(epoll_fd_, probe, 1, &zero, nullptr) < 0 && errno == ENOSYS) {
      use_timerfd = true;
    }
  }
  if (use_timerfd) {
    timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    const int err = timer_fd_ < 0 ? errno : add_to_set(epoll_fd_, timer_fd_, timer_token);
    if (err != 0) {
      if (timer_fd_ >= 0) ::close(timer_fd_);
      ::close(wake_fd_);
      ::close(epoll_fd_);
      throw_errno(err, "timerfd");
    }
  }
}

epoll_reactor::~epoll_reactor() {
  if (timer_fd_ >= 0) ::close(timer_fd_);
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

int epoll_reactor::update_interest(reactor_descriptor& d) noexcept {
  epoll_event ev{};
  ev.events = EPOLLONESHOT;
  if ((d.reactor_data & io_read) != 0) ev.events |= EPOLLIN | EPOLLRDHUP;
  if ((d.reactor_data & io_write) != 0) ev.events |= EPOLLOUT;
  ev.data.ptr = &d;
  if ((d.reactor_data & in_epoll_set) != 0) {
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, d.fd, &ev) == 0) return 0;
    if (errno != ENOENT) return errno;
    d.reactor_data &= ~in_epoll_set;  // the descriptor was closed and its number reused
  }
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, d.fd, &ev) == 0 ||
      (errno == EEXIST && ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, d.fd, &ev) == 0)) {
    d.reactor_data |= in_epoll_set;
    return 0;
  }
  return errno;
}

int epoll_reactor::arm(reactor_descriptor& d, io_direction dir) noexcept {
  d.reactor_data |= dir;
  const int err = update_interest(d);
  if (err != 0) d.reactor_data &= ~std::uint64_t{dir};
  return err;
}

void epoll_reactor::disarm(reactor_descriptor& d, io_direction dir) noexcept {
  if ((d.reactor_data & dir) == 0) return;
  d.reactor_data &= ~std::uint64_t{dir};
  update_interest(d);  // stop watching for what nobody waits for any more
}

void epoll_reactor::forget(reactor_descriptor& d) noexcept {
  if ((d.reactor_data & in_epoll_set) != 0) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, d.fd, nullptr);
  d.reactor_data = 0;
}

void epoll_reactor::wake() noexcept {
  if (wake_signalled_.exchange(true, std::memory_order_acq_rel)) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

std::span<const reactor_event> epoll_reactor::wait(std::int64_t timeout_ns,
                                                   std::int64_t deadline_ns) {
  epoll_event events[max_events];
  int n = 0;
  if (timer_fd_ >= 0) {
    int timeout_ms = timeout_ns == 0 ? 0 : -1;
    if (timeout_ns > 0) {
      itimerspec spec{};
      spec.it_value.tv_sec = deadline_ns / 1'000'000'000;
      spec.it_value.tv_nsec = deadline_ns % 1'000'000'000;
      ::timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
    }
    n = ::epoll_wait(epoll_fd_, events, max_events, timeout_ms);
  } else {
    timespec ts{};
    ts.tv_sec = timeout_ns / 1'000'000'000;
    ts.tv_nsec = timeout_ns % 1'000'000'000;
    n = ::epoll_pwait2(epoll_fd_, events, max_events, timeout_ns < 0 ? nullptr : &ts, nullptr);
  }
  if (n < 0) {
    if (errno == EINTR) return {};
    throw_errno(errno, "epoll_wait");
  }
  std::size_t out = 0;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t token = events[i].data.u64;
    if (token == wake_token) {
      std::uint64_t count = 0;
      [[maybe_unused]] auto r = ::read(wake_fd_, &count, sizeof count);
      wake_signalled_.store(false, std::memory_order_release);
      continue;
    }
    if (token == timer_token) {
      std::uint64_t count = 0;
      [[maybe_unused]] auto r = ::read(timer_fd_, &count, sizeof count);
      continue;
    }
    auto* d = static_cast<reactor_descriptor*>(events[i].data.ptr);
    const std::uint32_t revents = events[i].events;
    std::uint32_t ready = 0;
    if ((revents & (EPOLLIN | EPOLLPRI | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) != 0) ready |= io_read;
    if ((revents & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) ready |= io_write;
    ready &= static_cast<std::uint32_t>(d->reactor_data);  // armed directions only
    d->reactor_data &= ~std::uint64_t{ready};
    // EPOLLONESHOT disarmed the descriptor: re-arm for the direction still waited for.
    if ((d->reactor_data & (io_read | io_write)) != 0) update_interest(*d);
    if (ready != 0) events_[out++] = reactor_event{d, ready, nullptr};
  }
  return {events_, out};
}

}  // namespace execbench::rt
