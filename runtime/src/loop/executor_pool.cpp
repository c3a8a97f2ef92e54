// executor_pool: N threads draining one FIFO of jobs.
#include "execbench/runtime/loop/executor_pool.hpp"

#include <algorithm>

#include "execbench/runtime/adapter_support.hpp"

namespace execbench::rt {

executor_pool::executor_pool(std::size_t threads) {
  detail::start_threads(
      threads_, std::max<std::size_t>(1, threads), [this] { work(); },
      [this] {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          stopping_ = true;
        }
        ready_.notify_all();
      });
}

executor_pool::~executor_pool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) t.join();
}

void executor_pool::work() noexcept {
  for (;;) {
    loop_detail::callback_item job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and every job has been taken
      job.relocate_from(queue_.front());
      queue_.pop_front();
    }
    try {
      job.run_and_destroy();
    } catch (...) {
      // Jobs report their own failures (run_in_executor stores the exception); a bare job
      // that throws has nobody to tell.
    }
  }
}

}  // namespace execbench::rt
