// The event loop's awaitables over other tasks: gather (rt::gather, gather.hpp, as a member)
// and wait_for (a task with a timeout). Part of the façade
// execbench/runtime/event_loop.hpp (which includes it).
#pragma once

#include <array>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "execbench/runtime/event_loop.hpp"
#include "execbench/runtime/gather.hpp"

namespace execbench::rt {

// Thrown by wait_for when its task did not finish in time (the task was cancelled and awaited).
class timeout_error : public std::runtime_error {
 public:
  timeout_error() : std::runtime_error("operation timed out") {}
};

// ---- event_loop's members ----

template <class... Ts>
task<std::tuple<value_or_monostate_t<Ts>...>> event_loop::gather(task<Ts>... ts) {
  return rt::gather(std::move(ts)...);
}

template <class T>
task<T> event_loop::wait_for(task<T> t, duration timeout) {
  co_return co_await wait_for(create_task(std::move(t)), timeout);
}

template <class T>
task<T> event_loop::wait_for(join_handle<T> h, duration timeout) {
  bool timed_out = false;
  timer_handle timer = call_later(timeout, [h, &timed_out]() mutable {
    timed_out = true;
    h.cancel();
  });
  try {
    if constexpr (std::is_void_v<T>) {
      co_await h;
      timer.cancel();
      co_return;
    } else {
      T value = co_await std::move(h);
      timer.cancel();
      co_return value;
    }
  } catch (const cancelled_error&) {
    timer.cancel();
    if (!timed_out) throw;
  } catch (...) {
    timer.cancel();
    throw;
  }
  // Only the timeout path gets here: report it, unless this task itself is being cancelled.
  task_context* self = co_await detail::current_context{};
  if (self != nullptr && self->cancel_requested()) throw cancelled_error{};
  throw timeout_error{};
}

}  // namespace execbench::rt
