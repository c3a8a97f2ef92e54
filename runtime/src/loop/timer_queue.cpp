// The timer queue's firing and purging (see execbench/runtime/loop/timer_queue.hpp).
#include "execbench/runtime/loop/timer_queue.hpp"

namespace execbench::rt::loop_detail {

void timer_queue::fire_due(std::int64_t now, ready_queue& ready, lag_histogram& lag,
                           slot_pool& slots) {
  // Firing adds no timer (callbacks run later, from the ready queue): the fifo's end is read
  // once, and a drained fifo is reset once, after the loop.
  const std::size_t fifo_end = fifo_.size();
  for (;;) {
    timer_entry e;
    const bool fifo_has = fifo_head_ < fifo_end;
    if (!heap_.empty() && (!fifo_has || fires_before(heap_.front(), fifo_[fifo_head_]))) {
      if (heap_.front().deadline > now) break;
      std::pop_heap(heap_.begin(), heap_.end(), heap_order{});
      e = heap_.back();
      heap_.pop_back();
    } else if (fifo_has) {
      if (fifo_[fifo_head_].deadline > now) break;
      e = fifo_[fifo_head_++];
    } else {
      break;
    }
    wait_slot* s = e.slot;
    if (s->fire()) {
      lag.record(now - e.deadline);
      ready.push_relocate(s->callback);
    } else {
      s->callback.destroy();
      cancelled_.fetch_sub(1, std::memory_order_relaxed);
    }
    slots.free(s);
  }
  if (fifo_head_ != 0 && fifo_head_ == fifo_.size()) {
    fifo_.clear();
    fifo_head_ = 0;
  }
}

void timer_queue::purge_cancelled(slot_pool& slots) {
  std::vector<timer_entry> live;
  live.reserve(entries());
  auto keep = [&](const timer_entry& e) {
    if (e.slot->status() == slot_armed) {
      live.push_back(e);
    } else {
      slots.discard(e.slot);
      cancelled_.fetch_sub(1, std::memory_order_relaxed);
    }
  };
  std::vector<timer_entry> fifo_live;
  for (std::size_t i = fifo_head_; i < fifo_.size(); ++i) keep(fifo_[i]);
  fifo_live.swap(live);
  for (auto& e : heap_) keep(e);
  fifo_ = std::move(fifo_live);
  fifo_head_ = 0;
  heap_ = std::move(live);
  std::make_heap(heap_.begin(), heap_.end(), heap_order{});
}

void timer_queue::clear(slot_pool& slots) noexcept {
  for (std::size_t i = fifo_head_; i < fifo_.size(); ++i) slots.discard(fifo_[i].slot);
  for (auto& e : heap_) slots.discard(e.slot);
  fifo_.clear();
  fifo_head_ = 0;
  heap_.clear();
  cancelled_.store(0, std::memory_order_relaxed);
}

}  // namespace execbench::rt::loop_detail
