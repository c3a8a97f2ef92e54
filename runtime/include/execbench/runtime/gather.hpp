// gather: asyncio.gather, on every runtime. Await several tasks run side by side and get their
// values in the order given (std::monostate for a void task):
//
//   auto [a, b] = co_await rt::gather(fetch(x), fetch(y));       // tasks: spawned here
//   auto values = co_await rt::gather(std::move(handles));       // a vector of join_handles
//   auto outcomes = co_await rt::gather(rt::return_exceptions, h1, h2);
//
// As asyncio's:
//   - the first exception a task ends with is thrown at the awaiter as soon as it happens; the
//     other tasks are not cancelled and run on (a TaskGroup, task_group.hpp, cancels them);
//   - with rt::return_exceptions, an exception is a result like a value: each task's outcome<T>;
//   - a gathered task that is cancelled (by someone else) counts as one that threw
//     cancelled_error; the gather itself is not cancelled;
//   - cancelling the gathering task cancels every gathered task not yet done; the gather then
//     ends with cancelled_error once they have (the first of them, without return_exceptions).
//
// Tasks given as task<T> are spawned on the awaiting task's runtime, left to right. Handles
// given as lvalues are read as such (their values copied: the handle can be read again);
// handles given as rvalues, and tasks, have their values moved out. Awaited from a task of
// this library only (one spawned on a runtime); any thread-model of runtime.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "execbench/runtime/event.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/spin_lock.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt {

template <class T>
using value_or_monostate_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// How one task ended: its value (std::monostate for void) or its exception. What
// gather(return_exceptions, ...) yields for each task.
template <class T>
class outcome {
 public:
  using value_type = value_or_monostate_t<T>;

  bool has_value() const noexcept { return value_.has_value(); }
  // The exception it ended with; empty when it has a value.
  std::exception_ptr error() const noexcept { return error_; }
  // Whether it ended with cancelled_error.
  bool cancelled() const noexcept { return is_cancellation(error_); }
  // Its value, or its exception rethrown.
  const value_type& value() const& {
    if (error_) std::rethrow_exception(error_);
    return *value_;
  }
  value_type value() && {
    if (error_) std::rethrow_exception(error_);
    return std::move(*value_);
  }

  // For the gather that fills it.
  template <class... U>
  void set_value(U&&... v) {
    value_.emplace(std::forward<U>(v)...);
  }
  void set_error(std::exception_ptr e) noexcept { error_ = std::move(e); }

 private:
  std::optional<value_type> value_;
  std::exception_ptr error_;
};

// gather(return_exceptions, ...): exceptions are results (asyncio's return_exceptions=True).
struct return_exceptions_t {
  explicit constexpr return_exceptions_t() = default;
};
inline constexpr return_exceptions_t return_exceptions{};

namespace detail {

// Awaiting this yields the context of the awaiting task (nullptr outside a spawned task).
struct current_context {
  task_context* ctx = nullptr;
  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) noexcept {
    ctx = context_of(h);
    return false;
  }
  task_context* await_resume() const noexcept { return ctx; }
};

// Thrown where an awaitable that spawns is awaited outside a spawned task.
inline std::logic_error not_in_a_spawned_task(const char* what) {
  return std::logic_error(std::string(what) +
                          " awaited outside a spawned task: spawn the awaiting task on a runtime "
                          "(rt::spawn, or the runtime's run)");
}

// Awaiting this yields the context of the awaiting task, which must be a spawned one: outside a
// spawned task it throws not_in_a_spawned_task(what), `what` naming the awaitable that needs it.
struct spawned_context : current_context {
  explicit spawned_context(const char* what_needs_it) noexcept : what(what_needs_it) {}
  const char* what;
  task_context* await_resume() const {
    if (ctx == nullptr) throw not_in_a_spawned_task(what);
    return ctx;
  }
};

// A handle to gather, and whether its value is moved out (given as an rvalue, or a task).
template <class T, bool Moving>
struct gathered {
  using value_type = T;
  static constexpr bool moving = Moving;
  join_handle<T> handle;
};

// What the gathering task and a slot per gathered task share. It lives until the gather has
// returned and every slot has been told its task's end (it returns at the first exception; the
// other tasks run on).
class gather_state {
 public:
  gather_state(std::size_t count, bool outcomes) noexcept
      : remaining_(count), outcomes_(outcomes) {}
  gather_state(const gather_state&) = delete;
  gather_state& operator=(const gather_state&) = delete;

