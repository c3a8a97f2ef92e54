// The typed runtime suite: the contract every runtime is held to, execbench's own and one
// brought from outside alike (installed with the package, target execbench::testing): values,
// exceptions, cancellation, shutdown, destruction with pending tasks, posts from other threads,
// timers, descriptor readiness, cpu/blocking steps, handoff ping-pong, and that each runtime does
// what its traits declare. Every test is under a watchdog.
//
// Run it against runtimes of your own with GoogleTest:
//   #include <execbench/testing/runtime_suite.hpp>
//   EXECBENCH_RUNTIME_SUITE(mine, ::testing::Types<my_runtime>);
// (suite_params, below, may be specialized for a runtime first.)
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "execbench/runtime/event.hpp"
#include "execbench/runtime/future.hpp"
#include "execbench/runtime/gather.hpp"
#include "execbench/runtime/handoff.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/sync.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_group.hpp"
#include "execbench/runtime/waiting.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/testing/watchdog.hpp"

namespace execbench::runtime_tests {

using namespace std::chrono_literals;
using execbench::rt::cancelled_error;
using execbench::rt::event;
using execbench::rt::handoff;
using execbench::rt::join_handle;
using execbench::rt::spawn;
using execbench::rt::task;
using execbench::test::watchdog;
using clock_type = std::chrono::steady_clock;

// What the suite asks of each runtime, from its declared traits where they say it. Specialize it
// for a runtime that promises less (as tests/runtime/runtime_suite_test.cpp does for tbb).
template <class R>
struct suite_params {
  // Posts from other threads: a thread per post makes a million too slow for a unit test; the
  // lost-wake-up question is the same with fewer.
  static constexpr std::size_t posts = R::traits.thread_per_post ? 8'000 : 1'000'000;
  // Timers of the same duration started one after another, on one worker, wake in that order.
  // True of the loop (one thread, ties broken first-in first-out), of asio with one thread (the
  // deadlines differ by the time between the starts; asio's timer heap does not order equal
  // deadlines), and of the blocking runtimes with one worker (one sleep after the other). Not of
  // tbb: an arena's enqueued tasks are taken from several lanes, in no guaranteed order.
  static constexpr bool timers_in_start_order = true;
};
inline constexpr std::size_t workers = 4;

// A runtime this machine refuses (rt::unavailable_reason: io_uring disabled, say) is skipped,
// with the reason.
template <class R>
class runtime_suite : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = execbench::rt::unavailable_reason<R>(); !why.empty()) {
      GTEST_SKIP() << R::name << ": " << why;
    }
  }
};

TYPED_TEST_SUITE_P(runtime_suite);

// Bumps a counter when destroyed: a task's state, freed exactly once.
struct counted {
  std::atomic<int>* destroyed;
  explicit counted(std::atomic<int>* d) noexcept : destroyed(d) {}
  counted(const counted&) = delete;
  ~counted() { destroyed->fetch_add(1); }
};

template <class R>
task<int> answer(R& rt) {
  co_await rt.yield();
  co_return 42;
}

template <class R>
task<int> failing(R& rt) {
  co_await rt.yield();
  throw std::runtime_error("boom");
}

// Cancels the task of `h` and awaits it: 1 when it ended with cancelled_error, else 0.
template <class T>
task<int> cancel_and_await(join_handle<T>& h) {
  h.cancel();
  try {
    co_await h;
  } catch (const cancelled_error&) {
    co_return 1;
  }
  co_return 0;
}

template <class R>
task<void> wait_until(R& rt, const std::atomic<int>* value, int at_least) {
  while (value->load() < at_least) co_await rt.sleep(1ms);
}

// ---- values and exceptions ----

TYPED_TEST_P(runtime_suite, values_reach_the_awaiter) {
  watchdog wd("values_reach_the_awaiter");
  TypeParam rt(workers);
  EXPECT_EQ(rt.run(answer(rt)), 42);
  auto parent = [](TypeParam& r) -> task<int> {
    auto child = spawn(r, answer(r));
    const int nested = co_await answer(r);
    co_return co_await child + nested;
  };
  EXPECT_EQ(rt.run(parent(rt)), 84);
}

TYPED_TEST_P(runtime_suite, exceptions_reach_the_awaiter) {
  watchdog wd("exceptions_reach_the_awaiter");
  TypeParam rt(workers);
  EXPECT_THROW(rt.run(failing(rt)), std::runtime_error);
  auto parent = [](TypeParam& r) -> task<int> {
    int caught = 0;
    auto child = spawn(r, failing(r));
    try {
      co_await child;
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()) == "boom") ++caught;
    }
    try {
      co_await failing(r);
    } catch (const std::runtime_error&) {
      ++caught;
    }
    co_return caught;
  };
  EXPECT_EQ(rt.run(parent(rt)), 2);
}

TYPED_TEST_P(runtime_suite, live_frames_return_to_start) {
  watchdog wd("live_frames_return_to_start");
  const auto start = execbench::rt::live_frames().load();
  {
    TypeParam rt(workers);
    EXPECT_EQ(rt.run(answer(rt)), 42);
    EXPECT_EQ(execbench::rt::live_frames().load(), start) << "after completion";
    EXPECT_THROW(rt.run(failing(rt)), std::runtime_error);
    EXPECT_EQ(execbench::rt::live_frames().load(), start) << "after an exception";
  }
  // Destroyed while tasks are suspended two awaits deep.
  auto events = std::make_unique<handoff[]>(64);
  std::atomic<int> started{0};
  {
    TypeParam rt(workers);
    auto inner = [](handoff* ev, std::atomic<int>* s) -> task<void> {
      s->fetch_add(1);
      co_await ev->wait();
    };
    auto outer = [inner](handoff* ev, std::atomic<int>* s) -> task<void> { co_await inner(ev, s); };
    auto main = [outer](TypeParam& r, handoff* evs, std::atomic<int>* s) -> task<void> {
      for (int i = 0; i < 64; ++i) static_cast<void>(spawn(r, outer(&evs[i], s)));
      co_await wait_until(r, s, 64);
    };
    rt.run(main(rt, events.get(), &started));
    EXPECT_GT(execbench::rt::live_frames().load(), start);
  }
  EXPECT_EQ(execbench::rt::live_frames().load(), start) << "after destruction with tasks pending";
}

// ---- cancellation and shutdown ----

template <class R>
task<void> long_sleeper(R& rt, std::atomic<int>* started, std::atomic<int>* cleaned) {
  counted cleanup(cleaned);
  started->fetch_add(1);
  co_await rt.sleep(10s);
}

TYPED_TEST_P(runtime_suite, cancelling_a_sleeping_task_runs_its_cleanup_quickly) {
  watchdog wd("cancelling_a_sleeping_task");
  TypeParam rt(workers);
  std::atomic<int> started{0}, cleaned{0};
  auto main = [](TypeParam& r, std::atomic<int>* s, std::atomic<int>* c) -> task<long long> {
    auto sleeper = spawn(r, long_sleeper(r, s, c));
    co_await wait_until(r, s, 1);
    const auto t0 = clock_type::now();
    sleeper.cancel();
    try {
      co_await sleeper;
    } catch (const cancelled_error&) {
      co_return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0)
          .count();
    }
    co_return -1;  // not cancelled
  };
  const long long ms = rt.run(main(rt, &started, &cleaned));
  EXPECT_GE(ms, 0) << "the awaiter did not see cancelled_error";
  EXPECT_LT(ms, 5000);
  EXPECT_EQ(cleaned.load(), 1);
}

