#include "execbench/runtime/loop_runtime.hpp"

#include <gtest/gtest.h>

namespace rt = execbench::rt;

TEST(loop_runtime, compiles) {
  rt::loop_runtime r(1);
  auto body = [](rt::loop_runtime& rt_) -> rt::task<int> {
    co_await rt_.sleep(std::chrono::milliseconds(1));
    co_await rt_.yield();
    int v = co_await rt_.cpu([] { return 41; });
    co_return v + 1;
  };
  EXPECT_EQ(r.run(body(r)), 42);
}

TEST(loop_offload_runtime, compiles) {
  rt::loop_offload_runtime r(2);
  auto body = [](rt::loop_offload_runtime& rt_) -> rt::task<int> {
    co_await rt_.sleep(std::chrono::milliseconds(1));
    int v = co_await rt_.cpu([] { return 41; });
    co_return v + 1;
  };
  EXPECT_EQ(r.run(body(r)), 42);
}
