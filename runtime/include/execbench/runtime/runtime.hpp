// The runtime contract: what every one of execbench's six runtimes provides, as a concept.
//
// A runtime is a scheduler (it resumes coroutines on its threads and keeps the registry of the
// tasks spawned on it) constructed with a worker count, that can also
//   - post(f): run a callable on one of its threads (from any thread);
//   - run(task): run a task to completion from the calling thread and return its value or rethrow;
//   - sleep(d): an awaitable that resumes the awaiting task no earlier than d later (the async
//     runtimes suspend; the blocking ones block the worker thread, as blocking code does);
//     sleep_until(t): the same, no earlier than steady_clock time t (a step that has read the
//     clock already needs no second read);
//   - yield(): an awaitable that lets other ready work run first;
//   - readable(fd) / writable(fd): an awaitable that resumes once the non-blocking descriptor fd
//     is ready (epoll on the loop, asio's descriptor wait on asio, poll(2) blocking the thread on
//     the blocking runtimes), so that one socket program serves every runtime;
//   - cpu(fn) / blocking(fn): an awaitable that runs fn (a CPU step / a call that blocks its
//     thread) and yields its result or rethrows; inline everywhere except loop_offload, which
//     runs both on its worker pool as asyncio's run_in_executor does;
//   - shutdown(): graceful: cancel every task still pending and wait until they have all ended.
// and that declares what it is, `static constexpr runtime_traits traits` (runtime_traits.hpp):
// its thread model, a fixed thread count, whether it records timer lag (then lag_stats() and
// reset_lag_stats() too), whether a post starts a thread, what a task costs it.
// Spawning is the same for all of them: rt::spawn(runtime, task) (spawn.hpp).
#pragma once

#include <chrono>
#include <concepts>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "execbench/runtime/runtime_traits.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt {

// Something a task can co_await that yields nothing.
template <class A>
concept void_awaitable = requires(A a, std::coroutine_handle<detail::task_promise<void>> h) {
  { a.await_ready() } -> std::convertible_to<bool>;
  a.await_suspend(h);
  a.await_resume();
};

template <class R>
concept runtime = std::derived_from<R, scheduler> && std::constructible_from<R, std::size_t> &&
    requires(R& r, const R& cr, std::chrono::nanoseconds d,
             std::chrono::steady_clock::time_point tp, task<int> t) {
  { R::name } -> std::convertible_to<std::string_view>;
  { R::traits } -> std::convertible_to<runtime_traits>;
  { cr.workers() } -> std::same_as<std::size_t>;
  r.post([]() noexcept {});
  { r.run(std::move(t)) } -> std::same_as<int>;
  { r.sleep(d) } -> void_awaitable;
  { r.sleep_until(tp) } -> void_awaitable;
  { r.yield() } -> void_awaitable;
  { r.readable(0) } -> void_awaitable;
  { r.writable(0) } -> void_awaitable;
  r.cpu([] { return 1; });
  r.blocking([] { return 1; });
  r.shutdown();
} && (!R::traits.records_loop_lag || requires(R& r) {
  { r.lag_stats().p99 } -> std::convertible_to<std::chrono::nanoseconds>;
  r.reset_lag_stats();
}) && (!R::traits.async_file_reads || requires(R& r, void* buffer) {
  { r.read_at(0, buffer, std::size_t{1}, std::uint64_t{0}).await_resume() }
      -> std::convertible_to<std::size_t>;
});

}  // namespace execbench::rt
