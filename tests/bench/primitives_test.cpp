#include "execbench/bench/register_primitives.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <gtest/gtest.h>

#include "capture_runs.hpp"
#include "execbench/bench/watchdog.hpp"
#include "toy_runtime.hpp"

namespace execbench::bench {
namespace {

using testing::basic_toy_runtime;
using testing::toy_fault;
using testing::toy_runtime;

template <class...>
struct type_list {};

// The toy runtime declared as a one-thread loop, to check the registration rules.
using toy_loop_runtime = basic_toy_runtime<toy_fault::none, "toy_loop",
                                           rt::runtime_traits{.threads = rt::thread_model::single_loop,
                                                              .fixed_workers = 1}>;
// The toy runtime declared as starting a thread per post.
using toy_thread_per_post_runtime =
    basic_toy_runtime<toy_fault::none, "toy_thread_per_post",
                      rt::runtime_traits{.threads = rt::thread_model::blocking,
                                         .thread_per_post = true}>;
using toy_loses_posts = basic_toy_runtime<toy_fault::loses_posts, "toy_loses_posts">;
using toy_wakes_early = basic_toy_runtime<toy_fault::wakes_early, "toy_wakes_early">;

class primitives : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static const bool registered = [] {
      testing::initialize_quick_benchmarks("primitives_test");
      options opts;
      register_primitives<type_list<toy_runtime, toy_loses_posts, toy_wakes_early>>(opts);
      return true;
    }();
    (void)registered;
  }

  static std::map<std::string, benchmark::BenchmarkReporter::Run> run(const std::string& filter) {
    return testing::run_captured(filter);
  }
};

TEST(primitive_worker_counts, follow_the_runtime_kind) {
  const options defaults;
  EXPECT_EQ(primitive_worker_counts<toy_runtime>(primitive::spawn_many, defaults),
            (std::vector<std::size_t>{1, 2}));
  // The toy runtime's sleeps block: no timers_100k, timers_1k only at 64 workers.
  EXPECT_TRUE(primitive_worker_counts<toy_runtime>(primitive::timers_100k, defaults).empty());
  EXPECT_EQ(primitive_worker_counts<toy_runtime>(primitive::timers_1k, defaults),
            (std::vector<std::size_t>{64}));
  options listed;
  listed.workers = {4, 128};
  EXPECT_EQ(primitive_worker_counts<toy_runtime>(primitive::timers_1k, listed),
            (std::vector<std::size_t>{128}));
  EXPECT_EQ(primitive_worker_counts<toy_runtime>(primitive::post_local, listed),
            (std::vector<std::size_t>{4, 128}));
}

TEST(primitive_worker_counts, loop_only_at_one_worker_with_every_timer_row) {
  static_assert(rt::has_one_thread<toy_loop_runtime>);
  options listed;
  listed.workers = {1, 2};
  EXPECT_EQ(primitive_worker_counts<toy_loop_runtime>(primitive::post_local, listed),
            (std::vector<std::size_t>{1}));
  EXPECT_EQ(primitive_worker_counts<toy_loop_runtime>(primitive::timers_100k, listed),
            (std::vector<std::size_t>{1}));
  listed.workers = {2};
  EXPECT_TRUE(
      primitive_worker_counts<toy_loop_runtime>(primitive::spawn_many, listed).empty());
}

TEST(primitive_worker_counts, no_post_rows_where_a_post_starts_a_thread) {
  options listed;
  listed.workers = {1, 2};
  EXPECT_TRUE(
      primitive_worker_counts<toy_thread_per_post_runtime>(primitive::post_local, listed).empty());
  EXPECT_TRUE(
      primitive_worker_counts<toy_thread_per_post_runtime>(primitive::post_remote, listed).empty());
  EXPECT_EQ(primitive_worker_counts<toy_thread_per_post_runtime>(primitive::spawn_many, listed),
            (std::vector<std::size_t>{1, 2}));
}

TEST(primitive_row_name, is_primitive_name_runtime_workers) {
  EXPECT_EQ(primitive_row_name<toy_runtime>(primitive::post_remote, 2),
            "primitive/post_remote/toy/workers:2");
}

TEST_F(primitives, every_row_of_a_sound_runtime_runs_and_counts) {
  const auto runs = run("^primitive/.*/toy/");
  std::vector<std::string> expected;
  for (const auto p : all_primitives) {
    for (const auto n : primitive_worker_counts<toy_runtime>(p, options{})) {
      expected.push_back(primitive_row_name<toy_runtime>(p, n));
    }
  }
  ASSERT_EQ(runs.size(), expected.size());
  for (const auto& name : expected) {
    ASSERT_TRUE(runs.contains(name)) << name;
    const auto& r = runs.at(name);
    EXPECT_FALSE(r.error_occurred) << name << ": " << r.error_message;
    EXPECT_GT(r.iterations, 0) << name;
    ASSERT_TRUE(r.counters.contains("workers")) << name;
    ASSERT_TRUE(r.counters.contains("items_per_second")) << name;
    EXPECT_GT(r.counters.at("items_per_second").value, 0.0) << name;
  }
  const auto& timers = runs.at("primitive/timers_1k/toy/workers:64");
  EXPECT_EQ(timers.counters.at("workers").value, 64.0);
  ASSERT_TRUE(timers.counters.contains("overshoot_ms"));
  EXPECT_GE(timers.counters.at("overshoot_ms").value, 0.0);
}

TEST_F(primitives, lost_wake_up_fails_its_row_instead_of_hanging) {
  // A short stall limit so that the row ends quickly, kept for this test only: under a
  // sanitizer a sound iteration of 1,000,000 posts takes longer than that.
  const auto saved = stall_limit();
  set_stall_limit(std::chrono::seconds(2));
  const auto start = std::chrono::steady_clock::now();
  const auto runs = run("^primitive/post_local/toy_loses_posts/workers:1/");
  set_stall_limit(saved);
  ASSERT_EQ(runs.size(), 1U);
  const auto& r = runs.begin()->second;
  EXPECT_TRUE(r.error_occurred);
  EXPECT_NE(r.error_message.find("no progress"), std::string::npos) << r.error_message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST_F(primitives, early_timer_fails_the_check) {
  const auto runs = run("^primitive/timers_1k/toy_wakes_early/");
  ASSERT_EQ(runs.size(), 1U);
  const auto& r = runs.begin()->second;
  EXPECT_TRUE(r.error_occurred);
  EXPECT_NE(r.error_message.find("0 sleeps lasted >= 10 ms, expected 1000"), std::string::npos)
      << r.error_message;
}

}  // namespace
}  // namespace execbench::bench
