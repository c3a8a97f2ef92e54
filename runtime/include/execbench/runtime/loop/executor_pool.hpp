// executor_pool: the std::thread pool behind run_in_executor (asyncio's default executor).
//
// N threads started in the constructor and one shared FIFO of jobs (detail::worker_pool, the
// thread_pool runtime's pool too). Destruction waits for every job already submitted to finish
// (asyncio's shutdown(wait=True)): a job may refer to the frame of the task that awaits it, so
// it must not outlive the runtime that destroys that frame.
#pragma once

#include <cstddef>

#include "execbench/runtime/detail/worker_pool.hpp"

namespace execbench::rt {

class executor_pool : private detail::worker_pool {
 public:
  // Starts `threads` worker threads (at least one). Destruction runs the jobs still queued,
  // then joins the threads.
  explicit executor_pool(std::size_t threads) : worker_pool(threads, at_stop::run_queued) {}

  using worker_pool::size;
  // submit(job): run `job` (a callable taking nothing) on one of the threads. Callable from
  // any thread. A job reports its own failures: an exception it lets out is dropped.
  using worker_pool::submit;
};

}  // namespace execbench::rt
