#include "execbench/runtime/tbb_runtime.hpp"

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include "concurrency_probe.hpp"
#include "watchdog.hpp"

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
  execbench::test::concurrency_probe probe;
  std::vector<rt::join_handle<void>> handles;
  for (int i = 0; i < 6; ++i) handles.push_back(rt::spawn(r, probe.blocking_visit(r, 200ms)));
  for (auto& h : handles) h.get();
  EXPECT_EQ(probe.finished.load(), 6);
  EXPECT_EQ(probe.most.load(), 6);
}

}  // namespace
