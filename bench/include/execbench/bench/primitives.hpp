// Runtime primitives: the cost floors that workload results are read against. Each body is
// written once, as a template over the runtime, and registered per runtime
// (register_primitives.hpp).
//
// Common shape of a body: the runtime is built before the timed loop (its threads' start-up is
// not what is measured, except in thread_start); each iteration runs one task to completion
// through the runtime's own run(); the task returns a count that the body checks, failing the
// row with SkipWithError on a mismatch; an iteration_watchdog cancels a row that stops moving.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "execbench/bench/measurement.hpp"
#include "execbench/bench/watchdog.hpp"
#include "execbench/runtime/handoff.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/task.hpp"

namespace execbench::bench {

// The sizes of one iteration of each primitive.
namespace primitive_size {
inline constexpr std::size_t spawn_many_tasks = 10'000;
inline constexpr std::size_t posts = 1'000'000;
inline constexpr std::size_t ping_pong_rounds = 1'000;
inline constexpr std::size_t chain_depth = 1'000;
inline constexpr std::size_t yield_tasks = 100;
inline constexpr std::size_t yields_per_task = 1'000;
inline constexpr std::chrono::milliseconds timer_delay{10};
}  // namespace primitive_size

// What a body needs to know about its row.
struct row_info {
  std::string name;     // e.g. primitive/spawn_many/asio/workers:2
  std::size_t workers;  // the runtime's constructor argument
};

namespace detail {

// One row's runtime, watched: a stall cancels every task spawned on it. Destroying the runtime
// is watched too (the watchdog outlives it), so a runtime that cannot stop ends the process
// rather than hanging it.
template <rt::runtime R>
class watched_runtime {
 public:
  explicit watched_runtime(const row_info& row)
      : watchdog_(row.name), runtime_(std::make_unique<R>(row.workers)) {
    watchdog_.on_stall([r = runtime_.get()] { r->roots().cancel_all(); });
  }
  ~watched_runtime() {
    watchdog_.on_stall({});
    runtime_.reset();
  }
  watched_runtime(const watched_runtime&) = delete;
  watched_runtime& operator=(const watched_runtime&) = delete;

  R& get() noexcept { return *runtime_; }
  iteration_watchdog& watchdog() noexcept { return watchdog_; }

