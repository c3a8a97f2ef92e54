// worker_pool: N std::threads over one shared FIFO of jobs (a mutex and a condition variable).
// The thread_pool runtime's workers and the event loop's executor (run_in_executor) are both
// one of these; they differ only in what becomes of the jobs still queued when the pool stops.
//
// A job is any callable taking nothing, stored as a loop_detail::callback_item: in place when it
// is small (a coroutine handle, a lambda of a few pointers), so that queueing one allocates
// nothing beyond the deque's own blocks.
#pragma once

#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "execbench/runtime/loop/callback_queue.hpp"

namespace execbench::rt::detail {

class worker_pool {
 public:
  // What the threads do with the jobs still queued once stop() is called.
  enum class at_stop {
    drop_queued,  // return at once: queued jobs are destroyed unrun (a runtime's shutdown)
    run_queued,   // run every one first (asyncio's executor shutdown(wait=True))
  };

  // Starts `threads` threads (at least one) through detail::start_threads, so that a refused
  // thread start stops and joins those already started, then throws std::system_error.
  worker_pool(std::size_t threads, at_stop mode);
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;
  // stop(), then join().
  ~worker_pool();

  std::size_t size() const noexcept { return threads_.size(); }

  // Queue `job` (a callable taking nothing) for one of the threads. Callable from any thread.
  // A job's exception is caught and dropped: a job reports its own failures.
  template <class F>
  void submit(F&& job) {
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.emplace_back();
      try {
        queue_.back().emplace(std::forward<F>(job));
      } catch (...) {
        queue_.pop_back();
        throw;
      }
      wake = idle_ != 0;
    }
    if (wake) ready_.notify_one();
  }

  // submit() for a coroutine to resume, the commonest job: copied in whole, since its bytes are
  // all a resume job is.
  void submit_resume(std::coroutine_handle<> h) {
    loop_detail::callback_item job;
    job.emplace_resume(h);
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(job);
      wake = idle_ != 0;
    }
    if (wake) ready_.notify_one();
  }

  // Tells the threads to end (see at_stop) and returns at once. Callable more than once.
  void stop() noexcept;
  // After stop(): waits for the threads to end, then destroys the jobs left unrun.
  void join() noexcept;

 private:
  void work() noexcept;

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<loop_detail::callback_item> queue_;  // guarded by mutex_
  std::size_t idle_ = 0;  // threads waiting on ready_ (guarded): only then is a notify worth its cost
  bool stopping_ = false;  // guarded by mutex_
  const at_stop mode_;
  std::vector<std::thread> threads_;
};

}  // namespace execbench::rt::detail