TYPED_TEST_P(runtime_suite, cancelling_the_awaiter_cancels_what_it_awaits) {
  watchdog wd("cancelling_the_awaiter");
  TypeParam rt(workers);
  std::atomic<int> started{0}, cleaned{0};
  auto awaiter = [](TypeParam& r, std::atomic<int>* s, std::atomic<int>* c) -> task<void> {
    co_await spawn(r, long_sleeper(r, s, c));
  };
  auto main = [awaiter](TypeParam& r, std::atomic<int>* s, std::atomic<int>* c) -> task<int> {
    auto h = spawn(r, awaiter(r, s, c));
    co_await wait_until(r, s, 1);
    co_return co_await cancel_and_await(h);
  };
  EXPECT_EQ(rt.run(main(rt, &started, &cleaned)), 1);
  // The inner task ends (its cancellation was passed on) before shutdown has to do anything.
  auto cleaned_soon = [](TypeParam& r, std::atomic<int>* c) -> task<void> {
    co_await wait_until(r, c, 1);
  };
  rt.run(cleaned_soon(rt, &cleaned));
  EXPECT_EQ(cleaned.load(), 1);
}

TYPED_TEST_P(runtime_suite, shutdown_cancels_pending_tasks) {
  watchdog wd("shutdown_cancels_pending_tasks");
  TypeParam rt(workers);
  std::atomic<int> started{0}, cleaned{0};
  constexpr int count = 8;  // more than the workers: some are still queued at shutdown
  auto main = [](TypeParam& r, std::atomic<int>* s,
                 std::atomic<int>* c) -> task<std::vector<join_handle<void>>> {
    std::vector<join_handle<void>> handles;
    for (int i = 0; i < count; ++i) handles.push_back(spawn(r, long_sleeper(r, s, c)));
    co_return handles;
  };
  auto handles = rt.run(main(rt, &started, &cleaned));
  const auto t0 = clock_type::now();
  rt.shutdown();
  EXPECT_LT(clock_type::now() - t0, 5s);
  EXPECT_EQ(rt.roots().size(), 0u);
  for (auto& h : handles) {
    ASSERT_TRUE(h.done());
    EXPECT_THROW(h.get(), cancelled_error);
  }
  // Each task that started has run its cleanup; one that had not started never runs its body.
  EXPECT_EQ(cleaned.load(), started.load());
}

// From another thread: the loop runtimes run their loop on the caller's thread, so another
// thread stops them (stop()) and their shutdown follows on the caller's; the others are shut
// down from there directly. Either way run() ends promptly with an exception.
TYPED_TEST_P(runtime_suite, stop_or_shutdown_from_another_thread_returns_promptly) {
  watchdog wd("stop_or_shutdown_from_another_thread");
  TypeParam rt(workers);
  std::atomic<int> started{0}, cleaned{0};
  std::atomic<bool> run_ended_by_exception{false};
  auto main = [](TypeParam& r, std::atomic<int>* s, std::atomic<int>* c) -> task<void> {
    auto a = spawn(r, long_sleeper(r, s, c));
    auto b = spawn(r, long_sleeper(r, s, c));
    co_await a;
    co_await b;
  };
  const auto t0 = clock_type::now();
  std::thread runner([&] {
    try {
      rt.run(main(rt, &started, &cleaned));
    } catch (const std::exception&) {  // the loops' stop(): the task did not complete
      run_ended_by_exception = true;
    } catch (const cancelled_error&) {  // the others' shutdown: the task was cancelled
      run_ended_by_exception = true;
    }
  });
  while (started.load() < 2) std::this_thread::sleep_for(1ms);
  const auto t1 = clock_type::now();
  if constexpr (requires { rt.stop(); }) {
    rt.stop();
  } else {
    rt.shutdown();
  }
  EXPECT_LT(clock_type::now() - t1, 5s);
  runner.join();
  EXPECT_LT(clock_type::now() - t0, 8s);
  EXPECT_TRUE(run_ended_by_exception.load());
  rt.shutdown();  // for the loop runtimes: their pending tasks end here
  EXPECT_EQ(cleaned.load(), 2);
}

// A task pending on a handoff nobody sets, which counts its own destruction: joinable, or
// detached (its first parameter is the runtime it runs on, as spawn_detached requires).
inline task<void> joinable_pending(handoff* ev, std::atomic<int>* started,
                                   std::atomic<int>* destroyed) {
  counted state(destroyed);
  started->fetch_add(1);
  co_await ev->wait();
}

template <class R>
execbench::rt::detached detached_pending(R& /*rt*/, handoff* ev, std::atomic<int>* started,
                                         std::atomic<int>* destroyed) {
  counted state(destroyed);
  started->fetch_add(1);
  co_await ev->wait();
}

TYPED_TEST_P(runtime_suite, destruction_with_10000_pending_tasks_frees_each_once) {
  watchdog wd("destruction_with_10000_pending_tasks", 60s);
  constexpr int count = 10'000;
  constexpr int detached = 1'000;  // of them, started with spawn_detached
  const auto frames_before = execbench::rt::live_frames().load();
  // The pending point: a handoff nobody sets (one per task: a handoff has one waiter at a time).
  // The tasks suspend there, so no runtime holds 10,000 blocked threads.
  auto events = std::make_unique<handoff[]>(count);
  std::atomic<int> started{0}, destroyed{0};
  {
    TypeParam rt(workers);
    auto main = [](TypeParam& r, handoff* evs, std::atomic<int>* s,
                   std::atomic<int>* d) -> task<void> {
      for (int i = 0; i < count - detached; ++i)
        static_cast<void>(spawn(r, joinable_pending(&evs[i], s, d)));
      for (int i = count - detached; i < count; ++i)
        execbench::rt::spawn_detached(detached_pending(r, &evs[i], s, d));
      co_await wait_until(r, s, count);
    };
    rt.run(main(rt, events.get(), &started, &destroyed));
    // (main itself may still be leaving the registry: its handle reports done just before)
    EXPECT_GE(rt.roots().size(), static_cast<std::size_t>(count));
    EXPECT_EQ(destroyed.load(), 0);
  }
  EXPECT_EQ(destroyed.load(), count);
  EXPECT_EQ(execbench::rt::live_frames().load(), frames_before);
}

// ---- detached tasks ----

// A detached worker: it yields, counts itself, and the last one sets `all`.
template <class R>
execbench::rt::detached detached_counter(R& rt, std::atomic<int>* ran, int count, handoff* all) {
  co_await rt.yield();
  if (ran->fetch_add(1) + 1 == count) all->set();
}

template <class R>
execbench::rt::detached detached_sleeper(R& rt, std::atomic<int>* started,
                                         std::atomic<int>* cleaned) {
  co_await long_sleeper(rt, started, cleaned);  // cancellation ends it quietly
}

TYPED_TEST_P(runtime_suite, detached_tasks_run_once_each_and_leave_the_registry) {
  watchdog wd("detached_tasks_run_once_each", 60s);
  constexpr int count = 2'000;
  const auto frames_before = execbench::rt::live_frames().load();
  std::atomic<int> ran{0};
  handoff all;
  {
    TypeParam rt(workers);
    auto main = [](TypeParam& r, std::atomic<int>* n, handoff* done) -> task<void> {
      for (int i = 0; i < count; ++i)
        execbench::rt::spawn_detached(detached_counter(r, n, count, done));
      co_await done->wait();
    };
    rt.run(main(rt, &ran, &all));
    EXPECT_EQ(ran.load(), count);
    // The last ones may still be leaving on a worker: their frames go by shutdown's end.
    rt.shutdown();
    EXPECT_EQ(rt.roots().size(), 0u);
  }
  EXPECT_EQ(ran.load(), count);
  EXPECT_EQ(execbench::rt::live_frames().load(), frames_before);
}

// Started eagerly: it marks that it began, waits, then marks its end and signals.
template <class R>
execbench::rt::detached eager_child(R& /*rt*/, std::atomic<int>* step, handoff* go, handoff* done) {
  step->store(1);
  co_await go->wait();
  step->store(2);
  done->set();
}

