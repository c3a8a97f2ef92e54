#include "execbench/runtime/loop/uring_reactor.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace execbench::rt {
namespace {

// What a completion's user_data says it is, in its low two bits (operations are at least
// 8-byte aligned, so their address keeps those bits for the tag).
enum tag : std::uint64_t {
  tag_ignored = 0,    // a cancellation request's own completion
  tag_poll = 1,       // a descriptor's readiness: slot index, direction and generation above
  tag_operation = 2,  // a reactor_operation: its address above
  tag_wake = 3,       // the eventfd read that wake() completes
};

// A poll's user_data: tag (2 bits), direction index (1 bit), generation (32 bits), slot index
// (29 bits).
std::uint64_t poll_data(std::uint32_t index, int dir, std::uint32_t generation) noexcept {
  return tag_poll | (static_cast<std::uint64_t>(dir) << 2) |
         (static_cast<std::uint64_t>(generation) << 3) | (static_cast<std::uint64_t>(index) << 35);
}

int direction_index(io_direction dir) noexcept { return dir == io_write ? 1 : 0; }

// Sets up a ring. No COOP_TASKRUN: the loop looks for completions without entering the kernel
// (a wait of 0 with nothing to submit), which sees them only when the kernel posts them at once.
int setup_ring(io_uring& ring, unsigned entries) noexcept {
  io_uring_params params{};
  const int rc = io_uring_queue_init_params(entries, &ring, &params);
  if (rc == 0 && (params.features & IORING_FEAT_EXT_ARG) == 0) {
    io_uring_queue_exit(&ring);
    return -EOPNOTSUPP;  // no timeout on the wait itself (Linux 5.11)
  }
  return rc;
}

}  // namespace

const std::string& uring_reactor::unavailable_reason() {
  static const std::string reason = [] {
    io_uring ring{};
    const int rc = setup_ring(ring, 8);
    if (rc == 0) {
      io_uring_queue_exit(&ring);
      return std::string();
    }
    return "io_uring cannot be set up here: " +
           std::string(rc == -EOPNOTSUPP ? "the kernel lacks IORING_FEAT_EXT_ARG (Linux 5.11)"
                                         : std::strerror(-rc)) +
           (rc == -EPERM ? " (kernel.io_uring_disabled, or a seccomp filter)" : "");
  }();
  return reason;
}

uring_reactor::uring_reactor(unsigned entries) {
  if (const int rc = setup_ring(ring_, entries); rc < 0) {
    throw std::system_error(-rc == EOPNOTSUPP ? EOPNOTSUPP : -rc, std::generic_category(),
                            "io_uring_queue_init");
  }
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    const int e = errno;
    io_uring_queue_exit(&ring_);
    throw std::system_error(e, std::generic_category(), "eventfd");
  }
  arm_wake();
}

uring_reactor::~uring_reactor() {
  io_uring_queue_exit(&ring_);  // cancels what is still in flight
  close(wake_fd_);
}

