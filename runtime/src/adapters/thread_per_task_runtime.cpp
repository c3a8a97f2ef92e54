#include "execbench/runtime/thread_per_task_runtime.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <system_error>

namespace execbench::rt {

namespace {
void join_all(std::list<std::thread>& threads) noexcept {
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
  threads.clear();
}
}  // namespace

thread_per_task_runtime::thread_per_task_runtime(std::size_t workers)
    : limit_(std::max<std::size_t>(workers, 1)) {}

thread_per_task_runtime::~thread_per_task_runtime() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;  // from now on work is queued, never started
  }
  roots().cancel_all();  // wakes the threads blocked in waits
  thread_list to_join;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    all_ended_.wait(lock, [this] { return alive_ == 0; });
    to_join.splice(to_join.end(), ended_);
  }
  join_all(to_join);
  pending_.clear();  // dropped unrun; the frames go with destroy_all
  roots().destroy_all();
}

void thread_per_task_runtime::submit(detail::work_item w) noexcept {
  thread_list to_join;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || alive_ >= limit_) {
      pending_.push_back(std::move(w));
      return;
    }
    start_locked(std::move(w));
    to_join.splice(to_join.end(), ended_);
  }
  join_all(to_join);  // threads that have ended their work: joining them is quick
}

void thread_per_task_runtime::start_locked(detail::work_item w) noexcept {
  running_.emplace_front();
  auto self = running_.begin();
  // detail::start_thread retries EAGAIN (the machine's thread limits, "not now") for a second;
  // past that there is no one to hand the failure to: a lost work item would leave its task
  // suspended forever. The work item is moved into the thread only once it has started.
  auto start = std::make_shared<detail::work_item>(std::move(w));
  try {
    // The thread finds its own list node under mutex_, which is held until it is assigned.
    *self = detail::start_thread([this, self, start] { thread_main(self, std::move(*start)); });
  } catch (const std::system_error& e) {
    detail::fatal("thread_per_task: cannot start a thread", e.what());
  }
  ++alive_;
}

void thread_per_task_runtime::thread_main(thread_list::iterator self,
                                          detail::work_item w) noexcept {
  w();
  thread_list to_join;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    to_join.splice(to_join.end(), ended_);  // before adding itself: a thread cannot join itself
    ended_.splice(ended_.end(), running_, self);
    --alive_;
    if (!stopping_ && !pending_.empty()) {
      detail::work_item next = std::move(pending_.front());
      pending_.pop_front();
      start_locked(std::move(next));
    }
    if (alive_ == 0) all_ended_.notify_all();
  }
  join_all(to_join);
}

}  // namespace execbench::rt