// spawn_detached_eager, called from a task on the runtime: the new task runs up to its first
// wait inside the call, then the runtime resumes it as usual; it ends once and leaves the
// registry.
TYPED_TEST_P(runtime_suite, an_eager_detached_task_runs_to_its_first_wait_inside_the_call) {
  watchdog wd("an_eager_detached_task");
  const auto frames_before = execbench::rt::live_frames().load();
  std::atomic<int> step{0};
  {
    TypeParam rt(workers);
    handoff go, done;
    auto main = [](TypeParam& r, std::atomic<int>* st, handoff* g, handoff* d) -> task<int> {
      execbench::rt::spawn_detached_eager(eager_child(r, st, g, d));
      const int seen = st->load();  // 1 if it ran inside the call
      g->set();
      co_await d->wait();
      co_return seen;
    };
    EXPECT_EQ(rt.run(main(rt, &step, &go, &done)), 1);
    rt.shutdown();
    EXPECT_EQ(rt.roots().size(), 0u);
  }
  EXPECT_EQ(step.load(), 2);
  EXPECT_EQ(execbench::rt::live_frames().load(), frames_before);
}

TYPED_TEST_P(runtime_suite, shutdown_cancels_detached_tasks_quietly) {
  watchdog wd("shutdown_cancels_detached_tasks");
  TypeParam rt(workers);
  std::atomic<int> started{0}, cleaned{0};
  constexpr int count = 8;
  auto main = [](TypeParam& r, std::atomic<int>* s, std::atomic<int>* c) -> task<void> {
    for (int i = 0; i < count; ++i) execbench::rt::spawn_detached(detached_sleeper(r, s, c));
    co_await wait_until(r, s, 1);
  };
  rt.run(main(rt, &started, &cleaned));
  const auto t0 = clock_type::now();
  rt.shutdown();  // cancelled_error escaping a detached task is its normal end, not terminate
  EXPECT_LT(clock_type::now() - t0, 5s);
  EXPECT_EQ(rt.roots().size(), 0u);
  EXPECT_EQ(cleaned.load(), count);
}

// ---- posts from other threads ----

TYPED_TEST_P(runtime_suite, posts_from_four_threads_all_run) {
  watchdog wd("posts_from_four_threads_all_run", 60s);
  TypeParam rt(workers);
  constexpr int threads = 4;
  const std::size_t per_thread = suite_params<TypeParam>::posts / threads;
  const int total = static_cast<int>(per_thread * threads);
  std::atomic<int> ran{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < threads; ++t) {
    posters.emplace_back([&] {
      for (std::size_t i = 0; i < per_thread; ++i) {
        rt.post([&ran]() noexcept { ran.fetch_add(1, std::memory_order_relaxed); });
        // Let the workers run dry now and then: a lost wake-up shows up as a post never run.
        if (i % 4096 == 0) std::this_thread::sleep_for(50us);
      }
    });
  }
  rt.run(wait_until(rt, &ran, total));
  for (auto& p : posters) p.join();
  EXPECT_EQ(ran.load(), total);
}

// ---- timers ----

TYPED_TEST_P(runtime_suite, timers_never_fire_early) {
  watchdog wd("timers_never_fire_early");
  TypeParam rt(workers);
  constexpr int count = 40;
  std::atomic<int> early{0}, done{0};
  auto timed = [](TypeParam& r, std::chrono::microseconds d, std::atomic<int>* e,
                  std::atomic<int>* n) -> task<void> {
    const auto t0 = clock_type::now();
    co_await r.sleep(d);
    if (clock_type::now() - t0 < d) e->fetch_add(1);
    n->fetch_add(1);
  };
  auto main = [timed](TypeParam& r, std::atomic<int>* e, std::atomic<int>* n) -> task<void> {
    for (int i = 0; i < count; ++i) {
      static_cast<void>(spawn(r, timed(r, std::chrono::microseconds(2000 + 500 * (i % 5)), e, n)));
    }
    co_await wait_until(r, n, count);
  };
  rt.run(main(rt, &early, &done));
  EXPECT_EQ(early.load(), 0);
}

TYPED_TEST_P(runtime_suite, sleep_until_never_resumes_before_its_time_and_a_past_time_resumes) {
  watchdog wd("sleep_until_never_resumes_before_its_time_and_a_past_time_resumes");
  TypeParam rt(workers);
  auto main = [](TypeParam& r) -> task<int> {
    int early = 0;
    for (int i = 0; i < 20; ++i) {
      const auto until = clock_type::now() + std::chrono::microseconds(1000 + 250 * (i % 4));
      co_await r.sleep_until(until);
      if (clock_type::now() < until) ++early;
    }
    // A time already past resumes (at once or in the next round), never hangs.
    co_await r.sleep_until(clock_type::now() - std::chrono::seconds(1));
    co_await r.sleep_until(clock_type::time_point{});
    co_return early;
  };
  EXPECT_EQ(rt.run(main(rt)), 0);
}

TYPED_TEST_P(runtime_suite, same_duration_timers_wake_in_start_order_on_one_worker) {
  if constexpr (!suite_params<TypeParam>::timers_in_start_order) {
    GTEST_SKIP() << TypeParam::name << ": no order is promised (see suite_params)";
  } else {
    watchdog wd("timers_in_start_order");
    TypeParam rt(1);
    constexpr int count = 20;
    std::mutex m;
    std::vector<int> order;
    auto timed = [](TypeParam& r, int i, std::mutex* mu, std::vector<int>* out) -> task<void> {
      co_await r.sleep(5ms);
      std::lock_guard<std::mutex> lock(*mu);
      out->push_back(i);
    };
    auto main = [timed](TypeParam& r, std::mutex* mu, std::vector<int>* out) -> task<void> {
      std::vector<join_handle<void>> hs;
      for (int i = 0; i < count; ++i) hs.push_back(spawn(r, timed(r, i, mu, out)));
      for (auto& h : hs) co_await h;
    };
    rt.run(main(rt, &m, &order));
    ASSERT_EQ(order.size(), static_cast<std::size_t>(count));
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  }
}

// ---- descriptor readiness ----

struct socket_pair {
  int fd[2] = {-1, -1};
  socket_pair() {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd) != 0) {
      throw std::runtime_error("socketpair failed");
    }
  }
  ~socket_pair() {
    ::close(fd[0]);
    ::close(fd[1]);
  }
};

TYPED_TEST_P(runtime_suite, readable_and_writable_on_a_socketpair) {
  watchdog wd("readable_and_writable");
  TypeParam rt(workers);
  socket_pair sp;
  auto reader = [](TypeParam& r, int fd) -> task<std::string> {
    co_await r.readable(fd);
    char buf[16] = {};
    const auto n = ::read(fd, buf, sizeof buf);
    co_return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  };
  auto writer = [](TypeParam& r, int fd) -> task<void> {
    co_await r.sleep(20ms);  // the reader is waiting by then
    co_await r.writable(fd);
    if (::write(fd, "ping", 4) != 4) throw std::runtime_error("write failed");
  };
  auto main = [reader, writer](TypeParam& r, int a, int b) -> task<std::string> {
    auto rd = spawn(r, reader(r, a));
    auto wr = spawn(r, writer(r, b));
    co_await wr;
    co_return co_await rd;
  };
  EXPECT_EQ(rt.run(main(rt, sp.fd[0], sp.fd[1])), "ping");
}

TYPED_TEST_P(runtime_suite, a_descriptor_wait_is_cancellable) {
  watchdog wd("descriptor_wait_cancellable");
  TypeParam rt(workers);
  socket_pair sp;
  std::atomic<int> started{0};
  auto reader = [](TypeParam& r, int fd, std::atomic<int>* s) -> task<void> {
    s->fetch_add(1);
    co_await r.readable(fd);  // nothing is ever written
  };
  auto main = [reader](TypeParam& r, int fd, std::atomic<int>* s) -> task<int> {
    auto h = spawn(r, reader(r, fd, s));
    co_await wait_until(r, s, 1);
    co_await r.sleep(5ms);  // most likely inside the wait by now
    co_return co_await cancel_and_await(h);
  };
  EXPECT_EQ(rt.run(main(rt, sp.fd[0], &started)), 1);
}

// ---- cpu and blocking steps ----

// ---- what each runtime declares of itself (runtime_traits.hpp) holds ----

