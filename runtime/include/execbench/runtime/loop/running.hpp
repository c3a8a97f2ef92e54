// The running loop, for code that does not carry it around (asyncio's module-level functions),
// and rt::run (asyncio.run) to start one:
//
//   rt::task<void> fetch() {
//     co_await rt::sleep(100ms);                     // asyncio.sleep
//     auto h = rt::create_task(work());              // asyncio.create_task
//     int n = co_await rt::to_thread(blocking_call); // asyncio.to_thread
//     co_await rt::timeout(1s, more());              // async with asyncio.timeout(1)
//   }
//
// Each works in a task running on an event loop, on that loop (rt::get_running_loop()); called
// elsewhere it throws std::logic_error, as asyncio raises RuntimeError("no running event loop").
// Also event_loop::timeout. Part of the façade execbench/runtime/event_loop.hpp (which includes
// it).
#pragma once

#include <chrono>
#include <source_location>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "execbench/runtime/event_loop.hpp"
#include "execbench/runtime/gather.hpp"

namespace execbench::rt {

// asyncio.run: run `main` on a new event loop until it completes, then cancel whatever tasks it
// left and let them end (shutdown); its value, or its exception.
template <class T>
T run(task<T> main, std::source_location created = std::source_location::current()) {
  event_loop loop;
  auto h = loop.create_task(std::move(main), created);
  try {
    loop.run_until_complete(h);
  } catch (...) {
  }
  loop.shutdown();
  return std::move(h).get();
}

// The event loop running on the calling thread; std::logic_error when none runs here.
inline event_loop& get_running_loop() {
  if (loop_detail::current_loop == nullptr) throw std::logic_error("no running event loop");
  return *loop_detail::current_loop;
}

// asyncio.sleep on the running loop.
template <class Rep, class Period>
auto sleep(std::chrono::duration<Rep, Period> d) {
  return get_running_loop().sleep(d);
}

// asyncio.create_task on the running loop.
template <class T>
join_handle<T> create_task(task<T> t,
                           std::source_location created = std::source_location::current()) {
  return get_running_loop().create_task(std::move(t), created);
}

// asyncio.to_thread: run fn() on the running loop's default executor; the awaiting task resumes
// on the loop with its value or exception.
template <class F>
auto to_thread(F&& fn) {
  return get_running_loop().run_in_executor(std::forward<F>(fn));
}

// async with asyncio.timeout(delay): event_loop::timeout on the running loop.
template <class Rep, class Period, class T>
task<T> timeout(std::chrono::duration<Rep, Period> delay, task<T> t) {
  return get_running_loop().timeout(std::chrono::ceil<event_loop::duration>(delay), std::move(t));
}

// ---- event_loop's member ----

template <class T>
task<T> event_loop::timeout(duration delay, task<T> t) {
  task_context* self = co_await detail::spawned_context{"event_loop::timeout"};
  // The timer and this task run on the loop's thread, and every way out of this frame cancels
  // the timer first: `expired` and `self` are safe to touch from its callback.
  bool expired = false;
  timer_handle timer = call_later(delay, [self, &expired] {
    expired = true;
    self->request_cancel();
  });
  bool cancelled = false;
  std::exception_ptr error;
  std::optional<value_or_monostate_t<T>> value;
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(t);
      value.emplace();
    } else {
      value.emplace(co_await std::move(t));
    }
  } catch (const cancelled_error&) {
    cancelled = true;
  } catch (...) {
    error = std::current_exception();
  }
  timer.cancel();
  if (expired && !cancelled && !error) {
    // The body finished between the deadline and its next await: the request is still there,
    // and it was this timeout's.
    self->take_cancel();
  }
  if (cancelled) {
    if (expired) throw timeout_error{};
    throw cancelled_error{};
  }
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>) co_return std::move(*value);
}

}  // namespace execbench::rt
