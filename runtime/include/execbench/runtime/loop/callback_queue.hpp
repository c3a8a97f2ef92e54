// callback_queue: the event loop's FIFO of ready work, stored without a heap allocation per item.
//
// Every item is 64 bytes: two function pointers and a 48-byte buffer in which a small callable
// (a lambda with a few captures, a coroutine handle) lives in place. Larger callables fall back
// to the heap. Running an item invokes it and destroys it in one indirect call, so draining N
// items costs N indirect calls and nothing else.
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
  static constexpr std::size_t inline_size = 48;

  // Invoke the callable, then destroy it (even when the call throws).
  using run_fn = void (*)(void* storage);
  // dst == nullptr: destroy the callable in src. Otherwise move it from src into dst and
  // destroy the source. nullptr when the callable is trivially copyable (memcpy moves it).
  using manage_fn = void (*)(void* dst, void* src) noexcept;

  run_fn run;
  manage_fn manage;
  alignas(16) unsigned char storage[inline_size];

  void run_and_destroy() { run(storage); }
  void destroy() noexcept {
    if (manage != nullptr) manage(nullptr, storage);
  }
  // Move the callable of `src` into this (uninitialised) item; `src` is left empty.
  void relocate_from(callback_item& src) noexcept {
    if (src.manage == nullptr) {
      std::memcpy(static_cast<void*>(this), &src, sizeof(callback_item));
    } else {
      run = src.run;
      manage = src.manage;
      manage(storage, src.storage);
    }
  }

  // Construct a callable in place in this (uninitialised) item.
  template <class F>
  void emplace(F&& f) {
    using fn = std::decay_t<F>;
    if constexpr (std::is_same_v<fn, std::coroutine_handle<>>) {
      emplace_resume(f);
    } else if constexpr (sizeof(fn) <= inline_size && alignof(fn) <= 16 &&
                         std::is_nothrow_move_constructible_v<fn>) {
      ::new (static_cast<void*>(storage)) fn(std::forward<F>(f));
      run = [](void* p) {
        fn& self = *std::launder(static_cast<fn*>(p));
        if constexpr (std::is_trivially_destructible_v<fn>) {
          self();
        } else {
          struct destroy_after {
            fn& f;
            ~destroy_after() { f.~fn(); }
          } guard{self};
          self();
        }
      };
      if constexpr (std::is_trivially_copyable_v<fn>) {
        manage = nullptr;
      } else {
        manage = [](void* dst, void* src) noexcept {
          fn& s = *std::launder(static_cast<fn*>(src));
          if (dst != nullptr) ::new (dst) fn(std::move(s));
          s.~fn();
        };
      }
    } else {
      fn* heap = new fn(std::forward<F>(f));
      std::memcpy(storage, &heap, sizeof heap);
      run = [](void* p) {
        fn* self = nullptr;
        std::memcpy(&self, p, sizeof self);
        std::unique_ptr<fn> owner(self);
        (*self)();
      };
      manage = [](void* dst, void* src) noexcept {
        if (dst != nullptr) {
          std::memcpy(dst, src, sizeof(fn*));
        } else {
          fn* self = nullptr;
          std::memcpy(&self, src, sizeof self);
          delete self;
        }
      };
    }
  }

  void emplace_resume(std::coroutine_handle<> h) noexcept {
    void* address = h.address();
    std::memcpy(storage, &address, sizeof address);
    run = &resume_stored;
    manage = nullptr;
  }

  // Whether this item resumes a coroutine (a task step) rather than calling a callback.
  bool is_resume() const noexcept { return run == &resume_stored; }

  static void resume_stored(void* p) {
    void* address = nullptr;
    std::memcpy(&address, p, sizeof address);
    std::coroutine_handle<>::from_address(address).resume();
  }
};

static_assert(sizeof(callback_item) == 64);
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
