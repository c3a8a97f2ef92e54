// loop and loop_offload behind the rt::runtime contract: run, post, sleep, yield, readiness,
// cpu/blocking (inline on loop, on the pool for loop_offload), shutdown, destruction.
#include "execbench/runtime/loop_runtime.hpp"

#include "execbench/runtime/handoff.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "loop_test_support.hpp"

namespace rt = execbench::rt;
using namespace std::chrono_literals;

namespace {

template <class R>
class loop_runtimes : public rt::loop_test::guarded_test {};

using runtimes = ::testing::Types<rt::loop_runtime, rt::loop_offload_runtime>;
TYPED_TEST_SUITE(loop_runtimes, runtimes);

TYPED_TEST(loop_runtimes, names_and_workers) {
  TypeParam r(3);
  if constexpr (std::is_same_v<TypeParam, rt::loop_runtime>) {
    EXPECT_EQ(TypeParam::name, "loop");
    EXPECT_EQ(r.workers(), 1u);
  } else {
    EXPECT_EQ(TypeParam::name, "loop_offload");
    EXPECT_EQ(r.workers(), 3u);
  }
}

template <class R>
rt::task<int> program(R& r) {
  co_await r.sleep(1ms);
  co_await r.yield();
  const auto loop_thread = std::this_thread::get_id();
  std::thread::id cpu_thread;
  int v = co_await r.cpu([&] {
    cpu_thread = std::this_thread::get_id();
    return 40;
  });
  v += co_await r.blocking([] {
    std::this_thread::sleep_for(1ms);
    return 2;
  });
  EXPECT_EQ(std::this_thread::get_id(), loop_thread);
  if constexpr (std::is_same_v<R, rt::loop_runtime>) {
    EXPECT_EQ(cpu_thread, loop_thread);  // inline: it blocks the loop
  } else {
    EXPECT_NE(cpu_thread, loop_thread);  // offloaded to the pool
  }
  co_return v;
}

TYPED_TEST(loop_runtimes, run_returns_the_value_on_the_calling_thread) {
  TypeParam r(2);
  EXPECT_EQ(r.run(program(r)), 42);
  EXPECT_EQ(r.run(program(r)), 42);  // runs again: nothing is started per run
}

TYPED_TEST(loop_runtimes, spawned_tasks_and_exceptions) {
  TypeParam r(2);
  auto child = [](TypeParam& rr, int i) -> rt::task<int> {
    co_await rr.sleep(1ms);
    if (i == 3) throw std::runtime_error("three");
    co_return i;
  };
  auto body = [&](TypeParam& rr) -> rt::task<int> {
    std::vector<rt::join_handle<int>> hs;
    for (int i = 0; i < 5; ++i) hs.push_back(rt::spawn(rr, child(rr, i)));
    int sum = 0;
    for (auto& h : hs) {
      try {
        sum += co_await h;
      } catch (const std::runtime_error&) {
        sum += 100;
      }
    }
    co_return sum;
  };
  EXPECT_EQ(r.run(body(r)), 0 + 1 + 2 + 100 + 4);
}

TYPED_TEST(loop_runtimes, cpu_exceptions_reach_the_awaiter) {
  TypeParam r(1);
  auto body = [](TypeParam& rr) -> rt::task<int> {
    try {
      co_await rr.cpu([]() -> int { throw std::logic_error("cpu"); });
    } catch (const std::logic_error&) {
      co_return 1;
    }
    co_return 0;
  };
  EXPECT_EQ(r.run(body(r)), 1);
}

TYPED_TEST(loop_runtimes, post_from_the_loop_and_from_other_threads) {
  TypeParam r(1);
  auto body = [](TypeParam& rr) -> rt::task<int> {
    int local = 0;
    for (int i = 0; i < 1000; ++i) rr.post([&local] { ++local; });
    rt::handoff done;
    std::atomic<int> remote{0};
    std::thread poster([&] {
      for (int i = 0; i < 1000; ++i) {
        rr.post([&remote, &done] {
          if (remote.fetch_add(1) + 1 == 1000) done.set();
        });
      }
    });
    co_await done.wait();
    poster.join();
    co_return local + remote.load();
  };
  EXPECT_EQ(r.run(body(r)), 2000);
}

TYPED_TEST(loop_runtimes, readiness_on_a_socketpair) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  {
    TypeParam r(1);
    auto body = [](TypeParam& rr, int a, int b) -> rt::task<int> {
      co_await rr.writable(b);
      EXPECT_EQ(::write(b, "x", 1), 1);
      co_await rr.readable(a);
      char c = 0;
      co_return static_cast<int>(::read(a, &c, 1));
    };
    EXPECT_EQ(r.run(body(r, fds[0], fds[1])), 1);
  }
  ::close(fds[0]);
  ::close(fds[1]);
}

TYPED_TEST(loop_runtimes, shutdown_cancels_pending_tasks) {
  TypeParam r(2);
  std::atomic<int> cleanups{0};
  auto sleeper = [](TypeParam& rr, std::atomic<int>& c) -> rt::task<void> {
    rt::loop_test::destruction_counter guard(c);
    co_await rr.sleep(1h);
  };
  for (int i = 0; i < 50; ++i) (void)rt::spawn(r, sleeper(r, cleanups));
  r.run([](TypeParam& rr) -> rt::task<int> {
    co_await rr.sleep(1ms);
    co_return 0;
  }(r));
  r.shutdown();
  EXPECT_EQ(cleanups.load(), 50);
  EXPECT_EQ(r.roots().size(), 0u);
}

TYPED_TEST(loop_runtimes, destruction_with_tasks_waiting_on_cpu_steps) {
  const auto frames = rt::live_frames().load();
  std::atomic<int> destroyed{0};
  {
    TypeParam r(2);
    auto stepper = [](TypeParam& rr, std::atomic<int>& d) -> rt::task<void> {
      rt::loop_test::destruction_counter guard(d);
      int local = 0;
      co_await rr.cpu([&local] {
        std::this_thread::sleep_for(2ms);
        local = 1;  // refers to the frame: the pool must finish before frames go
      });
      co_await rr.sleep(1h);
    };
    for (int i = 0; i < 20; ++i) (void)rt::spawn(r, stepper(r, destroyed));
    r.run([](TypeParam& rr) -> rt::task<int> {
      co_await rr.sleep(1ms);
      co_return 0;
    }(r));
  }
  EXPECT_EQ(destroyed.load(), 20);
  EXPECT_EQ(rt::live_frames().load(), frames);
}

}  // namespace
