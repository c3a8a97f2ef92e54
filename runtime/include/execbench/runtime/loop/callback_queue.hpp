// callback_queue: the event loop's FIFO of ready work, stored without a heap allocation per item.
//
// Every item is 32 bytes: one function pointer and a 24-byte buffer in which a small callable
// (a lambda with up to three pointer captures, a coroutine handle) lives in place; larger ones
// fall back to the heap. Half a cache line per item keeps a queue of a million posts cheap to
// stream through. Running an item invokes it and destroys it in one indirect call, so draining
// N items costs N indirect calls and nothing else.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace execbench::rt::loop_detail {

// One stored callable. Trivially copyable as bytes; its lifetime is managed by whoever holds it.
struct callback_item {
  static constexpr std::size_t inline_size = 24;

  enum class op { run, relocate, destroy };
  // op::run: invoke the callable in `self`, then destroy it (even when the call throws).
  // op::relocate: move it from `self` into the storage `dst`, destroying the source.
  // op::destroy: destroy it without running it.
  using action_fn = void (*)(op, void* self, void* dst);

  action_fn action;
  alignas(8) unsigned char storage[inline_size];

  void run_and_destroy() { action(op::run, storage, nullptr); }
  void destroy() noexcept { action(op::destroy, storage, nullptr); }
  // Move the callable of `src` into this (uninitialised) item; `src` is left empty.
  void relocate_from(callback_item& src) noexcept {
    action = src.action;
    if (action == &resume_action) {  // the common case (a timer or readiness wake-up): no call
      std::memcpy(storage, src.storage, sizeof(void*));
    } else {
      action(op::relocate, src.storage, storage);
    }
  }

  // Construct a callable in place in this (uninitialised) item.
  template <class F>
  void emplace(F&& f) {
    using fn = std::decay_t<F>;
    if constexpr (std::is_same_v<fn, std::coroutine_handle<>>) {
      emplace_resume(f);
    } else if constexpr (sizeof(fn) <= inline_size && alignof(fn) <= 8 &&
                         std::is_nothrow_move_constructible_v<fn>) {
      ::new (static_cast<void*>(storage)) fn(std::forward<F>(f));
      action = &inline_action<fn>;
    } else {
      fn* heap = new fn(std::forward<F>(f));
      std::memcpy(storage, &heap, sizeof heap);
      action = &heap_action<fn>;
    }
  }

  void emplace_resume(std::coroutine_handle<> h) noexcept {
    void* address = h.address();
    std::memcpy(storage, &address, sizeof address);
    action = &resume_action;
  }

  // Whether this item resumes a coroutine (a task step) rather than calling a callback.
  bool is_resume() const noexcept { return action == &resume_action; }

  // Start loading what running this item will touch first: a coroutine's frame (its resume
  // pointer and promise). Thousands of waiting tasks are cold when their timers fire together.
  void prefetch() const noexcept {
    if (is_resume()) {
      void* address = nullptr;
      std::memcpy(&address, storage, sizeof address);
      __builtin_prefetch(address);
      __builtin_prefetch(static_cast<const char*>(address) + 64);
    }
  }

 private:
  template <class Fn>
  static void inline_action(op o, void* self, void* dst) {
    Fn& f = *std::launder(static_cast<Fn*>(self));
    if (o == op::run) {
      if constexpr (std::is_trivially_destructible_v<Fn>) {
        f();
      } else {
        struct destroy_after {
          Fn& f;
          ~destroy_after() { f.~Fn(); }
        } guard{f};
        f();
      }
    } else if (o == op::relocate) {
      if constexpr (std::is_trivially_copyable_v<Fn>) {
        std::memcpy(dst, self, sizeof(Fn));
      } else {
        ::new (dst) Fn(std::move(f));
        f.~Fn();
      }
    } else {
      f.~Fn();
    }
  }

  template <class Fn>
  static void heap_action(op o, void* self, void* dst) {
    Fn* f = nullptr;
    std::memcpy(&f, self, sizeof f);
    if (o == op::run) {
      std::unique_ptr<Fn> owner(f);
      (*f)();
    } else if (o == op::relocate) {
      std::memcpy(dst, self, sizeof f);
    } else {
      delete f;
    }
  }

  static void resume_action(op o, void* self, void* dst) {
    if (o == op::run) {
      void* address = nullptr;
      std::memcpy(&address, self, sizeof address);
      std::coroutine_handle<>::from_address(address).resume();
    } else if (o == op::relocate) {
      std::memcpy(dst, self, sizeof(void*));
    }
  }
};

static_assert(sizeof(callback_item) == 32);
static_assert(std::is_trivially_copyable_v<callback_item>);

// A growable array of callback_items, filled at the back and drained front to back by the loop.
// Single-threaded; the loop guards its cross-thread instance with a mutex.
class callback_queue {
 public:
  callback_queue() = default;
  callback_queue(const callback_queue&) = delete;
  callback_queue& operator=(const callback_queue&) = delete;
  ~callback_queue() { clear(); }

  template <class F>
  void push(F&& f) {
    if (size_ == capacity_) grow();
    data_[size_].emplace(std::forward<F>(f));
    ++size_;
  }

  void push_resume(std::coroutine_handle<> h) {
    if (size_ == capacity_) grow();
    data_[size_].emplace_resume(h);
    ++size_;
  }

  // Move an item that lives elsewhere (a timer's callback) to the back; `src` is left empty.
  void push_relocate(callback_item& src) {
    if (size_ == capacity_) grow();
    data_[size_].relocate_from(src);
    ++size_;
  }

  // Move every item of `other` to the back of this queue, in order; `other` becomes empty.
  void append(callback_queue& other) {
    if (other.size_ == 0) return;
    reserve(size_ + other.size_);
    for (std::size_t i = 0; i < other.size_; ++i) data_[size_ + i].relocate_from(other.data_[i]);
    size_ += other.size_;
    other.size_ = 0;
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  callback_item& operator[](std::size_t i) noexcept { return data_[i]; }

  // After the items [0, size) have each been run (run destroys them): forget them.
  void forget_run_items() noexcept { size_ = 0; }
  // After items [0, n) have been run: destroy the rest without running them.
  void discard_from(std::size_t n) noexcept {
    for (std::size_t i = n; i < size_; ++i) data_[i].destroy();
    size_ = 0;
  }
  // Destroy every item without running it.
  void clear() noexcept { discard_from(0); }

  void swap(callback_queue& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    std::size_t cap = capacity_ == 0 ? 64 : capacity_;
    while (cap < n) cap *= 2;
    auto fresh = std::make_unique_for_overwrite<callback_item[]>(cap);
    for (std::size_t i = 0; i < size_; ++i) fresh[i].relocate_from(data_[i]);
    data_ = std::move(fresh);
    capacity_ = cap;
  }

 private:
  void grow() { reserve(capacity_ + 1); }

  std::unique_ptr<callback_item[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace execbench::rt::loop_detail
