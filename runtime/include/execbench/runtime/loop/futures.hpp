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

namespace loop_detail {

// A task that awaits `h` (its value moved out): what wait_for puts under a timeout.
template <class T>
task<T> awaiting(join_handle<T> h) {
  co_return co_await std::move(h);
}

}  // namespace loop_detail

// asyncio's wait_for, as Python 3.12 builds it: timeout() around the awaited work.
template <class T>
task<T> event_loop::wait_for(task<T> t, duration limit) {
  return timeout(limit, std::move(t));
}

template <class T>
task<T> event_loop::wait_for(join_handle<T> h, duration limit) {
  return timeout(limit, loop_detail::awaiting(std::move(h)));
}

}  // namespace execbench::rt
