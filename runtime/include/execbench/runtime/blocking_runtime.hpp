// blocking_runtime<Derived>: what the three runtimes whose waits block the thread share
// (thread_per_task, thread_pool, tbb). A runtime built on it says only how work is handed to
// its threads, `void submit(detail::work_item) noexcept` (and, optionally, `submit_call(F&&)`
// for a posted callable, where its queue can hold one without a work_item's allocation); sleeps, descriptor waits, CPU steps
// and blocking calls are the same on all three: they hold the thread that runs the task.
#pragma once

#include <poll.h>

#include <chrono>
#include <coroutine>
#include <utility>

#include "execbench/runtime/adapter_support.hpp"
#include "execbench/runtime/blocking_waits.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt {

template <class Derived>
class blocking_runtime : public scheduler, public detail::inline_steps {
 public:
  // What submit() is given: a coroutine to resume or a posted callable, run by operator()
  // exactly once (or dropped unrun by its destructor when the runtime stops).
  using work_item = detail::work_item;

  void schedule(std::coroutine_handle<> h) noexcept final {
    self().submit(detail::work_item::resume(h));
  }

  template <class F>
  void post(F&& f) {
    if constexpr (requires(Derived& d) { d.submit_call(std::forward<F>(f)); }) {
      self().submit_call(std::forward<F>(f));
    } else {
      self().submit(detail::work_item::call(std::forward<F>(f)));
    }
  }

  // From a thread that is not one of this runtime's.
  template <class T>
  T run(task<T> t) {
    return spawn(*this, std::move(t)).get();
  }

  auto sleep(std::chrono::nanoseconds d) const noexcept {
    return detail::blocking_sleep(std::chrono::steady_clock::now() + d);
  }
  auto sleep_until(std::chrono::steady_clock::time_point t) const noexcept {
    return detail::blocking_sleep(t);
  }
  detail::reschedule yield() noexcept { return {this}; }
  auto readable(int fd) noexcept { return detail::blocking_fd_wait(wake_fds_, fd, POLLIN); }
  auto writable(int fd) noexcept { return detail::blocking_fd_wait(wake_fds_, fd, POLLOUT); }

  // Graceful: cancel every pending task and wait until they have all ended.
  void shutdown() noexcept { detail::cancel_and_drain(*this); }

 protected:
  blocking_runtime() = default;
  ~blocking_runtime() = default;

  // Wakes descriptor waits on cancellation. A base member: built before the derived runtime's
  // threads start and destroyed after they have ended.
  detail::wake_fd_pool wake_fds_;

 private:
  Derived& self() noexcept { return static_cast<Derived&>(*this); }
};

}  // namespace execbench::rt