 private:
  iteration_watchdog watchdog_;
  std::unique_ptr<R> runtime_;
};

// `work` as a spawned task awaited by run()'s task, so that a stall's cancel_all reaches it
// whatever run() does with its own task.
template <rt::runtime R, class T>
rt::task<T> as_spawned(R& runtime, rt::task<T> work) {
  co_return co_await rt::spawn(runtime, std::move(work));
}

inline std::string stall_message(const row_info& row) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(stall_limit()).count();
  const std::string limit =
      ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
  return row.name + ": an iteration made no progress for " + limit + "; its tasks were cancelled";
}

// Runs `run()` (one whole run on watched's runtime). False, with the row's error reported, when
// it throws: a stall as such, else `context`: what was thrown. A cancellation is caught by name,
// as it is not a std::exception (task_context.hpp).
template <class Watched, class Run>
bool ran_or_reported(benchmark::State& state, Watched& watched, const row_info& row,
                     const std::string& context, Run run) {
  const auto report = [&](const char* what) {
    state.SkipWithError(
        (watched.watchdog().stalled() ? stall_message(row) : context + ": " + what).c_str());
    return false;
  };
  try {
    run();
  } catch (const std::exception& e) {
    return report(e.what());
  } catch (const rt::cancelled_error& e) {
    return report(e.what());
  }
  return true;
}

// How a primitive row warms up on its runtime before it is timed: each row builds its runtime
// anew, and its first iterations pay for what later ones reuse. post_local on loop, for one:
// its first two iterations grow the loop's two callback queues to 1,000,000 entries each and
// take about 30 times as long as the third. So the row runs its iteration untimed
// primitive_warm_up_iterations times, or fewer when that takes over primitive_warm_up_max
// (rows whose iteration takes a second; they grow nothing worth that).
inline constexpr int primitive_warm_up_iterations = 3;
inline constexpr std::chrono::milliseconds primitive_warm_up_max{500};

// Runs the timed loop: each iteration runs make_work() (a task returning the count it saw) to
// completion and checks the count. Before it, untimed, the same iterations warm the runtime up
// (primitive_warm_up_iterations), then warmed_up() forgets what they recorded. False
// when the row failed (the error is already reported).
template <rt::runtime R, class MakeWork, class WarmedUp = void (*)()>
bool timed_loop(benchmark::State& state, const row_info& row, watched_runtime<R>& watched,
                std::size_t expected, const char* what_is_counted, MakeWork make_work,
                WarmedUp warmed_up = [] {}) {
  auto one = [&]() -> bool {
    watched.watchdog().progress();
    std::size_t got = 0;
    if (!ran_or_reported(state, watched, row, row.name, [&] {
          got = watched.get().run(as_spawned(watched.get(), make_work()));
        })) {
      return false;
    }
    if (got != expected) {
      state.SkipWithError((row.name + ": " + std::to_string(got) + " " + what_is_counted +
                           ", expected " + std::to_string(expected))
                              .c_str());
      return false;
    }
    return true;
  };
  const auto warm_until = std::chrono::steady_clock::now() + primitive_warm_up_max;
  for (int i = 0; i < primitive_warm_up_iterations; ++i) {
    if (!one()) {
      end_unstarted(state);
      return false;
    }
    if (std::chrono::steady_clock::now() >= warm_until) break;
  }
  warmed_up();
  for (auto _ : state) {
    if (!one()) return false;
  }
  return true;
}

inline void count_items(benchmark::State& state, std::size_t per_iteration) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(per_iteration));
}

inline rt::task<void> empty_task(std::atomic<std::size_t>& ran) {
  ran.fetch_add(1, std::memory_order_relaxed);
  co_return;
}

// The posted callables' shared tally: the one that brings it to `target` wakes the waiter.
struct post_tally {
  std::atomic<std::size_t> ran{0};
  std::size_t target = primitive_size::posts;
  rt::handoff all_ran;

  void bump() noexcept {
    if (ran.fetch_add(1, std::memory_order_relaxed) + 1 == target) all_ran.set();
  }
};

template <rt::runtime R>
void post_batch(R& runtime, post_tally& tally) {
  for (std::size_t i = 0; i < tally.target; ++i)
    runtime.post([&tally]() noexcept { tally.bump(); });
}

// A thread outside the runtime that posts one batch each time it is asked; started once per
// row, outside the timed region.
template <rt::runtime R>
class remote_poster {
 public:
  remote_poster(R& runtime, post_tally& tally)
      : runtime_(runtime), tally_(tally), thread_([this] { serve(); }) {}
  ~remote_poster() {
    stop_.store(true, std::memory_order_relaxed);
    request_batch();
    thread_.join();
  }
  remote_poster(const remote_poster&) = delete;
  remote_poster& operator=(const remote_poster&) = delete;

  void request_batch() noexcept {
    requests_.fetch_add(1, std::memory_order_release);
    requests_.notify_one();
  }

 private:
  void serve() {
    std::uint64_t served = 0;
    for (;;) {
      requests_.wait(served, std::memory_order_acquire);
      served = requests_.load(std::memory_order_acquire);
      if (stop_.load(std::memory_order_relaxed)) return;
      post_batch(runtime_, tally_);
    }
  }

