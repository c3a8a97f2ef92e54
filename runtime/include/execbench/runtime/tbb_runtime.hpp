// tbb: a tbb::task_arena of N slots; every resumption and posted callable is a task enqueued in
// the arena (enqueue never blocks the caller, whichever thread it is). Waits block the TBB
// worker (see blocking_waits.hpp), as blocking code under TBB does.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <new>
#include <string_view>
#include <utility>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include "execbench/runtime/adapter_support.hpp"
#include "execbench/runtime/blocking_runtime.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/task.hpp"

namespace execbench::rt {

class tbb_runtime final : public blocking_runtime<tbb_runtime> {
 public:
  static constexpr std::string_view name = "tbb";
  static constexpr runtime_traits traits{.threads = thread_model::blocking};

  // An arena of `workers` slots (at least one), none reserved for outside threads, and TBB's
  // process-wide worker limit raised to match (TBB's default is one worker per core, minus one).
  // Throws std::system_error when `workers` threads cannot be alive at once (see the .cpp).
  explicit tbb_runtime(std::size_t workers);
  // Cancels pending tasks, waits until no enqueued task is left (those that run now drop their
  // work unrun) and frees the frames of the tasks still pending. The last tbb_runtime in the
  // process also waits for TBB's worker threads to exit (see worker_release).
  ~tbb_runtime();
  tbb_runtime(const tbb_runtime&) = delete;
  tbb_runtime& operator=(const tbb_runtime&) = delete;

  std::size_t workers() const noexcept { return workers_; }

 private:
  friend class blocking_runtime<tbb_runtime>;
  struct job;
  void submit(detail::work_item w) noexcept;

  // Declared first, so destroyed last, after the arena and the global_control. TBB's worker
  // threads belong to the process, not to an arena, and each keeps the memory of as many tasks
  // as it ever had queued (TBB's small-object pool) until it exits: a million posts left about
  // 260 MB resident for the rest of the process. The last tbb_runtime to go lets them exit
  // (tbb::finalize), so that, like the other pools, it leaves no thread and no memory behind.
  // While TBB is in use elsewhere in the process (another handle, arena or global_control),
  // finalize declines and the workers stay.
  struct worker_release {
    oneapi::tbb::task_scheduler_handle handle{oneapi::tbb::attach{}};
    ~worker_release() { (void)oneapi::tbb::finalize(handle, std::nothrow); }
  } release_;
  std::size_t workers_;
  oneapi::tbb::global_control parallelism_;
  oneapi::tbb::task_arena arena_;
  // Enqueued and not yet ended tasks: destruction waits for none to be left.
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<bool> stopping_{false};
};

static_assert(runtime<tbb_runtime>);

}  // namespace execbench::rt
