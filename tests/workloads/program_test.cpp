// The step program against all six runtimes: every step kind runs, and the run's results pass
// verify_run (kernel checksums, disk checksums, tcp bytes, lock counters). Under a watchdog.
#include "execbench/workloads/program.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <system_error>
#include <vector>

#include "execbench/runtime/all_runtimes.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/workloads/ideal.hpp"
#include "execbench/workloads/kernels.hpp"
#include "execbench/workloads/presets.hpp"
#include "execbench/workloads/runner.hpp"
#include "execbench/testing/watchdog.hpp"

namespace wl = execbench::workloads;
namespace rt = execbench::rt;


namespace {

// Whole programs, under the sanitizers too: twice the watchdog's default before a test counts as
// hung.
constexpr std::chrono::seconds program_limit{60};
using execbench::test::watchdog;

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

// These tests check what runs and verifies, never how long a step takes, so they give calibrate()
// speeds of a typical machine (spin, compute, memory, hash; ns per iteration) instead of
// measuring them: measuring fills the memory kernel's buffer (twice the last-level cache), most
// of each test's time under ThreadSanitizer. The kernels' own tests calibrate for real.
[[maybe_unused]] const bool given_speeds = wl::kernels::use_calibration({0.3, 1.2, 0.3, 1.2});

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
  watchdog wd(std::string(TypeParam::name) + " every_step_kind", program_limit);
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
  watchdog wd(std::string(TypeParam::name) + " locks", program_limit);
  // Many tasks on two locks, holding them across a wait: a lost update would show.
  run_and_verify<TypeParam>(R"({"name": "locks",
    "graph": {"shape": "independent", "tasks": 60},
    "task": [{"lock": "x", "hold_us": 20, "repeat": 3}, {"lock": "y", "hold_us": 0},
             {"io": "timer", "latency_us": 10}, {"lock": "x", "hold_us": 5}]})",
                            1);
}

TYPED_TEST(step_program, a_corrupted_result_fails_verification) {
  watchdog wd(std::string(TypeParam::name) + " corrupted", program_limit);
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
  state.add_result(1, 1);
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
  watchdog wd(std::string(TypeParam::name) + " w/c", program_limit);
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

// ---- the runner: graph and release honoured, results verified ----

namespace {

struct run_result {
  wl::run_check check;
  std::uint64_t makespan_ns = 0;
};

// A fixture bundle for one workload text: plan, fixtures, state, dispatch.
struct harness {
  explicit harness(const std::string& text)
      : plan(wl::materialize(wl::parse_workload_text(text, "runner.json"))),
        fixtures(plan),
        state(plan, fixtures),
        dispatch(plan) {}
  template <class R>
  void run(R& r) {
    state.reset();
    dispatch.reset();
    r.run(wl::run_plan(r, state, dispatch));
    check = wl::verify_run(state);
  }
  wl::plan plan;
  wl::workload_fixtures fixtures;
  wl::run_state state;
  wl::plan_dispatch dispatch;
  wl::run_check check;
};

// The most work tasks whose [release, finish] intervals overlap at one time.
std::size_t max_overlap(const wl::run_state& s) {
  std::vector<std::pair<std::uint64_t, int>> events;
  for (std::uint32_t i = 0; i < s.the_plan().tasks().size(); ++i) {
    if (!s.the_plan().tasks()[i].work) continue;
    events.emplace_back(s.release_ns(i), +1);
    events.emplace_back(s.finish_ns(i), -1);
  }
  std::sort(events.begin(), events.end());  // at a tie, the finish (-1) comes first
  int now = 0, most = 0;
  for (const auto& e : events) most = std::max(most, now += e.second);
  return static_cast<std::size_t>(most);
}

}  // namespace

TYPED_TEST(step_program, runner_keeps_a_chain_in_order) {
  watchdog wd(std::string(TypeParam::name) + " chain", program_limit);
  harness h(R"({"name": "c", "graph": {"shape": "chain", "tasks": 20},
               "task": [{"io": "timer", "latency_us": 200}, {"cpu": "compute", "us": 10}]})");
  TypeParam r(workers);
  for (int run = 0; run < 2; ++run) {
    h.run(r);
    ASSERT_TRUE(h.check.ok) << h.check.problem;
    // Each task is released when its predecessor finished: at that very time, not later.
    EXPECT_EQ(h.state.release_ns(0), 0u) << "the first task is ready at the run's start";
    for (std::uint32_t i = 1; i < 20; ++i)
      EXPECT_EQ(h.state.release_ns(i), h.state.finish_ns(i - 1));
    // Sleeps never end early: a lower bound, not a timing assertion on speed.
    EXPECT_GE(h.state.makespan_ns(), 20u * 200'000u);
  }
}

TYPED_TEST(step_program, runner_refuses_a_state_not_reset_since_its_last_run) {
  watchdog wd(std::string(TypeParam::name) + " not reset", program_limit);
  harness h(R"({"name": "c", "graph": {"shape": "independent", "tasks": 3},
               "task": [{"cpu": "compute", "us": 5}]})");
  TypeParam r(workers);
  h.run(r);
  ASSERT_TRUE(h.check.ok) << h.check.problem;
  EXPECT_THROW(r.run(wl::run_plan(r, h.state, h.dispatch)), std::logic_error);
}

