#include "execbench/runtime/detail/worker_pool.hpp"

#include <algorithm>

#include "execbench/runtime/adapter_support.hpp"

namespace execbench::rt::detail {

worker_pool::worker_pool(std::size_t threads, at_stop mode) : mode_(mode) {
  start_threads(threads_, std::max<std::size_t>(threads, 1), [this] { work(); },
                [this] { stop(); });
}

worker_pool::~worker_pool() {
  stop();
  join();
}

void worker_pool::stop() noexcept {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
}

void worker_pool::join() noexcept {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& job : queue_) job.destroy();
  queue_.clear();
}

// One job per lock: a batch taken by a thread that then blocks in a sleep would strand the rest
// of the batch behind it while other threads idle.
void worker_pool::work() noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    while (queue_.empty() && !stopping_) {
      ++idle_;
      ready_.wait(lock);
      --idle_;
    }
    if (stopping_ && (mode_ == at_stop::drop_queued || queue_.empty())) return;
    loop_detail::callback_item job;
    job.relocate_from(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      job.run_and_destroy();
    } catch (...) {
      // A job reports its own failures (run_in_executor stores the exception, a runtime's
      // posted callable ends the process): a bare job that throws has nobody to tell.
    }
    lock.lock();
  }
}

}  // namespace execbench::rt::detail
