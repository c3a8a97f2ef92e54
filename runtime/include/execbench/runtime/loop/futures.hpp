// The event loop's awaitables over other tasks: gather (every task, the first failure cancels
// the rest) and wait_for (a task with a timeout). Part of the façade
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

namespace execbench::rt {

// Thrown by wait_for when its task did not finish in time (the task was cancelled and awaited).
class timeout_error : public std::runtime_error {
 public:
  timeout_error() : std::runtime_error("operation timed out") {}
};

namespace loop_detail {

// Awaiting this yields the context of the awaiting task (nullptr outside a spawned task).
struct current_context {
  task_context* ctx = nullptr;
  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) noexcept {
    ctx = detail::context_of(h);
    return false;
  }
  task_context* await_resume() const noexcept { return ctx; }
};

template <class T, class CancelAll>
task<void> gather_one(join_handle<T>& h, std::optional<value_or_monostate_t<T>>& out,
                      std::exception_ptr& first_error, const CancelAll& cancel_all) {
  if (first_error) h.cancel();
  try {
    if constexpr (std::is_void_v<T>) {
      co_await h;
      out.emplace();
    } else {
      out.emplace(co_await std::move(h));  // the value moved out: gather hands it on
    }
  } catch (...) {
    if (!first_error) {
      first_error = std::current_exception();
      cancel_all();
    }
  }
}

// Run the steps side by side, as tasks spawned on the awaiting task's scheduler (so that the
// first failure is seen when it happens, not when its turn comes), and await them all.
template <class Steps>
task<void> run_side_by_side(Steps& steps) {
  task_context* self = co_await current_context{};
  if (self == nullptr) {  // not in a spawned task: one after the other
    for (auto& step : steps) co_await std::move(step);
    co_return;
  }
  std::vector<join_handle<void>> watchers;
  watchers.reserve(steps.size());
  for (auto& step : steps) watchers.push_back(spawn(self->sched(), std::move(step)));
  for (auto& w : watchers) co_await w;  // gather_one never throws
}

}  // namespace loop_detail

// Await every handle; their values (std::monostate for void). On the first failure cancel the
// others, await them all, then rethrow it: no child outlives the gather. Cancelling the
// gathering task cancels every child.
template <class... Ts>
task<std::tuple<loop_detail::value_or_monostate_t<Ts>...>> gather(join_handle<Ts>... hs) {
  std::exception_ptr first_error;
  std::tuple<std::optional<loop_detail::value_or_monostate_t<Ts>>...> results;
  const auto cancel_all = [&]() noexcept { (hs.cancel(), ...); };
  auto steps = [&]<std::size_t... I>(std::index_sequence<I...>) {
    auto refs = std::tie(hs...);
    return std::array<task<void>, sizeof...(Ts)>{loop_detail::gather_one(
        std::get<I>(refs), std::get<I>(results), first_error, cancel_all)...};
  }
  (std::index_sequence_for<Ts...>{});
  co_await loop_detail::run_side_by_side(steps);
  if (first_error) std::rethrow_exception(first_error);
  co_return std::apply(
      [](auto&... r) {
        return std::tuple<loop_detail::value_or_monostate_t<Ts>...>(std::move(*r)...);
      },
      results);
}

// Await every handle of a vector; their values in order (nothing for void). Failure as above.
template <class T>
task<std::conditional_t<std::is_void_v<T>, void, std::vector<T>>> gather(
    std::vector<join_handle<T>> hs) {
  std::exception_ptr first_error;
  std::vector<std::optional<loop_detail::value_or_monostate_t<T>>> results(hs.size());
  const auto cancel_all = [&]() noexcept {
    for (auto& h : hs) h.cancel();
  };
  std::vector<task<void>> steps;
  steps.reserve(hs.size());
  for (std::size_t i = 0; i < hs.size(); ++i) {
    steps.push_back(loop_detail::gather_one(hs[i], results[i], first_error, cancel_all));
  }
  co_await loop_detail::run_side_by_side(steps);
  if (first_error) std::rethrow_exception(first_error);
  if constexpr (!std::is_void_v<T>) {
    std::vector<T> values;
    values.reserve(results.size());
    for (auto& r : results) values.push_back(std::move(*r));
    co_return values;
  }
}

// ---- event_loop's members ----

template <class... Ts>
task<std::tuple<loop_detail::value_or_monostate_t<Ts>...>> event_loop::gather(task<Ts>... ts) {
  // Braced initialisation spawns left to right (function arguments have no set order).
  std::tuple<join_handle<Ts>...> handles{create_task(std::move(ts))...};
  co_return co_await std::apply([](auto&... h) { return rt::gather(h...); }, handles);
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
  task_context* self = co_await loop_detail::current_context{};
  if (self != nullptr && self->cancel_requested()) throw cancelled_error{};
  throw timeout_error{};
}

}  // namespace execbench::rt