  // A gathered task has ended (with `error`, or none). Any thread.
  void finished(std::exception_ptr error) noexcept {
    bool wake = false;
    {
      std::lock_guard<spin_lock> lock(lock_);
      if (error && !first_error_) {
        first_error_ = error;
        wake = !outcomes_;
      }
      if (--remaining_ == 0) wake = true;
    }
    if (wake) done.set();
  }
  // After `done`: the first exception, unless exceptions are results.
  std::exception_ptr error_to_throw() const noexcept {
    std::lock_guard<spin_lock> lock(lock_);
    return outcomes_ ? nullptr : first_error_;
  }

  event done;  // every task has ended, or (without return_exceptions) one threw

 private:
  mutable spin_lock lock_;
  std::size_t remaining_;
  std::exception_ptr first_error_;
  bool outcomes_;
};

// One gathered task's place in the gather: told when the task ends (a join_waiter, no task of
// its own), it records the outcome and tells the gather. It keeps the gather's state alive
// while it waits.
template <class T, bool Moving>
class gather_slot final : public kept_waiter<void> {
 public:
  void watch(join_handle<T> h, gather_state* g, std::shared_ptr<void> state) {
    handle_ = std::move(h);
    gather_ = g;
    keep = std::move(state);
    if (!handle_access::state(handle_)->add_waiter(this)) on_done();
  }

  void on_done() noexcept override {
    std::exception_ptr error;
    auto& st = *handle_access::state(handle_);
    try {
      if constexpr (std::is_void_v<T>) {
        st.value();
        result.set_value();
      } else if constexpr (Moving) {
        result.set_value(st.take());
      } else {
        result.set_value(st.value());  // a copy: the caller's handle keeps its value
      }
    } catch (...) {
      error = std::current_exception();
      result.set_error(error);
    }
    auto k = std::move(keep);  // this slot may go with the state once the gather returns
    gather_->finished(error);
  }

  outcome<T> result;

 private:
  join_handle<T> handle_;
  gather_state* gather_ = nullptr;
};

// Waits until the gather is decided. A cancellation of the gathering task is passed on to every
// gathered task (cancel_all), and thrown once the gather has seen them end.
template <class CancelAll>
task<void> await_gathered(gather_state& st, CancelAll cancel_all) {
  bool cancelled = false;
  try {
    co_await st.done.wait();
  } catch (const cancelled_error&) {
    cancelled = true;
  }
  if (cancelled) {
    cancel_all();
    co_await st.done.wait();
    throw cancelled_error{};
  }
  if (auto e = st.error_to_throw()) std::rethrow_exception(e);
}

template <bool Outcomes, class T>
using gathered_result_t = std::conditional_t<Outcomes, outcome<T>, value_or_monostate_t<T>>;

template <bool Outcomes, class... G>
task<std::tuple<gathered_result_t<Outcomes, typename G::value_type>...>> gather_tuple(G... gs) {
  co_await spawned_context{"rt::gather"};
  struct state_type : gather_state {
    using gather_state::gather_state;
    std::tuple<gather_slot<typename G::value_type, G::moving>...> slots;
  };
  auto st = std::make_shared<state_type>(sizeof...(G), Outcomes);
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    auto given = std::tie(gs...);
    (std::get<I>(st->slots).watch(std::get<I>(given).handle, st.get(), st), ...);
  }(std::index_sequence_for<G...>{});
  co_await await_gathered(*st, [&]() noexcept { (gs.handle.cancel(), ...); });
  co_return std::apply(
      [](auto&... slot) {
        if constexpr (Outcomes) {
          return std::tuple<outcome<typename G::value_type>...>(std::move(slot.result)...);
        } else {
          return std::tuple<value_or_monostate_t<typename G::value_type>...>(
              std::move(slot.result).value()...);
        }
      },
      st->slots);
}

template <bool Outcomes, bool Moving, class T>
task<std::vector<gathered_result_t<Outcomes, T>>> gather_vector(std::vector<join_handle<T>> hs) {
  co_await spawned_context{"rt::gather"};
  struct state_type : gather_state {
    state_type(std::size_t n) : gather_state(n, Outcomes), slots(n) {}
    std::vector<gather_slot<T, Moving>> slots;
  };
  auto st = std::make_shared<state_type>(hs.size());
  for (std::size_t i = 0; i < hs.size(); ++i) st->slots[i].watch(hs[i], st.get(), st);
  if (!hs.empty()) {
    co_await await_gathered(*st, [&]() noexcept {
      for (auto& h : hs) h.cancel();
    });
  }
  std::vector<gathered_result_t<Outcomes, T>> results;
  results.reserve(hs.size());
  for (auto& slot : st->slots) {
    if constexpr (Outcomes) {
      results.push_back(std::move(slot.result));
    } else {
      results.push_back(std::move(slot.result).value());
    }
  }
  co_return results;
}