TYPED_TEST_P(runtime_suite, a_fixed_thread_count_is_kept_whatever_is_asked) {
  watchdog wd("a_fixed_thread_count_is_kept_whatever_is_asked");
  constexpr std::size_t fixed = TypeParam::traits.fixed_workers;
  TypeParam rt(3);
  EXPECT_EQ(rt.workers(), fixed != 0 ? fixed : 3);
}

TYPED_TEST_P(runtime_suite, cpu_steps_leave_the_awaiting_thread_only_when_it_offloads) {
  watchdog wd("cpu_steps_leave_the_awaiting_thread_only_when_it_offloads");
  TypeParam rt(2);
  auto body = [](TypeParam& r) -> task<int> {
    const auto awaiting = std::this_thread::get_id();
    const auto cpu_on = co_await r.cpu([] { return std::this_thread::get_id(); });
    const auto blocking_on = co_await r.blocking([] { return std::this_thread::get_id(); });
    co_return (cpu_on != awaiting ? 1 : 0) + (blocking_on != awaiting ? 2 : 0);
  };
  EXPECT_EQ(rt.run(body(rt)), execbench::rt::offloads<TypeParam> ? 3 : 0);
}

TYPED_TEST_P(runtime_suite, sleeps_hold_a_thread_only_when_its_waits_block) {
  watchdog wd("sleeps_hold_a_thread_only_when_its_waits_block");
  // Eight 50 ms sleeps at once on one worker: one after another (400 ms or more) where a wait
  // holds the thread, together (about 50 ms) where it suspends the task.
  TypeParam rt(1);
  auto body = [](TypeParam& r) -> task<void> {
    std::vector<join_handle<void>> sleeping;
    for (int i = 0; i < 8; ++i) {
      sleeping.push_back(spawn(r, [](TypeParam& rr) -> task<void> {
        co_await rr.sleep(50ms);
      }(r)));
    }
    for (auto& s : sleeping) co_await s;
  };
  const auto t0 = clock_type::now();
  rt.run(body(rt));
  const auto took = clock_type::now() - t0;
  if constexpr (execbench::rt::waits_block_thread<TypeParam>) {
    EXPECT_GE(took, 400ms);
  } else {
    EXPECT_LT(took, 300ms);
  }
}

TYPED_TEST_P(runtime_suite, cpu_and_blocking_return_values_and_exceptions) {
  watchdog wd("cpu_and_blocking");
  TypeParam rt(workers);
  auto main = [](TypeParam& r) -> task<int> {
    int sum = co_await r.cpu([] { return 20; });
    sum += co_await r.blocking([] {
      std::this_thread::sleep_for(1ms);
      return 22;
    });
    try {
      co_await r.cpu([]() -> int { throw std::logic_error("cpu"); });
    } catch (const std::logic_error&) {
      sum += 100;
    }
    try {
      co_await r.blocking([]() -> int { throw std::logic_error("blocking"); });
    } catch (const std::logic_error&) {
      sum += 1000;
    }
    co_return sum;
  };
  EXPECT_EQ(rt.run(main(rt)), 1142);
}

// ---- handoffs ----

TYPED_TEST_P(runtime_suite, ping_pong_through_handoffs) {
  watchdog wd("ping_pong_through_handoffs");
  TypeParam rt(workers);
  constexpr int rounds = 1000;
  handoff ping, pong;
  auto pinger = [](handoff* out, handoff* in) -> task<int> {
    int n = 0;
    for (int i = 0; i < rounds; ++i) {
      out->set();
      co_await in->wait();
      ++n;
    }
    co_return n;
  };
  auto ponger = [](handoff* in, handoff* out) -> task<int> {
    int n = 0;
    for (int i = 0; i < rounds; ++i) {
      co_await in->wait();
      ++n;
      out->set();
    }
    co_return n;
  };
  auto main = [pinger, ponger](TypeParam& r, handoff* a, handoff* b) -> task<int> {
    auto p = spawn(r, ponger(a, b));
    auto q = spawn(r, pinger(a, b));
    co_return co_await p + co_await q;
  };
  EXPECT_EQ(rt.run(main(rt, &ping, &pong)), 2 * rounds);
}

// ---- results ----

// As asyncio's Task.result(): a finished task's value is there each time it is read through its
// handle (awaited as an lvalue, or get() after it finished), and so is its exception; awaiting
// the handle as an rvalue moves the value out.
TYPED_TEST_P(runtime_suite, a_result_is_read_any_number_of_times_and_moved_out_on_request) {
  watchdog wd("a_result_is_read_any_number_of_times_and_moved_out_on_request");
  TypeParam rt(workers);
  auto make = []() -> task<std::string> { co_return std::string(100, 'x'); };
  auto fail = []() -> task<std::string> {
    throw std::runtime_error("no value");
    co_return std::string();
  };
  auto main = [make, fail](TypeParam& r) -> task<std::string> {
    auto h = spawn(r, make());
    const std::string& read = co_await h;
    const std::size_t first = read.size();
    const std::string& read_again = co_await h;
    const std::size_t again = read_again.size();
    const std::size_t by_get = h.get().size();  // finished: get() does not wait
    std::string moved = co_await std::move(h);
    auto failing = spawn(r, fail());
    int thrown = 0;
    for (int i = 0; i < 2; ++i) {
      try {
        co_await failing;
      } catch (const std::runtime_error&) {
        ++thrown;
      }
    }
    co_return std::to_string(first) + " " + std::to_string(again) + " " +
        std::to_string(by_get) + " " + std::to_string(moved.size()) + " " +
        std::to_string(thrown);
  };
  EXPECT_EQ(rt.run(main(rt)), "100 100 100 100 2");
}

// A cancellation is not an error: a catch written for std::exception lets it through, as
// asyncio's `except Exception` lets CancelledError through.
TYPED_TEST_P(runtime_suite, a_catch_of_std_exception_does_not_swallow_a_cancellation) {
  watchdog wd("a_catch_of_std_exception_does_not_swallow_a_cancellation");
  TypeParam rt(workers);
  std::atomic<bool> swallowed{false};
  auto sleeper = [](TypeParam& r, std::atomic<bool>* s) -> task<void> {
    try {
      co_await r.sleep(1h);
    } catch (const std::exception&) {
      s->store(true);
    }
  };
  auto main = [sleeper](TypeParam& r, std::atomic<bool>* s) -> task<int> {
    auto h = spawn(r, sleeper(r, s));
    co_await r.sleep(5ms);
    h.cancel();
    try {
      co_await h;
    } catch (const cancelled_error&) {
      co_return 1;
    }
    co_return 0;
  };
  EXPECT_EQ(rt.run(main(rt, &swallowed)), 1);
  EXPECT_FALSE(swallowed.load());
}

// As asyncio's: a cancellation, once thrown, is spent. The task that catches it may go on
// awaiting (a cleanup that sleeps, say) without seeing it again; a later cancel() cancels it
// again.
TYPED_TEST_P(runtime_suite, a_caught_cancellation_is_spent_and_a_later_one_cancels_again) {
  watchdog wd("a_caught_cancellation_is_spent_and_a_later_one_cancels_again");
  TypeParam rt(workers);
  std::atomic<int> stage{0};
  auto sleeper = [](TypeParam& r, std::atomic<int>* st) -> task<int> {
    int caught = 0;
    st->store(1);
    try {
      co_await r.sleep(1h);
    } catch (const cancelled_error&) {
      caught += 10;
    }
    co_await r.sleep(1ms);  // a cleanup that awaits: the spent cancellation does not end it
    co_await r.yield();
    st->store(2);
    try {
      co_await r.sleep(1h);
    } catch (const cancelled_error&) {
      caught += 1;
    }
    co_return caught;
  };
  auto main = [sleeper](TypeParam& r, std::atomic<int>* st) -> task<int> {
    auto h = spawn(r, sleeper(r, st));
    co_await wait_until(r, st, 1);
    h.cancel();
    co_await wait_until(r, st, 2);
    h.cancel();
    co_return co_await h;
  };
  EXPECT_EQ(rt.run(main(rt, &stage)), 11);
}

