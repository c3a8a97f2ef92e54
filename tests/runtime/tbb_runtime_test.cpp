#include "execbench/runtime/tbb_runtime.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iterator>
#include <vector>

#include <gtest/gtest.h>

#include "concurrency_probe.hpp"
#include "execbench/testing/watchdog.hpp"

namespace {

using namespace std::chrono_literals;
namespace rt = execbench::rt;

// TBB's default is one worker per core; the runtime raises it, so that N blocking tasks run
// side by side even on a machine with fewer cores.
TEST(tbb_runtime, n_workers_even_beyond_the_cores) {
  execbench::test::watchdog wd("tbb: n workers");
  rt::tbb_runtime r(6);
  EXPECT_EQ(r.workers(), 6u);
  EXPECT_EQ(rt::tbb_runtime::name, "tbb");
  execbench::test::concurrency_probe probe{.bound = 6, .total = 6};
  std::vector<rt::join_handle<void>> handles;
  for (int i = 0; i < 6; ++i) handles.push_back(rt::spawn(r, probe.blocking_visit(r, 200ms)));
  for (auto& h : handles) h.get();
  EXPECT_EQ(probe.finished.load(), 6);
  EXPECT_EQ(probe.most.load(), 6);
}

// The threads of this process now.
std::size_t process_threads() {
  const std::filesystem::directory_iterator tasks("/proc/self/task");
  return static_cast<std::size_t>(std::distance(begin(tasks), end(tasks)));
}

rt::task<int> answer() { co_return 42; }

// TBB's workers belong to the process, and each keeps the memory of the tasks it once had
// queued until it exits: the last tbb_runtime lets them go, as the other pools join theirs.
// One that ends while another lives leaves the workers to it.
TEST(tbb_runtime, the_last_one_leaves_no_worker_thread_behind) {
  execbench::test::watchdog wd("tbb: workers released");
  const std::size_t before = process_threads();
  {
    rt::tbb_runtime r(3);
    EXPECT_GE(process_threads(), before + 3);  // its workers were started with it
    EXPECT_EQ(rt::spawn(r, answer()).get(), 42);
  }
  EXPECT_EQ(process_threads(), before);
  {
    rt::tbb_runtime first(2);
    { rt::tbb_runtime second(2); }
    EXPECT_GE(process_threads(), before + 2);
    EXPECT_EQ(rt::spawn(first, answer()).get(), 42);  // still served
  }
  EXPECT_EQ(process_threads(), before);
  rt::tbb_runtime again(2);  // and TBB starts afresh
  EXPECT_EQ(rt::spawn(again, answer()).get(), 42);
}

}  // namespace
