#include "execbench/runtime/thread_per_task_runtime.hpp"

#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "concurrency_probe.hpp"
#include "execbench/testing/watchdog.hpp"

namespace {

using namespace std::chrono_literals;
namespace rt = execbench::rt;

TEST(thread_per_task_runtime, at_most_n_threads_alive_the_rest_queue) {
  execbench::test::watchdog wd("thread_per_task: at most n");
  rt::thread_per_task_runtime r(4);
  EXPECT_EQ(r.workers(), 4u);
  EXPECT_EQ(rt::thread_per_task_runtime::name, "thread_per_task");
  execbench::test::concurrency_probe probe{.bound = 4, .total = 16};
  std::vector<rt::join_handle<void>> handles;
  for (int i = 0; i < 16; ++i) handles.push_back(rt::spawn(r, probe.blocking_visit(r, 30ms)));
  for (auto& h : handles) h.get();
  EXPECT_EQ(probe.finished.load(), 16);
  EXPECT_EQ(probe.most.load(), 4);
}

TEST(thread_per_task_runtime, tasks_in_flight_together_have_their_own_threads) {
  execbench::test::watchdog wd("thread_per_task: own threads");
  rt::thread_per_task_runtime r(8);
  std::mutex m;
  std::set<std::thread::id> ids;
  // Each stays until all eight have arrived (or 10 s pass), so all eight are alive at once and
  // no id can be reused, however late a thread starts on a busy machine.
  auto visit = [](rt::thread_per_task_runtime& rr, std::mutex* mu,
                  std::set<std::thread::id>* out) -> rt::task<void> {
    {
      std::lock_guard<std::mutex> lock(*mu);
      out->insert(std::this_thread::get_id());
    }
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < give_up) {
      {
        std::lock_guard<std::mutex> lock(*mu);
        if (out->size() == 8) break;
      }
      co_await rr.sleep(1ms);
    }
  };
  std::vector<rt::join_handle<void>> handles;
  for (int i = 0; i < 8; ++i) handles.push_back(rt::spawn(r, visit(r, &m, &ids)));
  for (auto& h : handles) h.get();
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
}

}  // namespace
