#include "execbench/bench/register_workloads.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "capture_runs.hpp"
#include "execbench/bench/register_metg.hpp"
#include "execbench/bench/watchdog.hpp"
#include "execbench/bench/workload_catalog.hpp"
#include "execbench/runtime/all_runtimes.hpp"
#include "execbench/workloads/floors.hpp"
#include "execbench/workloads/presets.hpp"
#include "execbench/workloads/spec.hpp"

namespace execbench::bench {
namespace {

namespace wl = execbench::workloads;

planned_workload planned(std::string_view json) {
  return plan_workload(wl::parse_workload_text(json, "test"));
}

// Four tasks that each wait 5 s: far longer than the test's stall limit.
constexpr std::string_view stalling = R"({"name": "stalls", "graph": {"shape": "independent",
  "tasks": 4}, "task": [{"io": "timer", "latency_us": 5000000}]})";
constexpr std::string_view quick = R"({"name": "quick", "graph": {"shape": "independent",
  "tasks": 20}, "release": {"concurrency": 4}, "task": [{"io": "timer", "latency_us": 200},
  {"cpu": "spin", "us": 10}, {"lock": "l", "hold_us": 5}]})";

// I/O and nothing else: loopback round trips without a server delay and page-cache reads, so
// that the host floors are the whole of its ideal.
constexpr std::string_view io_bound = R"({"name": "io_bound", "graph": {"shape": "independent",
  "tasks": 16}, "release": {"concurrency": 4}, "task": [{"io": "tcp", "request_bytes": 64,
  "response_bytes": 64, "repeat": 10}, {"io": "disk", "bytes": 65536, "file_bytes": 1048576,
  "repeat": 2}]})";

class workload_rows : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static const bool registered = [] {
      testing::initialize_quick_benchmarks("workloads_test");
      const std::vector<planned_workload> all = {planned(stalling), planned(quick),
                                                 planned(io_bound)};
      options opts;
      opts.workers = {1, 2};
      register_workloads<rt::all_runtimes>(all, opts);
      options metg;
      metg.metg = true;
      metg.runtimes = {"loop"};
      // A high threshold is crossed at a coarse grain, so the sweep stops before its finest
      // (and dearest) points: a short test under the sanitizers.
      metg.metg_threshold = 0.9;
      register_metg<rt::all_runtimes>(
          builtin_metg_families(std::max(1U, std::thread::hardware_concurrency())), metg);
      return true;
    }();
    (void)registered;
  }
  static std::map<std::string, benchmark::BenchmarkReporter::Run> run(const std::string& filter) {
    return testing::run_captured(filter);
  }
};

TEST_F(workload_rows, report_every_counter_and_check_the_run) {
  const auto runs = run("^quick/");
  // A runtime with a fixed thread count at that count; the others at 1 and 2.
  std::size_t rows = 0;
  for (const auto& r : runtime_entries<rt::all_runtimes>()) {
    if (r.unavailable.empty()) rows += r.traits.fixed_workers != 0 ? 1 : 2;
  }
  ASSERT_EQ(runs.size(), rows);
  for (const auto& [name, r] : runs) {
    EXPECT_FALSE(r.error_occurred) << name << ": " << r.error_message;
    for (const char* c : {"tasks_per_s", "lat_p50_us", "lat_p99_us", "lat_p999_us", "lat_max_us",
                          "makespan_ms", "ideal_ms", "efficiency", "cpu_util", "wait_compute_ratio",
                          "ctx_switches_vol", "ctx_switches_invol", "max_rss_mb", "workers"}) {
      EXPECT_EQ(r.counters.count(c), 1U) << name << " lacks " << c;
    }
    EXPECT_GT(r.counters.at("efficiency").value, 0) << name;
    EXPECT_LE(r.counters.at("lat_p50_us").value, r.counters.at("lat_max_us").value) << name;
  }
  EXPECT_EQ(runs.at("quick/loop/workers:1").counters.count("loop_lag_p99_us"), 1U);
  EXPECT_EQ(runs.at("quick/thread_pool/workers:2").counters.count("loop_lag_p99_us"), 0U);
  EXPECT_EQ(runs.at("quick/loop_offload/workers:2").counters.at("workers").value, 2);
}

// With the host floors in the ideal, it is still a bound no runtime beats: a row above
// efficiency 1 would mean the floors price more than the machine charges for the I/O.
TEST_F(workload_rows, with_the_host_floors_no_row_beats_its_ideal) {
  wl::use_floors(wl::measure_host_floors());
  const wl::host_floors floors = wl::current_floors();
  ASSERT_TRUE(floors.tcp_round_trip_us && floors.disk_read_us_per_kib)
      << "the floors this test needs could not be measured";
  const auto runs = run("^io_bound/");
  wl::use_floors(wl::host_floors{});
  ASSERT_FALSE(runs.empty());
  for (const auto& [name, r] : runs) {
    EXPECT_FALSE(r.error_occurred) << name << ": " << r.error_message;
    const double efficiency = r.counters.at("efficiency").value;
    EXPECT_GT(efficiency, 0) << name << ": the floors priced nothing";
    EXPECT_LE(efficiency, 1) << name << ": faster than the ideal (ideal "
                             << r.counters.at("ideal_ms").value << " ms, makespan "
                             << r.counters.at("makespan_ms").value << " ms; tcp floor "
                             << floors.tcp_round_trip_us->low << " us, disk "
                             << floors.disk_read_us_per_kib->low << " us/KiB)";
  }
}

