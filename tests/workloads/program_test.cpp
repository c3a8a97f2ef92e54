// The step program against all six runtimes: every step kind runs, and the run's results pass
// verify_run (kernel checksums, disk checksums, tcp bytes, lock counters). Under a watchdog.
#include "execbench/workloads/program.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "execbench/runtime/all_runtimes.hpp"
#include "execbench/runtime/spawn.hpp"

namespace wl = execbench::workloads;
namespace rt = execbench::rt;

namespace {

// Aborts the process with a message unless destroyed in time: a lost wake-up fails fast.
class watchdog {
 public:
  explicit watchdog(std::string what, std::chrono::seconds limit = std::chrono::seconds(60))
      : what_(std::move(what)), thread_([this, limit] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
            std::fprintf(stderr, "watchdog: %s still running: aborting\n", what_.c_str());
            std::abort();
          }
        }) {}
  ~watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::string what_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// The simplest runner: every task of the plan spawned at once, then all joined. (Release and
// dependencies are the benchmark runner's business; this checks the step program.)
template <class R>
rt::task<void> run_all(R& r, wl::run_state& state) {
  std::vector<rt::join_handle<void>> handles;
  handles.reserve(state.the_plan().tasks().size());
  for (std::uint32_t i = 0; i < state.the_plan().tasks().size(); ++i)
    handles.push_back(rt::spawn(r, wl::run_task(r, state, i)));
  for (auto& h : handles) co_await h;
}

template <class R>
class step_program : public ::testing::Test {};
using runtime_types = rt::apply_runtimes_t<::testing::Types>;
TYPED_TEST_SUITE(step_program, runtime_types);

constexpr std::size_t workers = 3;

template <class R>
void run_and_verify(const std::string& text, int runs = 2) {
  const auto plan = wl::materialize(wl::parse_workload_text(text, "program.json"));
  wl::workload_fixtures fixtures(plan);
  wl::run_state state(plan, fixtures);
  R r(workers);
  for (int i = 0; i < runs; ++i) {
    state.reset();
    r.run(run_all(r, state));
    const auto check = wl::verify_run(state);
    EXPECT_TRUE(check.ok) << R::name << ": " << check.problem;
  }
}

}  // namespace

TYPED_TEST(step_program, every_step_kind_runs_and_verifies) {
  watchdog wd(std::string(TypeParam::name) + " every_step_kind");
  run_and_verify<TypeParam>(R"({"name": "all", "seed": 3,
    "graph": {"shape": "independent", "tasks": 12},
    "task": [
      {"cpu": "spin", "us": 20}, {"cpu": "compute", "us": 20}, {"cpu": "memory", "us": 20},
      {"cpu": "hash", "us": 20, "p": 0.5, "repeat": 2},
      {"io": "timer", "latency": {"dist": "exponential", "mean_us": 200}},
      {"io": "blocking", "latency_us": 100},
      {"io": "tcp", "request_bytes": 300, "response_bytes": 70000, "server_delay_us": 100, "repeat": 3},
      {"io": "disk", "bytes": 20000, "file_bytes": 1048576},
      {"lock": "a", "hold_us": 50}
    ]})");
}

TYPED_TEST(step_program, locks_exclude_under_contention) {
  watchdog wd(std::string(TypeParam::name) + " locks");
  // Many tasks on two locks, holding them across a wait: a lost update would show.
  run_and_verify<TypeParam>(R"({"name": "locks",
    "graph": {"shape": "independent", "tasks": 60},
    "task": [{"lock": "x", "hold_us": 20, "repeat": 3}, {"lock": "y", "hold_us": 0},
             {"io": "timer", "latency_us": 10}, {"lock": "x", "hold_us": 5}]})",
                            1);
}

TYPED_TEST(step_program, a_corrupted_result_fails_verification) {
  watchdog wd(std::string(TypeParam::name) + " corrupted");
  const auto plan = wl::materialize(wl::parse_workload_text(
      R"({"name": "c", "graph": {"shape": "independent", "tasks": 3},
          "task": [{"cpu": "compute", "us": 10}, {"lock": "l", "hold_us": 1}]})",
      "c.json"));
  wl::workload_fixtures fixtures(plan);
  wl::run_state state(plan, fixtures);
  TypeParam r(workers);
  r.run(run_all(r, state));
  ASSERT_TRUE(wl::verify_run(state).ok) << wl::verify_run(state).problem;
  // A task that reports a wrong checksum, and a lock counter that lost an update.
  state.finish_task(1, state.checksum(1) + 1, 0, 0);
  auto check = wl::verify_run(state);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.problem.find("checksum"), std::string::npos) << check.problem;
  state.reset();
  r.run(run_all(r, state));
  state.lock(0).counter -= 1;
  check = wl::verify_run(state);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.problem.find("lock"), std::string::npos) << check.problem;
  state.reset();
  check = wl::verify_run(state);
  EXPECT_FALSE(check.ok) << "nothing ran";
}

TYPED_TEST(step_program, measured_wait_and_cpu_are_plausible) {
  watchdog wd(std::string(TypeParam::name) + " w/c");
  const auto plan = wl::materialize(wl::parse_workload_text(
      R"({"name": "wc", "graph": {"shape": "independent", "tasks": 4},
          "task": [{"cpu": "spin", "us": 200}, {"io": "timer", "latency_us": 2000}]})",
      "wc.json"));
  wl::workload_fixtures fixtures(plan);
  wl::run_state state(plan, fixtures);
  TypeParam r(workers);
  r.run(run_all(r, state));
  ASSERT_TRUE(wl::verify_run(state).ok);
  for (std::uint32_t i = 0; i < 4; ++i) {
    // Lower bounds only: a sleep never ends early; the kernel's time is at least some of it.
    EXPECT_GE(state.wait_ns(i), 2'000'000u);
    EXPECT_GT(state.cpu_ns(i), 0u);
  }
  EXPECT_GT(state.wait_compute_ratio(), 0.0);
}