  R& runtime_;
  post_tally& tally_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

inline rt::task<std::size_t> await_tally(post_tally& tally) {
  co_await tally.all_ran.wait();
  co_return tally.ran.exchange(0, std::memory_order_relaxed);
}

template <rt::runtime R>
rt::task<std::size_t> post_local_once(R& runtime, post_tally& tally) {
  post_batch(runtime, tally);  // from this task, so from one of the runtime's threads
  co_return co_await await_tally(tally);
}

template <rt::runtime R>
rt::task<std::size_t> post_remote_once(remote_poster<R>& poster, post_tally& tally) {
  poster.request_batch();
  co_return co_await await_tally(tally);
}

template <rt::runtime R>
rt::task<std::size_t> spawn_many_once(R& runtime, std::vector<rt::join_handle<void>>& handles,
                                      std::atomic<std::size_t>& ran) {
  for (std::size_t i = 0; i < primitive_size::spawn_many_tasks; ++i) {
    handles.push_back(rt::spawn(runtime, empty_task(ran)));
  }
  for (auto& h : handles) co_await h;
  handles.clear();  // freeing the join states is part of a spawn's cost
  co_return ran.exchange(0, std::memory_order_relaxed);
}

inline rt::task<std::size_t> ping(rt::handoff& ping_sent, rt::handoff& pong_sent, std::size_t rounds) {
  std::size_t done = 0;
  for (std::size_t i = 0; i < rounds; ++i) {
    ping_sent.set();
    co_await pong_sent.wait();
    ++done;
  }
  co_return done;
}

inline rt::task<std::size_t> pong(rt::handoff& ping_sent, rt::handoff& pong_sent, std::size_t rounds) {
  std::size_t done = 0;
  for (std::size_t i = 0; i < rounds; ++i) {
    co_await ping_sent.wait();
    pong_sent.set();
    ++done;
  }
  co_return done;
}

// The two handoffs of ping_pong, owned by the body so that they outlive the tasks even when a
// stalled iteration is cancelled and unwinds before both tasks have ended.
struct ping_pong_events {
  rt::handoff ping_sent;
  rt::handoff pong_sent;
};

template <rt::runtime R>
rt::task<std::size_t> ping_pong_once(R& runtime, ping_pong_events& events) {
  constexpr auto rounds = primitive_size::ping_pong_rounds;
  auto ponger = rt::spawn(runtime, pong(events.ping_sent, events.pong_sent, rounds));
  auto pinger = rt::spawn(runtime, ping(events.ping_sent, events.pong_sent, rounds));
  const std::size_t pings = co_await pinger;
  const std::size_t pongs = co_await ponger;
  co_return pings == pongs ? pings : 0;
}

struct chain_state {
  std::atomic<std::size_t> links{0};
  rt::handoff last_done;
};

// One link: counts itself and spawns the next (detached: nobody joins it); the last one wakes
// the waiter.
template <rt::runtime R>
rt::task<void> chain_link(R& runtime, chain_state& chain, std::size_t remaining) {
  chain.links.fetch_add(1, std::memory_order_relaxed);
  if (remaining == 0) {
    chain.last_done.set();
    co_return;
  }
  [[maybe_unused]] auto detached = rt::spawn(runtime, chain_link(runtime, chain, remaining - 1));
}

template <rt::runtime R>
rt::task<std::size_t> chained_spawn_once(R& runtime, chain_state& chain) {
  [[maybe_unused]] auto detached =
      rt::spawn(runtime, chain_link(runtime, chain, primitive_size::chain_depth - 1));
  co_await chain.last_done.wait();
  co_return chain.links.exchange(0, std::memory_order_relaxed);
}

template <rt::runtime R>
rt::task<std::size_t> yielder(R& runtime, std::size_t yields) {
  std::size_t done = 0;
  for (std::size_t i = 0; i < yields; ++i) {
    co_await runtime.yield();
    ++done;
  }
  co_return done;
}

template <rt::runtime R>
rt::task<std::size_t> yield_many_once(R& runtime,
                                      std::vector<rt::join_handle<std::size_t>>& handles) {
  for (std::size_t i = 0; i < primitive_size::yield_tasks; ++i) {
    handles.push_back(rt::spawn(runtime, yielder(runtime, primitive_size::yields_per_task)));
  }
  std::size_t total = 0;
  for (auto& h : handles) total += co_await h;
  handles.clear();
  co_return total;
}

// One sleeper of the timers primitives; it counts itself only if it slept at least the delay,
// so that a timer firing early shows up as a count mismatch.
template <rt::runtime R>
rt::task<void> sleeper(R& runtime, std::atomic<std::size_t>& slept_enough) {
  const auto start = std::chrono::steady_clock::now();
  co_await runtime.sleep(primitive_size::timer_delay);
  if (std::chrono::steady_clock::now() - start >= primitive_size::timer_delay) {
    slept_enough.fetch_add(1, std::memory_order_relaxed);
  }
}

template <rt::runtime R>
rt::task<std::size_t> timers_once(R& runtime, std::size_t timers,
                                  std::vector<rt::join_handle<void>>& handles,
                                  std::atomic<std::size_t>& slept_enough,
                                  std::chrono::steady_clock::duration& makespan) {
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < timers; ++i) {
    handles.push_back(rt::spawn(runtime, sleeper(runtime, slept_enough)));
  }
  for (auto& h : handles) co_await h;
  makespan += std::chrono::steady_clock::now() - start;
  handles.clear();
  co_return slept_enough.exchange(0, std::memory_order_relaxed);
}

}  // namespace detail