TYPED_TEST(step_program, runner_respects_closed_loop_concurrency) {
  watchdog wd(std::string(TypeParam::name) + " closed loop", program_limit);
  harness h(R"({"name": "c", "graph": {"shape": "independent", "tasks": 40},
               "release": {"concurrency": 3},
               "task": [{"io": "timer", "latency_us": 300}, {"lock": "l", "hold_us": 10}]})");
  TypeParam r(workers);
  h.run(r);
  ASSERT_TRUE(h.check.ok) << h.check.problem;
  EXPECT_LE(max_overlap(h.state), 3u);
  EXPECT_EQ(h.state.work_latencies_ns().size(), 40u);
}

TYPED_TEST(step_program, runner_releases_open_loop_arrivals_on_schedule) {
  watchdog wd(std::string(TypeParam::name) + " open loop", program_limit);
  harness h(R"({"name": "o", "graph": {"shape": "independent", "tasks": 20},
               "release": {"rate_per_s": 2000},
               "task": [{"io": "timer", "latency_us": 100}]})");
  TypeParam r(workers);
  h.run(r);
  ASSERT_TRUE(h.check.ok) << h.check.problem;
  for (std::uint32_t i = 0; i < 20; ++i) {
    EXPECT_EQ(h.state.release_ns(i), 500'000u * i) << "latency counts from the scheduled arrival";
    EXPECT_GE(h.state.finish_ns(i), 500'000u * i + 100'000u);
  }
}

TYPED_TEST(step_program, runner_gathers_trees_and_orders_wavefronts) {
  watchdog wd(std::string(TypeParam::name) + " tree and wavefront", program_limit);
  harness tree(R"({"name": "t", "graph": {"shape": "tree", "depth": 3, "fanout": 4},
                  "task": [{"io": "timer", "latency_us": 100}, {"cpu": "hash", "us": 5, "p": 0.5}]})");
  TypeParam r(workers);
  tree.run(r);
  ASSERT_TRUE(tree.check.ok) << tree.check.problem;
  const auto& p = tree.plan;
  for (std::uint32_t i = 0; i < p.tasks().size(); ++i)
    for (std::uint32_t d : p.dependencies(p.tasks()[i]))
      EXPECT_GE(tree.state.finish_ns(i), tree.state.finish_ns(d));

  harness wave(R"({"name": "w", "graph": {"shape": "wavefront", "width": 5, "steps": 6},
                  "release": {"concurrency": 2},
                  "task": [{"cpu": "compute", "us": 20}, {"io": "timer", "latency_us": 50}]})");
  wave.run(r);
  ASSERT_TRUE(wave.check.ok) << wave.check.problem;
  for (std::uint32_t i = 0; i < wave.plan.tasks().size(); ++i)
    for (std::uint32_t d : wave.plan.dependencies(wave.plan.tasks()[i]))
      EXPECT_GE(wave.state.release_ns(i), wave.state.finish_ns(d));
  EXPECT_LE(max_overlap(wave.state), 2u);
}

TYPED_TEST(step_program, runner_runs_groups_side_by_side) {
  watchdog wd(std::string(TypeParam::name) + " fetch_and_count", program_limit);
  const auto plan = wl::materialize(wl::load_preset("fetch_and_count"));
  wl::workload_fixtures fixtures(plan);
  wl::run_state state(plan, fixtures);
  wl::plan_dispatch dispatch(plan);
  TypeParam r(workers);
  r.run(wl::run_plan(r, state, dispatch));
  const auto check = wl::verify_run(state);
  ASSERT_TRUE(check.ok) << check.problem;
  const auto ideal = wl::compute_ideal_makespan(plan, 64);
  EXPECT_GE(static_cast<double>(state.makespan_ns()) / 1e3, ideal.value_us());
}

TYPED_TEST(step_program, runner_reports_a_failing_task_without_hanging) {
  watchdog wd(std::string(TypeParam::name) + " failing task", program_limit);
  harness h(R"({"name": "f", "graph": {"shape": "chain", "tasks": 3},
               "task": [{"io": "tcp", "request_bytes": 32, "response_bytes": 32}]})");
  h.fixtures.server()->stop();  // nobody listens: connecting fails
  TypeParam r(workers);
  EXPECT_THROW(r.run(wl::run_plan(r, h.state, h.dispatch)), std::system_error);
}

// The memory kernel's buffer (hundreds of megabytes on a machine with a large last-level cache)
// is held by the fixtures of a workload that has memory steps, for as long as they live, and by
// no other: otherwise every benchmark row's max_rss_mb would carry it.
TEST(workload_fixtures, hold_the_memory_buffer_only_for_a_workload_with_memory_steps) {
  namespace k = wl::kernels;
  k::calibrate();
  const auto without = wl::materialize(wl::parse_workload_text(
      R"({"name": "no_memory", "graph": {"shape": "independent", "tasks": 2},
          "task": [{"cpu": "spin", "us": 5}, {"io": "timer", "latency_us": 10}]})",
      "no_memory.json"));
  const auto with = wl::materialize(wl::parse_workload_text(
      R"({"name": "memory", "graph": {"shape": "independent", "tasks": 2},
          "task": [{"cpu": "spin", "us": 5}, {"cpu": "memory", "us": 5}]})",
      "memory.json"));
  {
    const wl::workload_fixtures f(without);
    EXPECT_FALSE(k::memory_buffer_present());
  }
  {
    const wl::workload_fixtures f(with);
    EXPECT_TRUE(k::memory_buffer_present());
  }
  EXPECT_FALSE(k::memory_buffer_present());
}
