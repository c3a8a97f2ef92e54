// wait_slot: one pending timer or descriptor wait, and the pool the loop takes them from.
//
// A slot's state word holds a generation count above two status bits, so that a late cancel
// naming an old generation fails instead of touching the slot's next use. Slots live in blocks
// that never move, so another thread may cancel one through a pointer while the loop keeps
// running. Only the loop's thread allocates and frees them.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "execbench/runtime/loop/callback_queue.hpp"

namespace execbench::rt::loop_detail {

enum slot_status : std::uint64_t {
  slot_free = 0,
  slot_armed = 1,
  slot_fired = 2,
  slot_cancelled = 3
};

struct wait_slot {
  std::atomic<std::uint64_t> state{0};
  callback_item callback;  // what runs when it fires (resumes a coroutine for awaitables)
  wait_slot* next_free = nullptr;
  // Only the loop's thread changes its state: a task's own timer, whose cancellation reaches
  // it on that thread (the loop confines its tasks). A timer_handle's slot may be cancelled
  // from any thread.
  bool loop_thread_only = false;

  std::uint64_t generation() const noexcept { return state.load(std::memory_order_relaxed) >> 2; }
  slot_status status() const noexcept {
    return static_cast<slot_status>(state.load(std::memory_order_acquire) & 3);
  }
  bool transition(std::uint64_t gen, slot_status from, slot_status to) noexcept {
    std::uint64_t expected = (gen << 2) | from;
    return state.compare_exchange_strong(expected, (gen << 2) | to, std::memory_order_acq_rel,
                                         std::memory_order_relaxed);
  }
  // Armed to fired, by the loop: false when it was cancelled. Without a locked instruction
  // when no other thread can change the state meanwhile. (A stale timer_handle of an earlier
  // use of the slot may still try: its generation is older, so its compare-and-swap fails
  // without writing.)
  bool fire() noexcept {
    if (!loop_thread_only) return transition(generation(), slot_armed, slot_fired);
    const std::uint64_t current = state.load(std::memory_order_relaxed);
    if ((current & 3) != slot_armed) return false;
    state.store((current & ~std::uint64_t{3}) | slot_fired, std::memory_order_relaxed);
    return true;
  }
};

// The loop's slots: a free list over blocks of slots_per_block, grown on demand.
class slot_pool {
 public:
  static constexpr std::size_t slots_per_block = 1024;

  // A slot in state armed, at a new generation.
  wait_slot* alloc() {
    if (free_ == nullptr) grow();
    wait_slot* s = free_;
    free_ = s->next_free;
    s->state.store((s->generation() << 2) | slot_armed, std::memory_order_relaxed);
    s->loop_thread_only = false;
    return s;
  }
  // Back to the free list; the generation moves on, so stale handles on it fail.
  void free(wait_slot* s) noexcept {
    s->state.store(((s->generation() + 1) << 2) | slot_free, std::memory_order_release);
    s->next_free = free_;
    free_ = s;
  }
  // Drop the slot's callback without running it, then free the slot.
  void discard(wait_slot* s) noexcept {
    s->callback.destroy();
    free(s);
  }

 private:
  void grow() {
    auto block = std::make_unique<wait_slot[]>(slots_per_block);
    for (std::size_t i = 0; i + 1 < slots_per_block; ++i) block[i].next_free = &block[i + 1];
    block[slots_per_block - 1].next_free = free_;
    free_ = &block[0];
    blocks_.push_back(std::move(block));
  }

  std::vector<std::unique_ptr<wait_slot[]>> blocks_;
  wait_slot* free_ = nullptr;
};

}  // namespace execbench::rt::loop_detail