// ---- the bodies, one per primitive ----

// 10,000 empty tasks spawned, then all joined, from one task. Items: tasks.
template <rt::runtime R>
void spawn_many(benchmark::State& state, const row_info& row) {
  std::atomic<std::size_t> ran{0};
  std::vector<rt::join_handle<void>> handles;
  handles.reserve(primitive_size::spawn_many_tasks);
  detail::watched_runtime<R> watched(row);
  if (!detail::timed_loop(state, row, watched, primitive_size::spawn_many_tasks, "tasks ran",
                          [&] { return detail::spawn_many_once(watched.get(), handles, ran); })) {
    return;
  }
  detail::count_items(state, primitive_size::spawn_many_tasks);
}

// 1,000,000 small callables posted by a task on the runtime, each bumping a counter; the
// iteration ends when all have run. Items: posts.
template <rt::runtime R>
void post_local(benchmark::State& state, const row_info& row) {
  detail::post_tally tally;
  detail::watched_runtime<R> watched(row);
  if (!detail::timed_loop(state, row, watched, primitive_size::posts, "posted callables ran",
                          [&] { return detail::post_local_once(watched.get(), tally); })) {
    return;
  }
  detail::count_items(state, primitive_size::posts);
}

// The same 1,000,000 posts, made by a thread that is not the runtime's (started once, before
// the timed loop, and asked for one batch per iteration). Items: posts.
template <rt::runtime R>
void post_remote(benchmark::State& state, const row_info& row) {
  detail::post_tally tally;
  detail::watched_runtime<R> watched(row);
  detail::remote_poster<R> poster(watched.get(), tally);
  if (!detail::timed_loop(state, row, watched, primitive_size::posts, "posted callables ran",
                          [&] { return detail::post_remote_once(poster, tally); })) {
    return;
  }
  detail::count_items(state, primitive_size::posts);
}

// Two tasks hand control to each other through two handoffs, 1,000 rounds. Items: rounds.
template <rt::runtime R>
void ping_pong(benchmark::State& state, const row_info& row) {
  detail::ping_pong_events events;
  detail::watched_runtime<R> watched(row);
  if (!detail::timed_loop(state, row, watched, primitive_size::ping_pong_rounds, "rounds",
                          [&] { return detail::ping_pong_once(watched.get(), events); })) {
    return;
  }
  detail::count_items(state, primitive_size::ping_pong_rounds);
}

