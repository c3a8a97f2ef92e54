#include "execbench/runtime/asio_runtime.hpp"

#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "execbench/testing/watchdog.hpp"

namespace {

using namespace std::chrono_literals;
namespace rt = execbench::rt;

TEST(asio_runtime, records_timer_lateness) {
  execbench::test::watchdog wd("asio: timer lateness");
  rt::asio_runtime r(2);
  EXPECT_EQ(r.workers(), 2u);
  EXPECT_EQ(rt::asio_runtime::name, "asio");
  EXPECT_EQ(r.lag_stats().count, 0u);
  auto sleeper = [](rt::asio_runtime& rr) -> rt::task<int> {
    for (int i = 0; i < 50; ++i) co_await rr.sleep(200us);
    co_return 0;
  };
  r.run(sleeper(r));
  const auto lag = r.lag_stats();
  EXPECT_EQ(lag.count, 50u);
  EXPECT_GT(lag.p99.count(), 0);  // a handler never runs exactly at its deadline
  EXPECT_LT(lag.p99, 1s);         // nor a second late on an idle pool
  EXPECT_LE(lag.p50, lag.p99);
  EXPECT_LE(lag.p99, lag.max);
  r.reset_lag_stats();
  EXPECT_EQ(r.lag_stats().count, 0u);
}

TEST(asio_runtime, blocking_steps_share_the_pool_threads) {
  execbench::test::watchdog wd("asio: inline steps");
  rt::asio_runtime r(1);
  auto main = [](rt::asio_runtime& rr) -> rt::task<int> {
    const auto here = std::this_thread::get_id();
    const bool same = co_await rr.blocking([&] { return std::this_thread::get_id() == here; });
    co_return same ? 1 : 0;
  };
  EXPECT_EQ(r.run(main(r)), 1);
}

}  // namespace