// As asyncio's: the cancellation of a task that awaits another is passed on to it, and the
// awaited task's outcome is the answer. Here it catches the cancellation and returns a value,
// which the awaiting task gets; the request is spent, so that task goes on awaiting.
TYPED_TEST_P(runtime_suite, a_passed_on_cancellation_the_awaited_task_absorbs_is_spent) {
  watchdog wd("a_passed_on_cancellation_the_awaited_task_absorbs_is_spent");
  TypeParam rt(workers);
  std::atomic<int> started{0};
  auto inner = [](TypeParam& r, std::atomic<int>* s) -> task<int> {
    s->store(1);
    try {
      co_await r.sleep(1h);
    } catch (const cancelled_error&) {
      co_return 5;
    }
    co_return 0;
  };
  auto outer = [inner](TypeParam& r, std::atomic<int>* s) -> task<int> {
    const int v = co_await spawn(r, inner(r, s));
    co_await r.sleep(1ms);
    co_return v * 10;
  };
  auto main = [outer](TypeParam& r, std::atomic<int>* s) -> task<int> {
    auto h = spawn(r, outer(r, s));
    co_await wait_until(r, s, 1);
    h.cancel();
    co_return co_await h;
  };
  EXPECT_EQ(rt.run(main(rt, &started)), 50);
}

// ---- asyncio's Event ----

// A task that waits on an event, then counts itself.
inline task<void> counted_wait(event* e, std::atomic<int>* woken) {
  co_await e->wait();
  woken->fetch_add(1);
}

TYPED_TEST_P(runtime_suite, an_event_wakes_every_waiter_and_stays_set_until_cleared) {
  watchdog wd("an_event_wakes_every_waiter_and_stays_set_until_cleared");
  TypeParam rt(workers);
  event ev;
  std::atomic<int> woken{0};
  // Each figure the task returns is a count of woken waiters at one moment: before set() (none),
  // after clear() with a new waiter (the three set() woke), at the end (all four).
  auto main = [](TypeParam& r, event* e, std::atomic<int>* n) -> task<int> {
    std::vector<join_handle<void>> waiting;
    for (int i = 0; i < 3; ++i) waiting.push_back(spawn(r, counted_wait(e, n)));
    co_await r.sleep(20ms);
    const int before_set = n->load();
    e->set();
    for (auto& w : waiting) co_await w;
    co_await e->wait();  // still set: passes at once
    e->clear();
    auto late = spawn(r, counted_wait(e, n));
    co_await r.sleep(20ms);
    const int after_clear = n->load();
    e->set();
    co_await late;
    co_return before_set * 100 + after_clear * 10 + n->load();
  };
  EXPECT_EQ(rt.run(main(rt, &ev, &woken)), 0 * 100 + 3 * 10 + 4);
  EXPECT_TRUE(ev.is_set());
}

TYPED_TEST_P(runtime_suite, a_cancelled_event_waiter_leaves_the_others_waiting) {
  watchdog wd("a_cancelled_event_waiter_leaves_the_others_waiting");
  TypeParam rt(workers);
  event ev;
  std::atomic<int> woken{0};
  auto main = [](TypeParam& r, event* e, std::atomic<int>* n) -> task<int> {
    auto first = spawn(r, counted_wait(e, n));
    auto second = spawn(r, counted_wait(e, n));
    auto third = spawn(r, counted_wait(e, n));
    co_await r.sleep(20ms);
    second.cancel();
    int cancelled = 0;
    try {
      co_await second;
    } catch (const cancelled_error&) {
      cancelled = 1;
    }
    const int before_set = n->load();
    e->set();
    co_await first;
    co_await third;
    co_return cancelled * 100 + before_set * 10 + n->load();
  };
  EXPECT_EQ(rt.run(main(rt, &ev, &woken)), 1 * 100 + 0 * 10 + 2);
}

TYPED_TEST_P(runtime_suite, an_event_set_from_another_thread_wakes_its_waiters) {
  watchdog wd("an_event_set_from_another_thread_wakes_its_waiters");
  TypeParam rt(workers);
  event ev;
  std::atomic<int> woken{0};
  std::thread setter([&ev] {
    std::this_thread::sleep_for(20ms);
    ev.set();
  });
  auto main = [](TypeParam& r, event* e, std::atomic<int>* n) -> task<int> {
    auto a = spawn(r, counted_wait(e, n));
    auto b = spawn(r, counted_wait(e, n));
    co_await a;
    co_await b;
    co_return n->load();
  };
  EXPECT_EQ(rt.run(main(rt, &ev, &woken)), 2);
  setter.join();
}

// A value that comes once `e` is set.
inline task<int> when_set(event* e, int v) {
  co_await e->wait();
  co_return v;
}

// As asyncio's: any number of tasks may await one task; each is resumed with its result.
TYPED_TEST_P(runtime_suite, several_tasks_awaiting_one_task_all_get_its_result) {
  watchdog wd("several_tasks_awaiting_one_task_all_get_its_result");
  TypeParam rt(workers);
  event go;
  auto reader = [](join_handle<int> h) -> task<int> { co_return co_await h; };
  auto main = [reader](TypeParam& r, event* e) -> task<int> {
    auto awaited = spawn(r, when_set(e, 7));
    std::vector<join_handle<int>> readers;
    for (int i = 0; i < 5; ++i) readers.push_back(spawn(r, reader(awaited)));
    co_await r.sleep(20ms);  // most readers are waiting by now (the rest find it done)
    e->set();
    int sum = 0;
    for (auto& h : readers) sum += co_await h;
    co_return sum;
  };
  EXPECT_EQ(rt.run(main(rt, &go)), 35);
}

// ---- gather (asyncio.gather) ----

TYPED_TEST_P(runtime_suite, gather_yields_values_in_order_from_tasks_handles_and_vectors) {
  watchdog wd("gather_yields_values_in_order_from_tasks_handles_and_vectors");
  TypeParam rt(workers);
  auto main = [](TypeParam& r) -> task<int> {
    auto nothing = [](TypeParam& r2) -> task<void> { co_await r2.yield(); };
    auto slow = [](TypeParam& r2, int v) -> task<int> {
      co_await r2.sleep(5ms);
      co_return v;
    };
    auto [a, b, none] = co_await rt::gather(slow(r, 1), answer(r), nothing(r));
    static_assert(std::is_same_v<decltype(none), std::monostate>);
    // Handles given as lvalues keep their values: readable again afterwards.
    auto h1 = spawn(r, slow(r, 2));
    auto h2 = spawn(r, answer(r));
    auto [c, d] = co_await rt::gather(h1, h2);
    const int again = co_await h1;
    std::vector<task<int>> ts;
    for (int i = 0; i < 10; ++i) ts.push_back(slow(r, i));
    const std::vector<int> values = co_await rt::gather(std::move(ts));
    int sum = 0;
    for (int v : values) sum += v;
    co_return a * 10000 + b * 100 + c * 1000 + d + again * 100000 + sum * 1000000;
  };
  EXPECT_EQ(rt.run(main(rt)), 45 * 1000000 + 2 * 100000 + 1 * 10000 + 2 * 1000 + 42 * 100 + 42);
}

// The first exception reaches the awaiter while the other task still waits (on an event set
// only afterwards), and that task is not cancelled: it finishes with its value.
TYPED_TEST_P(runtime_suite, gather_throws_the_first_exception_at_once_and_lets_the_others_run) {
  watchdog wd("gather_throws_the_first_exception_at_once_and_lets_the_others_run");
  TypeParam rt(workers);
  event later;
  auto main = [](TypeParam& r, event* e) -> task<int> {
    auto waiting = spawn(r, when_set(e, 7));
    auto fails = spawn(r, failing(r));
    int caught = 0;
    try {
      co_await rt::gather(waiting, fails);
    } catch (const std::runtime_error&) {
      caught = 1;
    }
    const bool finished_before = waiting.done();
    e->set();
    co_return caught * 100 + (finished_before ? 50 : 0) + co_await waiting;
  };
  EXPECT_EQ(rt.run(main(rt, &later)), 107);
}