// Each task spawns the next, 1,000 deep; the last one ends the iteration. Items: tasks.
template <rt::runtime R>
void chained_spawn(benchmark::State& state, const row_info& row) {
  detail::chain_state chain;
  detail::watched_runtime<R> watched(row);
  if (!detail::timed_loop(state, row, watched, primitive_size::chain_depth, "links ran",
                          [&] { return detail::chained_spawn_once(watched.get(), chain); })) {
    return;
  }
  detail::count_items(state, primitive_size::chain_depth);
}

// 100 tasks each yielding 1,000 times. Items: yields.
template <rt::runtime R>
void yield_many(benchmark::State& state, const row_info& row) {
  constexpr auto yields = primitive_size::yield_tasks * primitive_size::yields_per_task;
  std::vector<rt::join_handle<std::size_t>> handles;
  handles.reserve(primitive_size::yield_tasks);
  detail::watched_runtime<R> watched(row);
  if (!detail::timed_loop(state, row, watched, yields, "yields",
                          [&] { return detail::yield_many_once(watched.get(), handles); })) {
    return;
  }
  detail::count_items(state, yields);
}

// `timers` concurrent 10 ms sleeps, each in its own spawned task, all joined. Items: timers.
// overshoot_ms: mean makespan (first spawn to last join) minus the 10 ms every sleep asked for;
// loop_lag_p99_us, where the runtime records it: how late the timers fired past their deadline.
template <rt::runtime R>
void timers(benchmark::State& state, const row_info& row, std::size_t timers) {
  std::atomic<std::size_t> slept_enough{0};
  std::chrono::steady_clock::duration makespan{};
  std::vector<rt::join_handle<void>> handles;
  handles.reserve(timers);
  detail::watched_runtime<R> watched(row);
  const auto warmed_up = [&] {
    makespan = {};
    if constexpr (R::traits.records_loop_lag) watched.get().reset_lag_stats();
  };
  if (!detail::timed_loop(
          state, row, watched, timers, "sleeps lasted >= 10 ms",
          [&] { return detail::timers_once(watched.get(), timers, handles, slept_enough, makespan); },
          warmed_up)) {
    return;
  }
  detail::count_items(state, timers);
  const double mean_ms = std::chrono::duration<double, std::milli>(makespan).count() /
                         static_cast<double>(state.iterations());
  state.counters["makespan_ms"] = mean_ms;
  state.counters["overshoot_ms"] =
      mean_ms - std::chrono::duration<double, std::milli>(primitive_size::timer_delay).count();
  if constexpr (R::traits.records_loop_lag) {
    // Read while no run() is in progress, as the loop requires.
    state.counters["loop_lag_p99_us"] =
        std::chrono::duration<double, std::micro>(watched.get().lag_stats().p99).count();
  }
}

// Constructing a runtime, running one empty task on it and destroying it: what a runtime with N
// workers costs before it has done anything useful. The empty task is there because some
// runtimes start threads only when work arrives (tbb's arena, thread_per_task) and `loop` runs on
// the caller's thread inside run(): construction alone would measure no thread start for them.
// Items: workers.
template <rt::runtime R>
void thread_start(benchmark::State& state, const row_info& row) {
  iteration_watchdog watchdog(row.name);  // nothing to cancel here: a hang ends the process
  std::atomic<std::size_t> ran{0};
  for (auto _ : state) {
    watchdog.progress();
    try {
      R runtime(row.workers);
      runtime.run(detail::empty_task(ran));
    } catch (const std::exception& e) {
      state.SkipWithError((row.name + ": " + e.what()).c_str());
      return;
    }
  }
  if (ran.load() != static_cast<std::size_t>(state.iterations())) {
    state.SkipWithError((row.name + ": " + std::to_string(ran.load()) + " empty tasks ran, " +
                         "expected one per iteration")
                            .c_str());
    return;
  }
  detail::count_items(state, row.workers);
}

}  // namespace execbench::bench
