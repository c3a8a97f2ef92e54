#include "execbench/runtime/thread_pool_runtime.hpp"

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include "concurrency_probe.hpp"
#include "execbench/testing/watchdog.hpp"

namespace {

using namespace std::chrono_literals;
namespace rt = execbench::rt;

TEST(thread_pool_runtime, at_most_n_tasks_run_at_once) {
  execbench::test::watchdog wd("thread_pool: at most n at once");
  rt::thread_pool_runtime pool(3);
  EXPECT_EQ(pool.workers(), 3u);
  EXPECT_EQ(rt::thread_pool_runtime::name, "thread_pool");
  execbench::test::concurrency_probe probe{.bound = 3, .total = 12};
  std::vector<rt::join_handle<void>> handles;
  for (int i = 0; i < 12; ++i) handles.push_back(rt::spawn(pool, probe.blocking_visit(pool, 30ms)));
  for (auto& h : handles) h.get();
  EXPECT_EQ(probe.finished.load(), 12);
  EXPECT_EQ(probe.most.load(), 3);  // sleeps block the worker: exactly the pool's width
}

}  // namespace