template <class T>
std::vector<join_handle<T>> spawn_all(scheduler& s, std::vector<task<T>> ts) {
  std::vector<join_handle<T>> hs;
  hs.reserve(ts.size());
  for (auto& t : ts) hs.push_back(spawn(s, std::move(t)));
  return hs;
}

template <bool Outcomes, class T>
task<std::vector<gathered_result_t<Outcomes, T>>> gather_tasks(std::vector<task<T>> ts) {
  task_context* self = co_await spawned_context{"rt::gather"};
  co_return co_await gather_vector<Outcomes, true>(spawn_all(self->sched(), std::move(ts)));
}

template <bool Outcomes, class... Ts>
task<std::tuple<gathered_result_t<Outcomes, Ts>...>> gather_tasks(task<Ts>... ts) {
  task_context* self = co_await spawned_context{"rt::gather"};
  // Braced initialisation spawns left to right (function arguments have no set order).
  std::tuple<join_handle<Ts>...> hs{spawn(self->sched(), std::move(ts))...};
  co_return co_await std::apply(
      [](auto&... h) {
        return gather_tuple<Outcomes>(
            gathered<typename std::decay_t<decltype(h)>::value_type, true>{std::move(h)}...);
      },
      hs);
}

template <class H>
struct gathered_of;
template <class T>
struct gathered_of<join_handle<T>&> {
  using type = gathered<T, false>;
};
template <class T>
struct gathered_of<const join_handle<T>&> {
  using type = gathered<T, false>;
};
template <class T>
struct gathered_of<join_handle<T>> {
  using type = gathered<T, true>;
};

template <class H>
using gathered_of_t = typename gathered_of<H>::type;

template <class H>
inline constexpr bool is_join_handle_v = false;
template <class T>
inline constexpr bool is_join_handle_v<join_handle<T>> = true;

}  // namespace detail

// ---- the forms (each returns a task to co_await) ----

// Handles: values in order. An lvalue handle's value is copied, an rvalue's moved out.
template <class... H>
  requires(sizeof...(H) > 0 && (detail::is_join_handle_v<std::remove_cvref_t<H>> && ...))
auto gather(H&&... hs) {
  return detail::gather_tuple<false>(detail::gathered_of_t<H>{hs}...);
}
template <class... H>
  requires(sizeof...(H) > 0 && (detail::is_join_handle_v<std::remove_cvref_t<H>> && ...))
auto gather(return_exceptions_t, H&&... hs) {
  return detail::gather_tuple<true>(detail::gathered_of_t<H>{hs}...);
}

// Tasks: spawned on the awaiting task's runtime, left to right.
template <class... Ts>
  requires(sizeof...(Ts) > 0)
auto gather(task<Ts>... ts) {
  return detail::gather_tasks<false>(std::move(ts)...);
}
template <class... Ts>
  requires(sizeof...(Ts) > 0)
auto gather(return_exceptions_t, task<Ts>... ts) {
  return detail::gather_tasks<true>(std::move(ts)...);
}

// A vector of handles (values copied from an lvalue vector's, moved from an rvalue's) or of
// tasks: a vector of values (std::monostate for void) or, with return_exceptions, of outcomes.
template <class T>
auto gather(const std::vector<join_handle<T>>& hs) {
  return detail::gather_vector<false, false>(hs);
}
template <class T>
auto gather(std::vector<join_handle<T>>&& hs) {
  return detail::gather_vector<false, true>(std::move(hs));
}
template <class T>
auto gather(return_exceptions_t, const std::vector<join_handle<T>>& hs) {
  return detail::gather_vector<true, false>(hs);
}
template <class T>
auto gather(return_exceptions_t, std::vector<join_handle<T>>&& hs) {
  return detail::gather_vector<true, true>(std::move(hs));
}
template <class T>
auto gather(std::vector<task<T>> ts) {
  return detail::gather_tasks<false>(std::move(ts));
}
template <class T>
auto gather(return_exceptions_t, std::vector<task<T>> ts) {
  return detail::gather_tasks<true>(std::move(ts));
}

}  // namespace execbench::rt