TYPED_TEST_P(runtime_suite, gather_with_return_exceptions_yields_every_outcome) {
  watchdog wd("gather_with_return_exceptions_yields_every_outcome");
  TypeParam rt(workers);
  std::atomic<int> started{0}, cleaned{0};
  auto main = [](TypeParam& r, std::atomic<int>* s, std::atomic<int>* c) -> task<int> {
    auto sleeper = spawn(r, long_sleeper(r, s, c));
    co_await wait_until(r, s, 1);
    sleeper.cancel();
    auto [ok, bad, cancelled] =
        co_await rt::gather(rt::return_exceptions, spawn(r, answer(r)), spawn(r, failing(r)),
                            std::move(sleeper));
    int seen = ok.has_value() && ok.value() == 42 ? 1 : 0;
    if (!bad.has_value() && !bad.cancelled()) {
      try {
        (void)bad.value();
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()) == "boom") seen += 10;
      }
    }
    if (!cancelled.has_value() && cancelled.cancelled()) seen += 100;
    // The vector form: outcomes in order.
    std::vector<join_handle<int>> hs{spawn(r, failing(r)), spawn(r, answer(r))};
    const auto outcomes = co_await rt::gather(rt::return_exceptions, hs);
    if (outcomes.size() == 2 && !outcomes[0].has_value() && outcomes[1].value() == 42) seen += 1000;
    co_return seen;
  };
  EXPECT_EQ(rt.run(main(rt, &started, &cleaned)), 1111);
}

TYPED_TEST_P(runtime_suite, cancelling_a_gather_cancels_every_gathered_task) {
  watchdog wd("cancelling_a_gather_cancels_every_gathered_task");
  TypeParam rt(workers);
  std::atomic<int> started{0}, cleaned{0};
  auto gatherer = [](TypeParam& r, std::atomic<int>* s, std::atomic<int>* c) -> task<void> {
    co_await rt::gather(long_sleeper(r, s, c), long_sleeper(r, s, c));
  };
  auto main = [gatherer](TypeParam& r, std::atomic<int>* s, std::atomic<int>* c) -> task<int> {
    auto g = spawn(r, gatherer(r, s, c));
    co_await wait_until(r, s, 2);
    co_return co_await cancel_and_await(g);
  };
  EXPECT_EQ(rt.run(main(rt, &started, &cleaned)), 1);
  auto cleaned_soon = [](TypeParam& r, std::atomic<int>* c) -> task<void> {
    co_await wait_until(r, c, 2);
  };
  rt.run(cleaned_soon(rt, &cleaned));
  EXPECT_EQ(cleaned.load(), 2);
}

// ---- task groups (asyncio.TaskGroup) ----

TYPED_TEST_P(runtime_suite, a_task_group_ends_after_every_member_and_yields_the_body_value) {
  watchdog wd("a_task_group_ends_after_every_member_and_yields_the_body_value");
  TypeParam rt(workers);
  std::atomic<int> ended{0};
  auto member = [](TypeParam& r, std::atomic<int>* n, int ms) -> task<void> {
    co_await r.sleep(std::chrono::milliseconds(ms));
    n->fetch_add(1);
  };
  auto main = [member](TypeParam& r, std::atomic<int>* n) -> task<int> {
    const int body = co_await rt::with_task_group([&](rt::task_group& tg) -> task<int> {
      tg.create_task(member(r, n, 20));
      tg.create_task(member(r, n, 1));
      auto h = tg.create_task(answer(r));
      co_return co_await h;  // a member may be awaited in the body
    });
    co_return body * 10 + n->load();  // every member has ended by now
  };
  EXPECT_EQ(rt.run(main(rt, &ended)), 422);
}

// The first failure cancels the other members and the body; every failure comes out together
// in an exception_group, and the group takes no new member meanwhile.
TYPED_TEST_P(runtime_suite, a_failing_member_cancels_the_others_and_the_body) {
  watchdog wd("a_failing_member_cancels_the_others_and_the_body");
  TypeParam rt(workers);
  std::atomic<int> started{0}, cleaned{0};
  auto main = [](TypeParam& r, std::atomic<int>* s, std::atomic<int>* c) -> task<int> {
    int seen = 0;
    try {
      co_await rt::with_task_group([&](rt::task_group& tg) -> task<void> {
        tg.create_task(long_sleeper(r, s, c));
        tg.create_task(long_sleeper(r, s, c));
        co_await wait_until(r, s, 2);
        tg.create_task(failing(r));
        try {
          co_await r.sleep(1h);
        } catch (const cancelled_error&) {
          seen += 1;  // the body was cancelled
          try {
            tg.create_task(answer(r));
          } catch (const std::runtime_error&) {
            seen += 10;  // shutting down: no new member
          }
          throw;
        }
      });
    } catch (const rt::exception_group& g) {
      if (g.exceptions().size() == 1) seen += 100;
      try {
        std::rethrow_exception(g.exceptions().front());
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()) == "boom") seen += 1000;
      }
    }
    co_return seen;
  };
  EXPECT_EQ(rt.run(main(rt, &started, &cleaned)), 1111);
  EXPECT_EQ(cleaned.load(), 2);  // both sleepers were cancelled and had ended before the throw
}

TYPED_TEST_P(runtime_suite, cancelling_a_task_group_from_outside_cancels_its_members) {
  watchdog wd("cancelling_a_task_group_from_outside_cancels_its_members");
  TypeParam rt(workers);
  std::atomic<int> started{0}, cleaned{0};
  auto grouped = [](TypeParam& r, std::atomic<int>* s, std::atomic<int>* c) -> task<void> {
    co_await rt::with_task_group([&](rt::task_group& tg) -> task<void> {
      tg.create_task(long_sleeper(r, s, c));
      tg.create_task(long_sleeper(r, s, c));
      co_return;
    });
  };
  auto main = [grouped](TypeParam& r, std::atomic<int>* s, std::atomic<int>* c) -> task<int> {
    auto g = spawn(r, grouped(r, s, c));
    co_await wait_until(r, s, 2);
    const int cancelled = co_await cancel_and_await(g);
    co_return cancelled * 10 + c->load();
  };
  EXPECT_EQ(rt.run(main(rt, &started, &cleaned)), 12);
}

// ---- exceptions nobody retrieved ----

inline std::atomic<int> unretrieved_reports{0};
inline void count_unretrieved(const std::exception_ptr&) noexcept { unretrieved_reports += 1; }

// As asyncio's "Task exception was never retrieved": a task that failed and whose handles are
// all gone without anyone reading its exception is reported, once; one whose exception was
// read, and one that was cancelled, are not.
TYPED_TEST_P(runtime_suite, an_exception_nobody_retrieved_is_reported_once) {
  watchdog wd("an_exception_nobody_retrieved_is_reported_once");
  unretrieved_reports = 0;
  const auto previous = rt::set_unretrieved_exception_handler(&count_unretrieved);
  {
    TypeParam rt(workers);
    std::atomic<int> started{0}, cleaned{0};
    auto main = [](TypeParam& r, std::atomic<int>* s, std::atomic<int>* c) -> task<int> {
      {
        auto read = spawn(r, failing(r));
        try {
          co_await read;
        } catch (const std::runtime_error&) {
        }
        auto cancelled = spawn(r, long_sleeper(r, s, c));
        co_await wait_until(r, s, 1);
        cancelled.cancel();
        (void)co_await cancel_and_await(cancelled);
        spawn(r, failing(r));  // nobody keeps it
      }
      // Reported when the failed task's last reference goes, on whichever thread that is.
      while (unretrieved_reports.load() < 1) co_await r.sleep(1ms);
      co_await r.sleep(20ms);  // time for a wrong second report
      co_return unretrieved_reports.load();
    };
    EXPECT_EQ(rt.run(main(rt, &started, &cleaned)), 1);
  }
  EXPECT_EQ(unretrieved_reports.load(), 1);
  rt::set_unretrieved_exception_handler(previous);
}

