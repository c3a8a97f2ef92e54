// inline_steps: cpu(fn) and blocking(fn) for the runtimes that run both inline on the thread
// of the task that awaits them (loop, asio, thread_per_task, thread_pool, tbb), as a base class
// they inherit the two members from. loop_offload runs them on its executor instead.
#pragma once

#include <coroutine>
#include <functional>
#include <utility>

namespace execbench::rt::detail {

// A cpu or blocking step run inline on the awaiting thread: ready at once, the call happens in
// await_resume so that its value or exception reaches the awaiter directly.
template <class F>
struct [[nodiscard]] inline_call {
  F fn;
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  decltype(auto) await_resume() { return std::invoke(fn); }
};
template <class F>
inline_call(F) -> inline_call<F>;

class inline_steps {
 public:
  template <class F>
  auto cpu(F&& fn) const {
    return inline_call{std::forward<F>(fn)};
  }
  template <class F>
  auto blocking(F&& fn) const {
    return inline_call{std::forward<F>(fn)};
  }

 protected:
  inline_steps() = default;
  ~inline_steps() = default;
};

}  // namespace execbench::rt::detail
