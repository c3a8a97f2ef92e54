// descriptor_table: who waits for which descriptor, for the event loop's readable / writable.
//
// At most one reader and one writer per descriptor at a time, as in asyncio. Each wait is a
// wait_slot that resumes the waiting task; the reactor is armed for the direction while the
// slot waits and reports the descriptor once when it is ready. A cancelled wait stays in the
// table until the loop thread releases it (the reactor is then disarmed) or the descriptor
// fires. Loop thread only.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>

#include "execbench/runtime/loop/reactor.hpp"
#include "execbench/runtime/loop/ready_queue.hpp"
#include "execbench/runtime/loop/wait_slot.hpp"

namespace execbench::rt::loop_detail {

// One descriptor's waits. Its address stays fixed until the loop forgets the descriptor.
struct fd_state : reactor_descriptor {
  wait_slot* reader = nullptr;
  std::uint64_t reader_gen = 0;
  wait_slot* writer = nullptr;
  std::uint64_t writer_gen = 0;
};

// A wait armed by descriptor_table::arm: what cancelling or releasing it names.
struct fd_wait {
  fd_state* state = nullptr;
  wait_slot* slot = nullptr;
  std::uint64_t gen = 0;
  bool write = false;
};

class descriptor_table {
 public:
  descriptor_table(reactor& r, slot_pool& slots) noexcept : reactor_(&r), slots_(&slots) {}

  // Armed waits: while there are any, the loop asks the reactor every iteration.
  std::size_t waits() const noexcept { return waits_; }

  // Wait for `fd` to become readable (write = false) or writable, then resume `h`. 0 and `out`
  // filled in, or an errno value: EBUSY when the direction already has a waiter; EPERM when
  // the reactor cannot watch the descriptor.
  int arm(int fd, bool write, std::coroutine_handle<> h, fd_wait& out);
  // Drop a wait that was cancelled (its slot no longer armed) and disarm the reactor for it;
  // nothing when it already fired or was released.
  void release(const fd_wait& w) noexcept;
  // Resume the waiters a reactor readiness event names (through `ready`).
  void dispatch(const reactor_event& ev, ready_queue& ready);
  // Forget `fd` before it is closed: cancelled waits on it are dropped (none may be armed).
  void forget(int fd) noexcept;
  // Drop every wait without resuming anything.
  void clear() noexcept;

 private:
  reactor* reactor_;
  slot_pool* slots_;
  std::unordered_map<int, std::unique_ptr<fd_state>> fds_;
  std::size_t waits_ = 0;
};

}  // namespace execbench::rt::loop_detail