io_uring_sqe* uring_reactor::next_sqe() noexcept {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void uring_reactor::arm_wake() noexcept {
  io_uring_sqe* sqe = next_sqe();
  if (sqe == nullptr) return;  // armed again at the next wait
  io_uring_prep_read(sqe, wake_fd_, &wake_value_, sizeof wake_value_, 0);
  io_uring_sqe_set_data64(sqe, tag_wake);
  wake_armed_ = true;
}

uring_reactor::slot& uring_reactor::slot_of(reactor_descriptor& d) noexcept {
  if (d.reactor_data == 0) {
    std::uint32_t index;
    if (!free_slots_.empty()) {
      index = free_slots_.back();
      free_slots_.pop_back();
    } else {
      index = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();  // growth failure is out of memory: terminate is fine
    }
    slots_[index].descriptor = &d;
    d.reactor_data = static_cast<std::uint64_t>(index) + 1;
  }
  return slots_[d.reactor_data - 1];
}

int uring_reactor::arm(reactor_descriptor& d, io_direction dir) noexcept {
  slot& s = slot_of(d);
  const int k = direction_index(dir);
  if (s.armed[k]) return 0;
  io_uring_sqe* sqe = next_sqe();
  if (sqe == nullptr) return EBUSY;
  io_uring_prep_poll_add(sqe, d.fd, dir == io_write ? POLLOUT : POLLIN);
  io_uring_sqe_set_data64(
      sqe, poll_data(static_cast<std::uint32_t>(d.reactor_data - 1), k, s.generation[k]));
  s.armed[k] = true;
  return 0;
}

void uring_reactor::disarm(reactor_descriptor& d, io_direction dir) noexcept {
  if (d.reactor_data == 0) return;
  slot& s = slots_[d.reactor_data - 1];
  const int k = direction_index(dir);
  if (!s.armed[k]) return;
  const std::uint64_t armed_data =
      poll_data(static_cast<std::uint32_t>(d.reactor_data - 1), k, s.generation[k]);
  ++s.generation[k];  // its completion, whenever it comes, is dropped
  s.armed[k] = false;
  if (io_uring_sqe* sqe = next_sqe(); sqe != nullptr) {
    io_uring_prep_poll_remove(sqe, armed_data);
    io_uring_sqe_set_data64(sqe, tag_ignored);
  }
}

void uring_reactor::forget(reactor_descriptor& d) noexcept {
  if (d.reactor_data == 0) return;
  disarm(d, io_read);
  disarm(d, io_write);
  const auto index = static_cast<std::uint32_t>(d.reactor_data - 1);
  slot& s = slots_[index];
  s.descriptor = nullptr;
  // The generations stay: a late completion of this slot's earlier waits never matches the
  // next descriptor's.
  free_slots_.push_back(index);
  d.reactor_data = 0;
}

int uring_reactor::start_read(const reactor_read& read, reactor_operation& op) noexcept {
  io_uring_sqe* sqe = next_sqe();
  if (sqe == nullptr) return EBUSY;
  io_uring_prep_read(sqe, read.fd, read.buffer, static_cast<unsigned>(read.size), read.offset);
  io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(&op) | tag_operation);
  return 0;
}

void uring_reactor::cancel(reactor_operation& op) noexcept {
  if (io_uring_sqe* sqe = next_sqe(); sqe != nullptr) {
    io_uring_prep_cancel64(sqe, reinterpret_cast<std::uint64_t>(&op) | tag_operation, 0);
    io_uring_sqe_set_data64(sqe, tag_ignored);
  }
}

std::span<const reactor_event> uring_reactor::wait(std::int64_t timeout_ns,
                                                   std::int64_t /*deadline_ns*/) {
  if (!wake_armed_) arm_wake();
  io_uring_cqe* cqe = nullptr;
  int rc;
  if (timeout_ns == 0) {
    rc = io_uring_submit(&ring_);
  } else if (timeout_ns < 0) {
    rc = io_uring_submit_and_wait(&ring_, 1);
  } else {
    __kernel_timespec ts{};
    ts.tv_sec = timeout_ns / 1'000'000'000;
    ts.tv_nsec = timeout_ns % 1'000'000'000;
    rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
  }
  if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY && rc != -EAGAIN) {
    throw std::system_error(-rc, std::generic_category(), "io_uring_enter");
  }

  std::size_t n = 0;
  unsigned head;
  unsigned seen = 0;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    if (n == max_events) break;  // the rest wait for the next call
    ++seen;
    const std::uint64_t data = io_uring_cqe_get_data64(cqe);
    if (data == LIBURING_UDATA_TIMEOUT) continue;  // liburing's own, on kernels that need it
    switch (data & 3) {
      case tag_poll: {
        const auto index = static_cast<std::uint32_t>(data >> 35);
        const int k = static_cast<int>((data >> 2) & 1);
        const auto generation = static_cast<std::uint32_t>(data >> 3);
        if (index >= slots_.size()) break;
        slot& s = slots_[index];
        if (s.descriptor == nullptr || !s.armed[k] || s.generation[k] != generation) break;
        s.armed[k] = false;
        ++s.generation[k];
        // A poll error (the descriptor closed under it) counts as ready: the waiter's own call
        // then sees the error.
        events_[n++] = reactor_event{s.descriptor, k == 1 ? io_write : io_read, nullptr};
        break;
      }
      case tag_operation: {
        auto* op = reinterpret_cast<reactor_operation*>(data & ~std::uint64_t{3});
        op->result = cqe->res;
        events_[n++] = reactor_event{nullptr, 0, op};
        break;
      }
      case tag_wake:
        wake_armed_ = false;
        wake_signalled_.store(false, std::memory_order_release);
        break;
      default:  // tag_ignored
        break;
    }
  }
  io_uring_cq_advance(&ring_, seen);
  if (!wake_armed_) arm_wake();
  return {events_, n};
}

void uring_reactor::wake() noexcept {
  if (wake_signalled_.exchange(true, std::memory_order_acq_rel)) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = write(wake_fd_, &one, sizeof one);
}

}  // namespace execbench::rt
