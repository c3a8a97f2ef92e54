#include "execbench/workloads/dispatch.hpp"

#include <algorithm>

namespace execbench::workloads {

plan_dispatch::plan_dispatch(const plan& p)
    : plan_(&p),
      pending_(std::make_unique<std::atomic<std::uint32_t>[]>(p.tasks().size())),
      slots_(std::make_unique<group_slots[]>(p.groups().size())) {
  for (std::size_t g = 0; g < p.groups().size(); ++g) {
    const auto& group = p.groups()[g];
    if (group.release.mode == release_mode::closed) {
      slots_[g].limit = group.release.concurrency;
      slots_[g].queue.assign(group.work_count, 0);
    }
  }
  reset();
  for (std::uint32_t i = 0; i < p.tasks().size(); ++i)
    if (pending_[i].load(std::memory_order_relaxed) == 0) initial_.push_back(i);
  for (const auto& g : p.groups())
    if (g.release.mode == release_mode::open)
      for (std::uint32_t k = 0; k < g.work_count; ++k) arrivals_.push_back(g.first_task + k);
  std::stable_sort(arrivals_.begin(), arrivals_.end(), [&p](std::uint32_t a, std::uint32_t b) {
    return p.tasks()[a].arrival_ns < p.tasks()[b].arrival_ns;
  });
}

void plan_dispatch::reset() noexcept {
  const auto tasks = plan_->tasks();
  for (std::uint32_t i = 0; i < tasks.size(); ++i) {
    const bool arrives =
        tasks[i].work && plan_->groups()[tasks[i].group].release.mode == release_mode::open;
    pending_[i].store(tasks[i].dep_count + (arrives ? 1 : 0), std::memory_order_relaxed);
  }
  for (std::size_t g = 0; g < plan_->groups().size(); ++g) {
    std::lock_guard<std::mutex> lock(slots_[g].mutex);
    slots_[g].in_flight = 0;
    slots_[g].never_used = slots_[g].limit;
    slots_[g].head = slots_[g].tail = 0;
  }
  remaining_.store(tasks.size(), std::memory_order_release);
  all_done_.reset();
  stopping_.store(false, std::memory_order_release);
  std::lock_guard<std::mutex> lock(error_mutex_);
  first_error_ = nullptr;
}

void plan_dispatch::record_error(std::exception_ptr e) noexcept {
  std::lock_guard<std::mutex> lock(error_mutex_);
  if (!first_error_) first_error_ = std::move(e);
}

std::exception_ptr plan_dispatch::first_error() const noexcept {
  std::lock_guard<std::mutex> lock(error_mutex_);
  return first_error_;
}

bool plan_dispatch::satisfy(std::uint32_t i) noexcept {
  return pending_[i].fetch_sub(1, std::memory_order_acq_rel) == 1;
}

bool plan_dispatch::admit_to_slot(group_slots& s, std::uint32_t i,
                                  bool* unused_since_start) noexcept {
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.in_flight < s.limit) {
    ++s.in_flight;
    const bool fresh = s.never_used > 0;
    if (fresh) --s.never_used;
    if (unused_since_start != nullptr) *unused_since_start = fresh;
    return true;
  }
  s.queue[s.tail++] = i;  // each work task queues at most once: capacity is work_count
  return false;
}

std::int64_t plan_dispatch::pass_slot_on(group_slots& s) noexcept {
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.head < s.tail) return s.queue[s.head++];  // the slot passes straight on
  --s.in_flight;
  return -1;
}

}  // namespace execbench::workloads
