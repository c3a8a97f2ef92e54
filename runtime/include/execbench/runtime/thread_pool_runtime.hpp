// thread_pool: N raw std::threads over one shared queue (a mutex and a condition variable), the
// classic baseline. Waits block the worker thread (see blocking_waits.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>
#include <utility>

#include "execbench/runtime/adapter_support.hpp"
#include "execbench/runtime/blocking_runtime.hpp"
#include "execbench/runtime/detail/worker_pool.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/task.hpp"

namespace execbench::rt {

class thread_pool_runtime final : public blocking_runtime<thread_pool_runtime> {
 public:
  static constexpr std::string_view name = "thread_pool";
  static constexpr runtime_traits traits{.threads = thread_model::blocking};

  // Starts `workers` threads (at least one).
  explicit thread_pool_runtime(std::size_t workers);
  // Cancels pending tasks, stops the threads, drops queued work unrun and frees what is left.
  ~thread_pool_runtime();
  thread_pool_runtime(const thread_pool_runtime&) = delete;
  thread_pool_runtime& operator=(const thread_pool_runtime&) = delete;

  std::size_t workers() const noexcept { return pool_.size(); }

 private:
  friend class blocking_runtime<thread_pool_runtime>;
  void submit(detail::work_item w) noexcept;
  // A posted callable goes into the pool's queue as itself: in place when it is small, so that a
  // post allocates nothing, and run with one indirect call.
  template <class F>
  void submit_call(F&& f) {
    pool_.submit([f = std::forward<F>(f)]() mutable noexcept { detail::invoke_posted(f); });
  }

  detail::worker_pool pool_;  // drops queued work unrun when stopped
};

static_assert(runtime<thread_pool_runtime>);

}  // namespace execbench::rt