// A METG row runs its sweep on the runtime, each point's runs verified, and reports where the
// efficiency crosses the threshold, with the points in its label: here the loop's wait sweep,
// whose timers it honours at coarse grains and not at fine ones.
TEST_F(workload_rows, a_metg_row_sweeps_the_grain_and_reports_the_crossing) {
  const auto runs = run("^metg/wait/loop/");
  ASSERT_EQ(runs.size(), 1U);
  const auto& r = runs.begin()->second;
  ASSERT_FALSE(r.error_occurred) << r.error_message;
  const auto& c = r.counters;
  for (const char* name : {"metg_us", "metg_low_us", "metg_high_us", "metg_own_us",
                           "best_efficiency", "metg_n", "metg_points", "metg_threshold"}) {
    EXPECT_EQ(c.count(name), 1U) << name;
  }
  EXPECT_EQ(c.at("metg_threshold").value, 0.9);
  EXPECT_EQ(c.at("metg_n").value, metg_repetitions);
  EXPECT_GT(c.at("best_efficiency").value, 0.5);  // a 10 ms timer is on time, give or take
  EXPECT_LE(c.at("best_efficiency").value, 1.0);
  const double points = c.at("metg_points").value;
  EXPECT_GE(points, 3);
  EXPECT_LE(points, static_cast<double>(metg_grains().size()));
  // The label holds the points, coarse to fine, as [grain, median, min, max].
  const auto label = nlohmann::json::parse(r.report_label);
  ASSERT_EQ(label.size(), static_cast<std::size_t>(points));
  EXPECT_EQ(label[0][0].get<double>(), metg_grains().front());
  for (const auto& p : label) {
    EXPECT_LE(p[2].get<double>(), p[1].get<double>());
    EXPECT_LE(p[1].get<double>(), p[3].get<double>());
  }
  // Where it crossed, the crossing lies within the sweep.
  if (std::isfinite(c.at("metg_us").value)) {
    EXPECT_LE(c.at("metg_us").value, metg_grains().front());
    EXPECT_GE(c.at("metg_us").value, label.back()[0].get<double>());
  }
}

// A row that stops making progress is cancelled by the watchdog and reported as an error; the
// tasks still running when the run is abandoned must not outlive what they use (run under
// ASan to see it), and the next rows run.
TEST_F(workload_rows, a_stalled_row_is_an_error_and_the_suite_goes_on) {
  set_stall_limit(std::chrono::milliseconds(600));
  const auto runs = run("^stalls/(loop)?(thread_pool)?(asio)?/workers:1/");
  set_stall_limit(std::chrono::seconds(60));
  ASSERT_EQ(runs.size(), 3U);
  for (const auto& [name, r] : runs) {
    EXPECT_TRUE(r.error_occurred) << name;
    EXPECT_NE(r.error_message.find("made no progress"), std::string::npos) << r.error_message;
  }
  const auto after = run("^quick/thread_pool/workers:1/");
  ASSERT_EQ(after.size(), 1U);
  EXPECT_FALSE(after.begin()->second.error_occurred);
}

TEST(workload_worker_counts, leave_out_rows_that_take_minutes_unless_asked) {
  const auto sleep_fanout = plan_workload(wl::load_preset("sleep_fanout"));
  // 10,000 waits of 10 ms on one blocking worker: 100 s.
  EXPECT_GT(estimate_iteration_s(sleep_fanout, rt::thread_pool_runtime::traits, 1, 2), 50);
  EXPECT_LT(estimate_iteration_s(sleep_fanout, rt::loop_runtime::traits, 1, 2), 1);
  const options defaults;
  const auto pool = workload_worker_counts<rt::thread_pool_runtime>(sleep_fanout, defaults);
  EXPECT_EQ(pool, (std::vector<std::size_t>{64}));
  EXPECT_EQ(workload_worker_counts<rt::loop_runtime>(sleep_fanout, defaults),
            (std::vector<std::size_t>{1}));
  options listed;
  listed.workers = {1, 2};
  EXPECT_EQ(workload_worker_counts<rt::thread_pool_runtime>(sleep_fanout, listed),
            (std::vector<std::size_t>{1, 2}));
  listed.workers = {2};
  EXPECT_TRUE(workload_worker_counts<rt::loop_runtime>(sleep_fanout, listed).empty());
}

}  // namespace
}  // namespace execbench::bench
