// executor_pool: N threads draining one FIFO of jobs.
#include "execbench/runtime/loop/executor_pool.hpp"

#include <algorithm>

#include "execbench/runtime/adapter_support.hpp"

namespace execbench::rt {

executor_pool::executor_pool(std::size_t threads) {
  const std::size_t n = std::max<std::size_t>(1, threads);
  threads_.reserve(n);
  try {
    for (std::size_t i = 0; i < n; ++i) threads_.push_back(detail::start_thread([this] { work(); }));
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
    throw;
  }
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
