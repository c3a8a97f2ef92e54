// plan_dispatch: the runner's runtime-independent bookkeeping (see runner.hpp): how many
// requirements each task still waits for, and each closed-loop group's slots.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

#include "execbench/runtime/handoff.hpp"
#include "execbench/workloads/plan.hpp"

namespace execbench::workloads {

// The runtime-independent bookkeeping of a run: requirement counters, closed-loop slots, and
// the run's control (its end, its first error, whether it was cancelled), which the tasks of a
// cancelled run still use after run_plan has returned: so it lives here, with the caller, and
// no task holds a reference count. Preallocated per plan; reset() before each run. Thread-safe.
class plan_dispatch {
 public:
  explicit plan_dispatch(const plan& p);
  void reset() noexcept;

  // Tasks whose requirements are all met at the start (no dependency, no arrival to wait for).
  const std::vector<std::uint32_t>& initially_ready() const noexcept { return initial_; }
  // Every open-loop work task, by scheduled arrival (ties in task order).
  const std::vector<std::uint32_t>& arrival_order() const noexcept { return arrivals_; }
  // One requirement of task i is met (a dependency finished, or its arrival came); true when
  // it was the last one: the caller then readies it.
  bool satisfy(std::uint32_t i) noexcept;
  // Ready work task i asks to start: true when it may (a slot is free or there are no slots),
  // false when it was queued for its group's next free slot. When it may, *unused_since_start
  // (if given) says whether it got a slot nobody had used in this run (so free since the
  // start) or there are no slots, rather than one a finished task gave back at some time.
  // (A group without slots is answered here, inline: that is every task of most workloads.)
  bool admit(std::uint32_t i, bool* unused_since_start = nullptr) noexcept {
    group_slots& s = slots_[plan_->tasks()[i].group];
    if (s.limit == 0) {
      if (unused_since_start != nullptr) *unused_since_start = true;
      return true;
    }
    return admit_to_slot(s, i, unused_since_start);
  }
  // Work task i finished: the task that takes its slot, or -1 when none waits (the slot frees).
  std::int64_t release_slot(std::uint32_t i) noexcept {
    group_slots& s = slots_[plan_->tasks()[i].group];
    return s.limit == 0 ? -1 : pass_slot_on(s);
  }
  // One task (work or inner node) is complete; true for the last one of the run. `one_thread`:
  // every task of the run ends on one thread (the runtime confines its tasks, as an event loop
  // does), so the count needs no locked instruction.
  bool complete_one(bool one_thread = false) noexcept {
    if (one_thread) {
      const std::uint64_t left = remaining_.load(std::memory_order_relaxed) - 1;
      remaining_.store(left, std::memory_order_relaxed);
      return left == 0;
    }
    return remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1;
  }

  // Set by the task that completes the run's last task; run_plan awaits it.
  rt::handoff& all_done() noexcept { return all_done_; }
  // The run was cancelled: start no more tasks.
  void stop() noexcept { stopping_.store(true, std::memory_order_release); }
  bool stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }
  // Keep the first error a task raised (later ones are dropped).
  void record_error(std::exception_ptr e) noexcept;
  std::exception_ptr first_error() const noexcept;

 private:
  struct group_slots {
    std::mutex mutex;
    std::uint32_t in_flight = 0;
    std::uint32_t limit = 0;       // 0: unlimited
    std::uint32_t never_used = 0;  // slots not yet taken in this run
    std::vector<std::uint32_t> queue;
    std::size_t head = 0, tail = 0;
  };
  bool admit_to_slot(group_slots& s, std::uint32_t i, bool* unused_since_start) noexcept;
  std::int64_t pass_slot_on(group_slots& s) noexcept;

  const plan* plan_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> pending_;
  std::unique_ptr<group_slots[]> slots_;
  std::vector<std::uint32_t> initial_;
  std::vector<std::uint32_t> arrivals_;
  std::atomic<std::uint64_t> remaining_{0};
  rt::handoff all_done_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex error_mutex_;
  std::exception_ptr first_error_;
};

}  // namespace execbench::workloads
