// task<T>: the one coroutine type every runtime runs.
//
// A task is lazy: nothing happens until it is awaited (by another task) or spawned on a
// runtime. Awaiting a task starts it and transfers control to it symmetrically; when it
// finishes, control returns to the awaiter with its value or its exception. A task carries
// the context of the spawned task it belongs to (cancellation, the scheduler that resumes
// it), inherited by every task it awaits.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "execbench/runtime/frame_cache.hpp"
#include "execbench/runtime/frame_count.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt {

// Live coroutine frames of task<T> and of spawned roots: tests check it returns to where it
// started (live_frames().load()).
inline frame_count live_frames() noexcept { return {}; }

// Free the coroutine frames the calling thread's frame cache keeps (frame_cache.hpp), so that
// what runs next on this thread starts from fresh memory rather than from where earlier work
// left its frames.
inline void release_cached_frames() noexcept { detail::frame_cache::release_kept(); }

namespace detail {

// What every promise of this library shares: the context of the spawned task it runs in.
struct promise_base {
  task_context* ctx = nullptr;

  promise_base() noexcept { frame_count::add(1); }
  ~promise_base() { frame_count::add(-1); }
  promise_base(const promise_base&) = delete;
  promise_base& operator=(const promise_base&) = delete;

  // Frames come from the calling thread's frame cache (frame_cache.hpp).
  static void* operator new(std::size_t n) { return frame_cache::allocate(n); }
  static void operator delete(void* p, std::size_t n) noexcept { frame_cache::deallocate(p, n); }
};

// The context of whatever coroutine is awaiting; nullptr when it is not one of ours.
template <class Promise>
task_context* context_of(std::coroutine_handle<Promise> h) noexcept {
  if constexpr (std::is_base_of_v<promise_base, Promise>) {
    return h.promise().ctx;
  } else {
    return nullptr;
  }
}

template <class T>
class task_promise;

struct final_transfer {
  bool await_ready() const noexcept { return false; }
  template <class Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
    auto next = h.promise().continuation;
    return next ? next : std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

template <class T>
class task_promise_storage : public promise_base {
 public:
  template <class U>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    value_.emplace(std::forward<U>(value));
  }
  T take() {
    if (error_) std::rethrow_exception(error_);
    return std::move(*value_);
  }

 protected:
  std::optional<T> value_;
  std::exception_ptr error_;
};

template <>
class task_promise_storage<void> : public promise_base {
 public:
  void return_void() noexcept {}
  void take() {
    if (error_) std::rethrow_exception(error_);
  }

 protected:
  std::exception_ptr error_;
};

template <class T>
class task_promise final : public task_promise_storage<T> {
 public:
  std::coroutine_handle<> continuation;

  auto get_return_object() noexcept;
  std::suspend_always initial_suspend() const noexcept { return {}; }
  final_transfer final_suspend() const noexcept { return {}; }
  void unhandled_exception() noexcept { this->error_ = std::current_exception(); }
};

template <class T>
struct task_awaiter {
  std::coroutine_handle<task_promise<T>> h;
  bool await_ready() const noexcept { return !h || h.done(); }
  template <class Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> caller) noexcept {
    h.promise().continuation = caller;
    h.promise().ctx = context_of(caller);
    return h;
  }
  T await_resume() { return h.promise().take(); }
};

}  // namespace detail

template <class T = void>
class [[nodiscard]] task {
 public:
  using promise_type = detail::task_promise<T>;
  using value_type = T;

  task() noexcept = default;
  explicit task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  task(task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      reset();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  bool valid() const noexcept { return static_cast<bool>(h_); }

  // Awaiting a task starts it in the awaiter's context and yields its result.
  detail::task_awaiter<T> operator co_await() && noexcept { return detail::task_awaiter<T>{h_}; }

  // For runtimes: hand the frame over (the caller becomes responsible for destroying it).
  std::coroutine_handle<promise_type> release() noexcept { return std::exchange(h_, {}); }

 private:
  void reset() noexcept {
    if (h_) std::exchange(h_, {}).destroy();
  }
  std::coroutine_handle<promise_type> h_;
};

template <class T>
auto detail::task_promise<T>::get_return_object() noexcept {
  return task<T>{std::coroutine_handle<task_promise>::from_promise(*this)};
}

}  // namespace execbench::rt
