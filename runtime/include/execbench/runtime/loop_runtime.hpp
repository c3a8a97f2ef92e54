// loop and loop_offload: the custom event loop behind the rt::runtime contract.
//
// Both run their loop on the CALLER's thread: run(task) is run_until_complete. They differ only
// in where cpu(fn) and blocking(fn) run: inline on the loop thread for `loop` (a CPU step or a
// blocking call holds up every other task: the point of the comparison), on a pool of N
// threads for `loop_offload`, awaited as asyncio's run_in_executor is.
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include "execbench/runtime/detail/inline_steps.hpp"
#include "execbench/runtime/event_loop.hpp"
#include "execbench/runtime/loop/executor_pool.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/runtime/task.hpp"

namespace execbench::rt {

// One thread: the event loop; CPU steps and blocking calls run inline on it (inline_steps),
// blocking the loop while they run.
class loop_runtime final : public event_loop, public detail::inline_steps {
 public:
  static constexpr std::string_view name = "loop";
  static constexpr runtime_traits traits{
      .threads = thread_model::single_loop, .fixed_workers = 1, .records_loop_lag = true};

  // The loop is one thread whatever is asked: workers() is always 1.
  explicit loop_runtime(std::size_t /*workers*/ = 1) {}

  std::size_t workers() const noexcept { return 1; }

  // Run `t` to completion on the calling thread (which runs the loop meanwhile).
  template <class T>
  T run(task<T> t) {
    return run_until_complete(std::move(t));
  }
};

static_assert(runtime<loop_runtime>);

// One loop thread (the caller's) plus a pool of N threads, started here, for CPU steps and
// blocking calls.
class loop_offload_runtime final : public event_loop {
 public:
  static constexpr std::string_view name = "loop_offload";
  static constexpr runtime_traits traits{.threads = thread_model::offload_loop,
                                         .records_loop_lag = true};

  explicit loop_offload_runtime(std::size_t workers) : pool_(workers) {}

  // The pool's size (the loop thread is not counted).
  std::size_t workers() const noexcept { return pool_.size(); }

  template <class T>
  T run(task<T> t) {
    return run_until_complete(std::move(t));
  }

  // Awaitables that run fn on the pool; the task resumes on the loop with its result.
  template <class F>
  executor_awaiter<std::decay_t<F>> cpu(F&& fn) {
    return run_in_executor(pool_, std::forward<F>(fn));
  }
  template <class F>
  executor_awaiter<std::decay_t<F>> blocking(F&& fn) {
    return run_in_executor(pool_, std::forward<F>(fn));
  }

  executor_pool& executor() noexcept { return pool_; }

 private:
  // Destroyed before the loop: its threads finish the jobs they hold (which may refer to task
  // frames) before the loop destroys any frame.
  executor_pool pool_;
};

static_assert(runtime<loop_offload_runtime>);

}  // namespace execbench::rt
