#include "execbench/runtime/thread_pool_runtime.hpp"

#include <algorithm>
#include <system_error>

namespace execbench::rt {

thread_pool_runtime::thread_pool_runtime(std::size_t workers) {
  detail::start_threads(
      threads_, std::max<std::size_t>(workers, 1), [this] { worker_loop(); },
      [this] {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          stopping_ = true;
        }
        work_ready_.notify_all();
      });
}

thread_pool_runtime::~thread_pool_runtime() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  // After stopping_, nothing queued runs any more: cancelling wakes workers blocked in waits.
  roots().cancel_all();
  work_ready_.notify_all();
  for (auto& t : threads_) t.join();
  queue_.clear();  // handles are dropped unresumed; their frames go with destroy_all
  roots().destroy_all();
}

void thread_pool_runtime::submit(detail::work_item w) noexcept {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(w));  // deque growth failure is out of memory: terminate is fine
    wake = idle_ != 0;
  }
  if (wake) work_ready_.notify_one();
}

// One item per lock: a batch taken by a worker that then blocks in a sleep would strand the rest
// of the batch behind it while other workers idle.
void thread_pool_runtime::worker_loop() noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    while (queue_.empty() && !stopping_) {
      ++idle_;
      work_ready_.wait(lock);
      --idle_;
    }
    if (stopping_) return;
    detail::work_item w = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    w();
    lock.lock();
  }
}

}  // namespace execbench::rt
