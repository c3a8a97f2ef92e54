#include "work_stealing_runtime.hpp"

#include <algorithm>
#include <utility>

namespace own {
namespace {

// The pool and lane the calling thread works for, if it is one of a pool's workers.
thread_local const void* current_pool = nullptr;
thread_local std::size_t current_lane = 0;

}  // namespace

work_stealing_runtime::work_stealing_runtime(std::size_t workers) {
  const std::size_t n = std::max<std::size_t>(workers, 1);
  for (std::size_t i = 0; i < n; ++i) lanes_.push_back(std::make_unique<lane>());
  threads_.reserve(n);
  try {
    for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this, i] { worker_loop(i); });
  } catch (...) {
    stop();
    for (auto& t : threads_) t.join();
    throw;
  }
}

work_stealing_runtime::~work_stealing_runtime() {
  stop();
  // After stop(), nothing queued runs any more: cancelling wakes workers blocked in waits.
  roots().cancel_all();
  for (auto& t : threads_) t.join();
  for (auto& l : lanes_) l->items.clear();  // handles dropped unresumed; destroy_all frees them
  roots().destroy_all();
}

void work_stealing_runtime::stop() noexcept {
  {
    std::lock_guard lock(sleep_mutex_);
    stopped_.store(true);
  }
  wake_.notify_all();
}

void work_stealing_runtime::submit(item w) noexcept {
  const std::size_t target = current_pool == this
                                 ? current_lane
                                 : next_lane_.fetch_add(1, std::memory_order_relaxed) %
                                       lanes_.size();
  {
    std::lock_guard lock(lanes_[target]->mutex);
    lanes_[target]->items.push_back(std::move(w));
  }
  queued_.fetch_add(1);
  // A worker counts itself a sleeper before it checks queued_ under sleep_mutex_: either it sees
  // this item, or this sees it and notifies after it has begun to wait.
  if (sleepers_.load() != 0) {
    { std::lock_guard lock(sleep_mutex_); }
    wake_.notify_one();
  }
}

bool work_stealing_runtime::take(std::size_t self, item& out) noexcept {
  {
    lane& own_lane = *lanes_[self];
    std::lock_guard lock(own_lane.mutex);
    if (!own_lane.items.empty()) {
      out = std::move(own_lane.items.back());
      own_lane.items.pop_back();
      return true;
    }
  }
  for (std::size_t k = 1; k < lanes_.size(); ++k) {
    lane& other = *lanes_[(self + k) % lanes_.size()];
    std::lock_guard lock(other.mutex);
    if (!other.items.empty()) {
      out = std::move(other.items.front());
      other.items.pop_front();
      return true;
    }
  }
  return false;
}

void work_stealing_runtime::worker_loop(std::size_t self) noexcept {
  current_pool = this;
  current_lane = self;
  for (;;) {
    if (stopped_.load()) return;
    item w;
    if (take(self, w)) {
      queued_.fetch_sub(1);
      w();
      continue;
    }
    std::unique_lock lock(sleep_mutex_);
    sleepers_.fetch_add(1);
    wake_.wait(lock, [this] { return stopped_.load() || queued_.load() != 0; });
    sleepers_.fetch_sub(1);
  }
}

}  // namespace own
