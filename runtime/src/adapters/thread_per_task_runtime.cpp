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
    if (stopping_ || start_error_ || alive_ >= limit_) {
      pending_.push_back(std::move(w));
      return;
    }
    // A refused start leaves the item queued: a thread of this runtime (the one submitting, if
    // it is one) runs it when its own work ends, or run()'s caller does.
    if (!start_locked(w)) pending_.push_front(std::move(w));
    to_join.splice(to_join.end(), ended_);
  }
  join_all(to_join);  // threads that have ended their work: joining them is quick
}

bool thread_per_task_runtime::start_locked(detail::work_item& w) noexcept {
  running_.emplace_front();
  auto self = running_.begin();
  // detail::start_thread retries EAGAIN (the machine's thread limits, "not now") for a second;
  // past that the start is refused. The work item is moved into the thread only once it has
  // started; on a refusal it goes back to the caller.
  auto start = std::make_shared<detail::work_item>(std::move(w));
  try {
    // The thread finds its own list node under mutex_, which is held until it is assigned.
    *self = detail::start_thread([this, self, start] { thread_main(self, std::move(*start)); });
  } catch (const std::system_error& e) {
    running_.erase(self);
    w = std::move(*start);
    if (!start_error_) start_error_ = e.code();
    return false;
  }
  ++alive_;
  return true;
}

void thread_per_task_runtime::run_queued_here(std::unique_lock<std::mutex>& lock) noexcept {
  while (!stopping_ && !pending_.empty()) {
    std::deque<detail::work_item> batch;
    batch.swap(pending_);
    lock.unlock();
    // Every task, those spawned since the last batch included: each ends at its next wait, so
    // the run ends soon on the threads it has.
    roots().cancel_all();
    for (auto& item : batch) item();
    batch.clear();
    lock.lock();
  }
}

void thread_per_task_runtime::thread_main(thread_list::iterator self,
                                          detail::work_item w) noexcept {
  w();
  thread_list to_join;
  std::unique_lock<std::mutex> lock(mutex_);
  bool counted = true;  // this thread still holds its slot in alive_
  while (!stopping_ && !pending_.empty()) {
    if (start_error_) {
      run_queued_here(lock);  // no thread starts any more: this one runs the queue
      continue;
    }
    // The slot passes to a new thread for the next item.
    detail::work_item next = std::move(pending_.front());
    pending_.pop_front();
    --alive_;
    counted = false;
    if (start_locked(next)) break;
    ++alive_;
    counted = true;
    pending_.push_front(std::move(next));
  }
  to_join.splice(to_join.end(), ended_);  // before adding itself: a thread cannot join itself
  ended_.splice(ended_.end(), running_, self);
  if (counted) --alive_;
  if (alive_ == 0) all_ended_.notify_all();
  lock.unlock();
  join_all(to_join);
}

void thread_per_task_runtime::begin_run() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  start_error_ = {};
}

void thread_per_task_runtime::run_stranded_work() noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!start_error_ || alive_ != 0) return;  // the threads alive run the queue when they end
  ++alive_;  // this thread stands in for a worker: what the queued tasks spawn is queued
  run_queued_here(lock);
  if (--alive_ == 0) all_ended_.notify_all();
}

void thread_per_task_runtime::throw_if_start_refused() {
  std::error_code e;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    e = start_error_;
  }
  if (e) throw std::system_error(e, "thread_per_task: cannot start a thread");
}

}  // namespace execbench::rt
