// timer_queue: the event loop's pending timers, earliest first.
//
// Timers of one duration arrive in deadline order: they queue in a FIFO in O(1); the rest go
// to a binary heap. The earliest timer is the front of one or the other. Cancelled timers stay
// until their deadline passes, or until they are the majority and the loop purges them (as
// asyncio does), so that many cancelled long timeouts cannot grow the queue without bound.
// Loop thread only, but for note_cancelled (any thread, through a timer_handle).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "execbench/runtime/loop/lag_histogram.hpp"
#include "execbench/runtime/loop/ready_queue.hpp"
#include "execbench/runtime/loop/wait_slot.hpp"

namespace execbench::rt::loop_detail {

struct timer_entry {
  std::int64_t deadline;  // steady_clock nanoseconds
  std::uint64_t seq;      // insertion order: equal deadlines fire in order
  wait_slot* slot;
};
inline bool fires_before(const timer_entry& a, const timer_entry& b) noexcept {
  return a.deadline != b.deadline ? a.deadline < b.deadline : a.seq < b.seq;
}

class timer_queue {
 public:
  // Entries, cancelled ones included.
  std::size_t entries() const noexcept { return heap_.size() + (fifo_.size() - fifo_head_); }
  bool empty() const noexcept { return entries() == 0; }
  // Entries not cancelled.
  std::size_t pending() const noexcept {
    const std::size_t cancelled = cancelled_.load(std::memory_order_relaxed);
    const std::size_t all = entries();
    return all > cancelled ? all - cancelled : 0;
  }

  // Queue the armed slot `s` to fire at `deadline` (steady_clock nanoseconds).
  void add(std::int64_t deadline, wait_slot* s) {
    const timer_entry e{deadline, seq_++, s};
    if (fifo_head_ == fifo_.size()) {
      fifo_.clear();
      fifo_head_ = 0;
      fifo_.push_back(e);
    } else if (deadline >= fifo_.back().deadline) {
      fifo_.push_back(e);
    } else {
      heap_.push_back(e);
      std::push_heap(heap_.begin(), heap_.end(), heap_order{});
    }
  }

  // A queued timer's slot went from armed to cancelled. Any thread.
  void note_cancelled() noexcept { cancelled_.fetch_add(1, std::memory_order_relaxed); }
  // Whether cancelled entries are the majority (time to purge them).
  bool mostly_cancelled() const noexcept {
    return cancelled_.load(std::memory_order_relaxed) * 2 > entries();
  }

  // The earliest deadline; only when !empty().
  std::int64_t earliest_deadline() const noexcept {
    const timer_entry* first = nullptr;
    if (fifo_head_ < fifo_.size()) first = &fifo_[fifo_head_];
    if (!heap_.empty() && (first == nullptr || fires_before(heap_.front(), *first))) {
      first = &heap_.front();
    }
    return first->deadline;
  }

  // Move the callbacks of timers due at `now` to `ready`, in deadline order, recording each
  // one's lateness in `lag`; free their slots (and those of cancelled timers) to `slots`.
  void fire_due(std::int64_t now, ready_queue& ready, lag_histogram& lag, slot_pool& slots);
  // Drop the cancelled entries now, freeing their slots.
  void purge_cancelled(slot_pool& slots);
  // Drop every entry without running it, freeing the slots.
  void clear(slot_pool& slots) noexcept;

 private:
  struct heap_order {
    bool operator()(const timer_entry& a, const timer_entry& b) const noexcept {
      return fires_before(b, a);
    }
  };

  std::vector<timer_entry> heap_;
  std::vector<timer_entry> fifo_;
  std::size_t fifo_head_ = 0;
  std::uint64_t seq_ = 0;
  std::atomic<std::size_t> cancelled_{0};
};

}  // namespace execbench::rt::loop_detail
