// executor_pool: the std::thread pool behind run_in_executor (asyncio's default executor).
//
// N threads started in the constructor and one shared FIFO of jobs. Destruction waits for
// every job already submitted to finish (asyncio's shutdown(wait=True)): a job may refer to the
// frame of the task that awaits it, so it must not outlive the runtime that destroys that frame.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "execbench/runtime/loop/callback_queue.hpp"

namespace execbench::rt {

class executor_pool {
 public:
  // Starts `threads` worker threads (at least one).
  explicit executor_pool(std::size_t threads);
  executor_pool(const executor_pool&) = delete;
  executor_pool& operator=(const executor_pool&) = delete;
  // Runs the jobs still queued, then joins the threads.
  ~executor_pool();

  std::size_t size() const noexcept { return threads_.size(); }

  // Run `job` (a callable taking nothing) on one of the threads. Callable from any thread.
  template <class F>
  void submit(F&& job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.emplace_back();
      try {
        queue_.back().emplace(std::forward<F>(job));
      } catch (...) {
        queue_.pop_back();
        throw;
      }
    }
    ready_.notify_one();
  }

 private:
  void work() noexcept;

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<loop_detail::callback_item> queue_;  // guarded by mutex_
  bool stopping_ = false;                         // guarded by mutex_
  std::vector<std::thread> threads_;
};

}  // namespace execbench::rt