// ---- Lock, Semaphore, Condition, Queue ----

// Records how many tasks are inside at once, and the most there ever were.
struct occupancy {
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  void enter() {
    const int now = inside.fetch_add(1) + 1;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
  }
  void leave() { inside.fetch_sub(1); }
};

TYPED_TEST_P(runtime_suite, a_lock_admits_one_holder_and_a_semaphore_its_permits) {
  watchdog wd("a_lock_admits_one_holder_and_a_semaphore_its_permits");
  TypeParam rt(workers);
  rt::lock mutex;
  rt::semaphore permits(2);
  occupancy in_lock, in_sem;
  auto locked = [](TypeParam& r, rt::lock* l, occupancy* o) -> task<void> {
    auto held = co_await l->scoped();
    o->enter();
    co_await r.sleep(1ms);
    o->leave();
  };
  auto permitted = [](TypeParam& r, rt::semaphore* s, occupancy* o) -> task<void> {
    co_await s->acquire();
    o->enter();
    co_await r.sleep(2ms);
    o->leave();
    s->release();
  };
  auto main = [&](TypeParam& r) -> task<int> {
    std::vector<join_handle<void>> hs;
    for (int i = 0; i < 8; ++i) hs.push_back(spawn(r, locked(r, &mutex, &in_lock)));
    for (int i = 0; i < 8; ++i) hs.push_back(spawn(r, permitted(r, &permits, &in_sem)));
    co_await rt::gather(std::move(hs));
    // At most one holder of the lock, at most two of the permits (how many overlapped is the
    // threads' timing: at least one).
    co_return in_lock.most.load() * 10 + std::min(in_sem.most.load(), 3);
  };
  const int most = rt.run(main(rt));
  EXPECT_EQ(most / 10, 1);
  EXPECT_GE(most % 10, 1);
  EXPECT_LE(most % 10, 2);
  // Two permits are two holders at once, and a third waits.
  EXPECT_TRUE(permits.try_acquire());
  EXPECT_TRUE(permits.try_acquire());
  EXPECT_FALSE(permits.try_acquire());
  EXPECT_TRUE(permits.locked());
  permits.release();
  permits.release();
  EXPECT_FALSE(mutex.locked());
  EXPECT_THROW(mutex.release(), std::logic_error);  // released while not held
  rt::semaphore bounded(1, true);
  EXPECT_THROW(bounded.release(), std::logic_error);
}

// Waiters are served in arrival order, and one cancelled while it waits leaves the queue.
TYPED_TEST_P(runtime_suite, lock_waiters_are_served_in_order_and_a_cancelled_one_leaves) {
  watchdog wd("lock_waiters_are_served_in_order_and_a_cancelled_one_leaves");
  TypeParam rt(workers);
  rt::lock mutex;
  std::mutex order_lock;
  std::string order;
  auto waiter = [&](TypeParam&, char name) -> task<void> {
    co_await mutex.acquire();
    {
      std::lock_guard<std::mutex> g(order_lock);
      order += name;
    }
    mutex.release();
  };
  auto queued = [&](TypeParam& r, std::size_t n) -> task<void> {
    while (mutex.waiting() < n) co_await r.sleep(1ms);
  };
  auto main = [&](TypeParam& r) -> task<int> {
    co_await mutex.acquire();
    // Each waiter is queued before the next starts.
    auto a = spawn(r, waiter(r, 'a'));
    co_await queued(r, 1);
    auto b = spawn(r, waiter(r, 'b'));
    co_await queued(r, 2);
    auto c = spawn(r, waiter(r, 'c'));
    co_await queued(r, 3);
    const int cancelled = co_await cancel_and_await(b);
    mutex.release();
    co_await a;
    co_await c;
    co_return cancelled;
  };
  EXPECT_EQ(rt.run(main(rt)), 1);
  EXPECT_EQ(order, "ac");
}

TYPED_TEST_P(runtime_suite, a_condition_wakes_its_waiters_with_the_lock_held) {
  watchdog wd("a_condition_wakes_its_waiters_with_the_lock_held");
  TypeParam rt(workers);
  rt::lock mutex;
  rt::condition ready(mutex);
  int value = 0;  // guarded by mutex
  std::atomic<int> waiting{0};
  auto waiter = [&](TypeParam&) -> task<int> {
    auto held = co_await mutex.scoped();
    waiting.fetch_add(1);
    co_await ready.wait_for([&] { return value > 0; });
    co_return value + (mutex.locked() ? 100 : 0);
  };
  auto main = [&](TypeParam& r) -> task<int> {
    auto w1 = spawn(r, waiter(r));
    auto w2 = spawn(r, waiter(r));
    co_await wait_until(r, &waiting, 2);
    {
      auto held = co_await mutex.scoped();
      value = 7;
      ready.notify_all();
    }
    co_return co_await w1 + co_await w2;
  };
  EXPECT_EQ(rt.run(main(rt)), 214);
  EXPECT_FALSE(mutex.locked());
}

// A bounded queue between a producer and two consumers: every item arrives once, in order per
// consumer, the producer waits while it is full, and join() returns once all are done.
TYPED_TEST_P(runtime_suite, a_bounded_queue_carries_every_item_once_and_join_waits_for_them) {
  watchdog wd("a_bounded_queue_carries_every_item_once_and_join_waits_for_them");
  TypeParam rt(workers);
  rt::queue<int> q(2);
  constexpr int items = 200;
  auto producer = [](rt::queue<int>* qu) -> task<void> {
    for (int i = 1; i <= items; ++i) co_await qu->put(i);
  };
  auto consumer = [](TypeParam& r, rt::queue<int>* qu) -> task<long> {
    long sum = 0;
    int last = 0;
    for (;;) {
      const int v = co_await qu->get();
      if (v == 0) break;  // the end
      if (v <= last) sum -= 1000000;  // out of order
      last = v;
      sum += v;
      if (v % 50 == 0) co_await r.yield();
      qu->task_done();
    }
    qu->task_done();
    co_return sum;
  };
  auto main = [&](TypeParam& r) -> task<long> {
    auto c1 = spawn(r, consumer(r, &q));
    auto c2 = spawn(r, consumer(r, &q));
    co_await producer(&q);
    co_await q.join();  // every item got and marked done
    const bool drained = q.empty();
    co_await q.put(0);
    co_await q.put(0);
    const long total = co_await c1 + co_await c2;
    co_return drained ? total : -1;
  };
  EXPECT_EQ(rt.run(main(rt)), static_cast<long>(items) * (items + 1) / 2);
  rt::queue<int> small(1);
  small.put_nowait(1);
  EXPECT_THROW(small.put_nowait(2), rt::queue_full);
  EXPECT_EQ(small.get_nowait(), 1);
  EXPECT_THROW((void)small.get_nowait(), rt::queue_empty);
}

// ---- Future, as_completed, wait, shield ----

TYPED_TEST_P(runtime_suite, a_future_set_from_another_thread_wakes_its_awaiters_and_callbacks) {
  watchdog wd("a_future_set_from_another_thread_wakes_its_awaiters_and_callbacks");
  TypeParam rt(workers);
  rt::future<int> f;
  std::atomic<int> called{0};
  f.add_done_callback([&called](const rt::future<int>& done) { called += done.result(); });
  EXPECT_THROW((void)f.result(), std::logic_error);  // not set yet
  auto reader = [](rt::future<int> fu) -> task<int> { co_return co_await fu; };
  auto main = [reader](TypeParam& r, rt::future<int> fu) -> task<int> {
    auto a = spawn(r, reader(fu));
    auto b = spawn(r, reader(fu));
    std::thread setter([fu]() mutable {
      std::this_thread::sleep_for(10ms);
      fu.set_result(21);
    });
    const int sum = co_await a + co_await b;
    setter.join();
    co_return sum;
  };
  EXPECT_EQ(rt.run(main(rt, f)), 42);
  EXPECT_EQ(called.load(), 21);
  EXPECT_THROW(f.set_result(1), std::logic_error);  // set twice
  EXPECT_FALSE(f.cancel());
  f.add_done_callback([&called](const rt::future<int>&) { called += 100; });  // runs at once
  EXPECT_EQ(called.load(), 121);
  rt::future<void> g;
  EXPECT_TRUE(g.cancel());
  EXPECT_TRUE(g.cancelled());
  auto awaits_cancelled = [](rt::future<void> fu) -> task<int> {
    try {
      co_await fu;
    } catch (const cancelled_error&) {
      co_return 1;
    }
    co_return 0;
  };
  EXPECT_EQ(rt.run(awaits_cancelled(g)), 1);
}

