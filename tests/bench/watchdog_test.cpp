#include "execbench/bench/watchdog.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>
#include <gtest/gtest.h>

#include "execbench/bench/run_output.hpp"

namespace execbench::bench {
namespace {

using namespace std::chrono_literals;

// Sets a short stall limit for one test and puts the default back.
class short_stall_limit : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = stall_limit();
    set_stall_limit(300ms);
  }
  void TearDown() override { set_stall_limit(saved_); }

 private:
  std::chrono::nanoseconds saved_{};
};

TEST_F(short_stall_limit, calls_on_stall_once_when_an_iteration_stops_moving) {
  std::atomic<int> calls{0};
  {
    iteration_watchdog watchdog("row");
    watchdog.on_stall([&] { calls.fetch_add(1); });
    watchdog.progress();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!watchdog.stalled() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_TRUE(watchdog.stalled());
    watchdog.progress();  // the cancelled iteration ended: no exit follows
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(short_stall_limit, leaves_a_row_that_keeps_moving_alone) {
  std::atomic<int> calls{0};
  iteration_watchdog watchdog("row");
  watchdog.on_stall([&] { calls.fetch_add(1); });
  const auto end = std::chrono::steady_clock::now() + 1s;
  while (std::chrono::steady_clock::now() < end) {
    watchdog.progress();
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_FALSE(watchdog.stalled());
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(short_stall_limit, ends_the_process_when_cancelling_does_not_help) {
  // Re-executes the test binary for the child instead of forking a process that has threads.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        iteration_watchdog watchdog("primitive/stuck/toy/workers:1");
        watchdog.on_stall([] {});  // cancels nothing: the iteration stays stuck
        std::this_thread::sleep_for(10s);
      },
      ::testing::ExitedWithCode(3), "primitive/stuck/toy/workers:1 made no progress");
}

TEST_F(short_stall_limit, writes_the_finished_rows_before_it_ends_the_process) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // The death test's child runs this body again: the path must not depend on the process.
  const auto path = std::filesystem::path(::testing::TempDir()) / "watchdog_last_resort.json";
  std::filesystem::remove(path);
  EXPECT_EXIT(
      {
        report_keeper keeper(path.string(), "json", nullptr);
        benchmark::BenchmarkReporter::Context context;
        context.name_field_width = 40;  // left unset by Context's constructor
        keeper.ReportContext(context);
        benchmark::BenchmarkReporter::Run finished;
        finished.run_name.function_name = "primitive/finished/toy/workers:1";
        finished.iterations = 1;
        finished.repetitions = 1;
        keeper.ReportRuns({finished});
        iteration_watchdog watchdog("primitive/stuck/toy/workers:1");
        watchdog.on_stall([] {});  // the iteration stays stuck
        std::this_thread::sleep_for(10s);
      },
      ::testing::ExitedWithCode(3), "primitive/stuck/toy/workers:1 made no progress");
  std::ifstream file(path);
  ASSERT_TRUE(file) << "no report at " << path;
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_NE(text.str().find("\"primitive/finished/toy/workers:1\""), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("\"interrupted\": true"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("watchdog: primitive/stuck/toy/workers:1 did not stop"),
            std::string::npos)
      << text.str();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace execbench::bench
