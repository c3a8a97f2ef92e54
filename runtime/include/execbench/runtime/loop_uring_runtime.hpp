// loop_uring: the custom event loop on an io_uring reactor (loop/uring_reactor.hpp) instead of
// epoll. Timers wait in io_uring_enter's own timeout, socket waits are poll requests on the
// ring, and disk reads are read requests the kernel completes while the loop goes on (the epoll
// loop reads files on its thread, blocking it). CPU steps and blocking calls run inline on the
// loop thread, as on `loop`: the two differ in their reactor only.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "execbench/runtime/detail/inline_steps.hpp"
#include "execbench/runtime/event_loop.hpp"
#include "execbench/runtime/loop/uring_reactor.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/runtime/task.hpp"

namespace execbench::rt {

class loop_uring_runtime final : public event_loop, public detail::inline_steps {
 public:
  static constexpr std::string_view name = "loop_uring";
  static constexpr runtime_traits traits{.threads = thread_model::single_loop,
                                         .fixed_workers = 1,
                                         .records_loop_lag = true,
                                         .async_file_reads = true};

  // Why io_uring cannot be used here ("" when it can): the bench then registers no loop_uring
  // rows and says why.
  static std::string unavailable_reason() { return uring_reactor::unavailable_reason(); }

  // The loop is one thread whatever is asked. Throws std::system_error when io_uring is refused.
  explicit loop_uring_runtime(std::size_t /*workers*/ = 1)
      : event_loop(event_loop_options{
            .make_reactor = [] { return std::make_unique<uring_reactor>(); }}) {}

  std::size_t workers() const noexcept { return 1; }

  template <class T>
  T run(task<T> t) {
    return run_until_complete(std::move(t));
  }
};

static_assert(runtime<loop_uring_runtime>);

}  // namespace execbench::rt