// Tasks come out of as_completed in the order they end (here: the order their events are set).
TYPED_TEST_P(runtime_suite, as_completed_gives_tasks_in_the_order_they_end) {
  watchdog wd("as_completed_gives_tasks_in_the_order_they_end");
  TypeParam rt(workers);
  event e1, e2, e3;
  auto main = [](TypeParam& r, event* a, event* b, event* c) -> task<int> {
    // (push_back: GCC 12 cannot compile a braced list of handles in a coroutine)
    std::vector<join_handle<int>> hs;
    hs.push_back(spawn(r, when_set(a, 1)));
    hs.push_back(spawn(r, when_set(b, 2)));
    hs.push_back(spawn(r, when_set(c, 3)));
    auto ends = rt::as_completed(hs);
    int order = 0;
    c->set();
    order = order * 10 + co_await co_await ends.next();
    a->set();
    order = order * 10 + co_await co_await ends.next();
    b->set();
    order = order * 10 + co_await co_await ends.next();
    co_return order;
  };
  EXPECT_EQ(rt.run(main(rt, &e1, &e2, &e3)), 312);
}

// Each wait is written "done/pending" (and "caught" when the first exception came out).
TYPED_TEST_P(runtime_suite, wait_returns_when_asked_with_the_done_and_the_pending) {
  watchdog wd("wait_returns_when_asked_with_the_done_and_the_pending");
  TypeParam rt(workers);
  event never, later;
  auto counts = [](const rt::wait_result<int>& w) {
    return std::to_string(w.done.size()) + "/" + std::to_string(w.pending.size());
  };
  auto main = [counts](TypeParam& r, event* n, event* l) -> task<std::string> {
    std::vector<join_handle<int>> hs;  // (push_back: see as_completed's test)
    hs.push_back(spawn(r, when_set(n, 1)));
    hs.push_back(spawn(r, answer(r)));
    hs.push_back(spawn(r, when_set(l, 3)));
    std::string seen = counts(co_await rt::wait(hs, rt::return_when::first_completed));
    std::vector<join_handle<int>> hs2;
    hs2.push_back(spawn(r, when_set(n, 1)));
    hs2.push_back(spawn(r, failing(r)));
    auto failed = co_await rt::wait(hs2, rt::return_when::first_exception);
    seen += " " + counts(failed);
    try {
      (void)co_await failed.done.front();
    } catch (const std::runtime_error&) {
      seen += " caught";
    }
    l->set();
    std::vector<join_handle<int>> last_two;
    last_two.push_back(hs[1]);
    last_two.push_back(hs[2]);
    seen += " " + counts(co_await rt::wait(std::move(last_two)));
    n->set();
    co_await hs[0];
    co_await hs2[0];
    co_return seen;
  };
  EXPECT_EQ(rt.run(main(rt, &never, &later)), "1/2 1/1 caught 2/0");
}

// The awaiting task is cancelled; the shielded task is not, and its value can be had later.
TYPED_TEST_P(runtime_suite, shield_keeps_a_cancellation_from_the_task_it_awaits) {
  watchdog wd("shield_keeps_a_cancellation_from_the_task_it_awaits");
  TypeParam rt(workers);
  event go;
  auto shielded = [](join_handle<int> h) -> task<int> { co_return co_await rt::shield(h); };
  auto main = [shielded](TypeParam& r, event* e) -> task<int> {
    auto inner = spawn(r, when_set(e, 9));
    auto outer = spawn(r, shielded(inner));
    co_await r.sleep(10ms);
    const int cancelled = co_await cancel_and_await(outer);
    const bool inner_running = !inner.done();
    e->set();
    co_return cancelled * 100 + (inner_running ? 10 : 0) + co_await inner;
  };
  EXPECT_EQ(rt.run(main(rt, &go)), 119);
}

REGISTER_TYPED_TEST_SUITE_P(runtime_suite,
                            values_reach_the_awaiter,
                            exceptions_reach_the_awaiter,
                            live_frames_return_to_start,
                            cancelling_a_sleeping_task_runs_its_cleanup_quickly,
                            cancelling_the_awaiter_cancels_what_it_awaits,
                            shutdown_cancels_pending_tasks,
                            stop_or_shutdown_from_another_thread_returns_promptly,
                            destruction_with_10000_pending_tasks_frees_each_once,
                            detached_tasks_run_once_each_and_leave_the_registry,
                            an_eager_detached_task_runs_to_its_first_wait_inside_the_call,
                            shutdown_cancels_detached_tasks_quietly,
                            posts_from_four_threads_all_run,
                            timers_never_fire_early,
                            sleep_until_never_resumes_before_its_time_and_a_past_time_resumes,
                            same_duration_timers_wake_in_start_order_on_one_worker,
                            readable_and_writable_on_a_socketpair,
                            a_descriptor_wait_is_cancellable,
                            a_fixed_thread_count_is_kept_whatever_is_asked,
                            cpu_steps_leave_the_awaiting_thread_only_when_it_offloads,
                            sleeps_hold_a_thread_only_when_its_waits_block,
                            cpu_and_blocking_return_values_and_exceptions,
                            ping_pong_through_handoffs,
                            a_result_is_read_any_number_of_times_and_moved_out_on_request,
                            a_catch_of_std_exception_does_not_swallow_a_cancellation,
                            a_caught_cancellation_is_spent_and_a_later_one_cancels_again,
                            a_passed_on_cancellation_the_awaited_task_absorbs_is_spent,
                            an_event_wakes_every_waiter_and_stays_set_until_cleared,
                            a_cancelled_event_waiter_leaves_the_others_waiting,
                            an_event_set_from_another_thread_wakes_its_waiters,
                            several_tasks_awaiting_one_task_all_get_its_result,
                            gather_yields_values_in_order_from_tasks_handles_and_vectors,
                            gather_throws_the_first_exception_at_once_and_lets_the_others_run,
                            gather_with_return_exceptions_yields_every_outcome,
                            cancelling_a_gather_cancels_every_gathered_task,
                            a_task_group_ends_after_every_member_and_yields_the_body_value,
                            a_failing_member_cancels_the_others_and_the_body,
                            cancelling_a_task_group_from_outside_cancels_its_members,
                            an_exception_nobody_retrieved_is_reported_once,
                            a_lock_admits_one_holder_and_a_semaphore_its_permits,
                            lock_waiters_are_served_in_order_and_a_cancelled_one_leaves,
                            a_condition_wakes_its_waiters_with_the_lock_held,
                            a_bounded_queue_carries_every_item_once_and_join_waits_for_them,
                            a_future_set_from_another_thread_wakes_its_awaiters_and_callbacks,
                            as_completed_gives_tasks_in_the_order_they_end,
                            wait_returns_when_asked_with_the_done_and_the_pending,
                            shield_keeps_a_cancellation_from_the_task_it_awaits);

}  // namespace execbench::runtime_tests
// Runs the suite against the runtimes of a ::testing::Types<...> list, its tests named
// Prefix/runtime_suite/<index>.<test>. GoogleTest's instantiation must be in the suite's own
// namespace, which this opens.
#define EXECBENCH_RUNTIME_SUITE(Prefix, ...)                                  \
  namespace execbench::runtime_tests {                                        \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, runtime_suite, __VA_ARGS__);         \
  }                                                                           \
  static_assert(true, "a semicolon after EXECBENCH_RUNTIME_SUITE(...) is fine")
