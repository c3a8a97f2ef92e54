#include "execbench/reports/summary.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "reports_test_support.hpp"

namespace execbench::reports {
namespace {

const std::string data_dir = EXECBENCH_REPORTS_DATA_DIR;

TEST(parse_benchmark_name, workload_runtime_and_workers) {
  const auto plain = parse_benchmark_name("web_request/asio/workers:4");
  EXPECT_EQ(plain.workload, "web_request");
  EXPECT_EQ(plain.runtime, "asio");
  EXPECT_EQ(plain.workers, 4);
  const auto suffixed = parse_benchmark_name("web_request/loop/workers:1/process_time/real_time");
  EXPECT_EQ(suffixed.runtime, "loop");
  EXPECT_EQ(suffixed.workers, 1);
  const auto primitive = parse_benchmark_name("primitive/spawn/tbb/workers:2/real_time");
  EXPECT_EQ(primitive.workload, "primitive/spawn");
  EXPECT_EQ(primitive.runtime, "tbb");
  const auto other = parse_benchmark_name("BM_something/8");
  EXPECT_EQ(other.workload, "BM_something/8");
  EXPECT_EQ(other.runtime, "");
}

TEST(summarise, ranks_runtimes_by_throughput) {
  const report_summary summary = summarise(read_report(data_dir + "/report.json"));
  EXPECT_FALSE(summary.quick);
  const auto& workloads = summary.workloads;
  ASSERT_EQ(workloads.size(), 3u);
  // Workloads by name, primitives last: the order of a run in random interleaving is random.
  EXPECT_EQ(workloads[0].workload, "cpu_mix");
  const auto& web = workloads[1];
  EXPECT_EQ(web.workload, "web_request");
  EXPECT_EQ(web.rank_by, "tasks_per_s");
  EXPECT_TRUE(web.higher_is_better);
  EXPECT_FALSE(web.open_loop);
  EXPECT_EQ(web.rows.front().runtime, "asio");
  EXPECT_EQ(web.rows.front().workers, 4);
  EXPECT_EQ(web.rows.front().workers_swept, (std::vector<long>{1, 2, 4}));
  EXPECT_EQ(web.rows.size(), 6u);
  for (std::size_t i = 1; i < web.rows.size(); ++i)
    EXPECT_LE(web.rows[i - 1].rank, web.rows[i].rank);
  EXPECT_EQ(web.best, std::vector<std::string>{web.rows.front().name});
  // 9 repetitions: the order-statistic interval, ranks 2 and 8.
  EXPECT_EQ(web.rows.front().figure.n, 9u);
  EXPECT_EQ(web.rows.front().figure.kind, range_kind::order_statistic);
  EXPECT_EQ(web.rows.front().lat_p99_us.kind, range_kind::order_statistic);
  // cpu_mix/tbb/workers:2 errored: tbb still ranks, at the worker count that ran.
  const auto& cpu = workloads[0];
  const auto tbb = std::find_if(cpu.rows.begin(), cpu.rows.end(),
                                [](const auto& r) { return r.runtime == "tbb"; });
  ASSERT_NE(tbb, cpu.rows.end());
  EXPECT_EQ(tbb->workers, 1);
  // Primitives have no tasks_per_s: items_per_second, and no latency.
  EXPECT_EQ(workloads[2].workload, "primitive/spawn");
  EXPECT_EQ(workloads[2].rank_by, "items_per_second");
  EXPECT_EQ(workloads[2].rows.front().lat_p99_us.kind, range_kind::none);
}

const workload_summary& find_workload(const report_summary& summary, const std::string& name) {
  for (const auto& w : summary.workloads)
    if (w.workload == name) return w;
  throw std::runtime_error("no workload " + name);
}

TEST(summarise, overlapping_ranges_are_tied_and_all_best) {
  // See make_summary_fixtures.py: loop 1004 [1001, 1007], asio 1002 [999, 1005] (its best count
  // of two), thread_pool 804 [801, 807].
  const report_summary summary = summarise(read_report(data_dir + "/summary_ranges.json"));
  const workload_summary& w = find_workload(summary, "tie_work");
  ASSERT_EQ(w.rows.size(), 3u);
  EXPECT_EQ(w.best, (std::vector<std::string>{"tie_work/loop/workers:1/process_time/real_time",
                                              "tie_work/asio/workers:1/process_time/real_time"}));
  EXPECT_EQ(w.rows[0].runtime, "loop");
  EXPECT_EQ(w.rows[0].figure.median, 1004);
  EXPECT_EQ(w.rows[0].figure.low, 1001);
  EXPECT_EQ(w.rows[0].figure.high, 1007);
  EXPECT_EQ(w.rows[1].runtime, "asio");
  EXPECT_EQ(w.rows[1].workers, 1);
  EXPECT_EQ(w.rows[1].workers_swept, (std::vector<long>{1, 2}));
  EXPECT_EQ(w.rows[1].figure.low, 999);
  EXPECT_EQ(w.rows[1].figure.high, 1005);
  EXPECT_EQ(w.rows[1].rank, 1u);
  EXPECT_TRUE(w.rows[1].tied_with_best);
  EXPECT_EQ(w.rows[2].runtime, "thread_pool");
  EXPECT_FALSE(w.rows[2].tied_with_best);
  EXPECT_EQ(w.rows[2].rank, 3u);  // two rows lie wholly ahead of it
  const std::string console = render_summary(summary, summary_format::console);
  EXPECT_NE(console.find("loop (1) ≈ asio (1)"), std::string::npos) << console;
  EXPECT_NE(console.find("1,004 [1,001–1,007]"), std::string::npos) << console;
  EXPECT_NE(console.find("tied with best"), std::string::npos);
}

TEST(summarise, one_sample_is_marked) {
  const report_summary summary = summarise(read_report(data_dir + "/summary_ranges.json"));
  const workload_summary& w = find_workload(summary, "single_work");
  ASSERT_EQ(w.rows.size(), 2u);
  EXPECT_EQ(w.rows[0].figure.kind, range_kind::single);
  EXPECT_EQ(w.rows[0].figure.n, 1u);
  EXPECT_EQ(w.best.size(), 1u);  // 100 and 90, one sample each: no overlap
  for (auto format : {summary_format::console, summary_format::markdown})
    EXPECT_NE(render_summary(summary, format).find("100 (n=1, no range)"), std::string::npos);
  const auto document = nlohmann::json::parse(render_summary(summary, summary_format::json));
  for (const auto& workload : document["workloads"])
    if (workload["workload"] == "single_work") {
      EXPECT_EQ(workload["rows"][0]["n"], 1);
      EXPECT_EQ(workload["rows"][0]["range"], "single");
    }
}

TEST(summarise, open_loop_ranks_by_p99_and_flags_falling_behind) {
  const report_summary summary = summarise(read_report(data_dir + "/summary_ranges.json"));
  const workload_summary& w = find_workload(summary, "open_work");
  EXPECT_TRUE(w.open_loop);
  EXPECT_EQ(w.rank_by, "lat_p99_us");
  EXPECT_FALSE(w.higher_is_better);
  EXPECT_EQ(w.offered_rate_per_s, 4000);
  ASSERT_EQ(w.rows.size(), 3u);
  // asio has the lower p99 though loop completes more tasks per second.
  EXPECT_EQ(w.rows[0].runtime, "asio");
  EXPECT_EQ(w.rows[0].figure.median, 1202);
  EXPECT_EQ(w.rows[0].figure.kind, range_kind::min_max);  // 5 samples
  EXPECT_EQ(w.rows[0].figure.low, 1200);
  EXPECT_EQ(w.rows[0].figure.high, 1204);
  EXPECT_EQ(w.best, std::vector<std::string>{"open_work/asio/workers:2/process_time/real_time"});
  EXPECT_EQ(w.rows[1].runtime, "loop");
  EXPECT_EQ(w.rows[2].runtime, "thread_pool");
  EXPECT_FALSE(w.rows[0].behind_rate);  // efficiency 0.98
  EXPECT_FALSE(w.rows[1].behind_rate);  // 0.99
  EXPECT_TRUE(w.rows[2].behind_rate);   // 0.80
  // Closed loop never falls behind a rate, whatever its efficiency (tie_work's is 0.73 to 0.92).
  for (const auto& row : find_workload(summary, "tie_work").rows) EXPECT_FALSE(row.behind_rate);
  const std::string console = render_summary(summary, summary_format::console);
  EXPECT_NE(console.find("behind the offered rate (efficiency 0.8)"), std::string::npos);
  EXPECT_NE(console.find("p99 latency, lower is better (open loop at 4,000 tasks/s offered)"),
            std::string::npos)
      << console;
}

TEST(summarise, quick_run_is_said_at_the_top_of_every_format) {
  const report_summary quick = summarise(read_report(data_dir + "/summary_quick.json"));
  EXPECT_TRUE(quick.quick);
  EXPECT_TRUE(render_summary(quick, summary_format::console).starts_with("QUICK RUN (--quick)"));
  EXPECT_TRUE(render_summary(quick, summary_format::markdown)
                  .starts_with("## Benchmark summary\n\n**QUICK RUN (--quick)"));
  EXPECT_EQ(nlohmann::json::parse(render_summary(quick, summary_format::json))["quick"], true);
  const report_summary full = summarise(read_report(data_dir + "/summary_ranges.json"));
  EXPECT_EQ(render_summary(full, summary_format::console).find("QUICK"), std::string::npos);
}

TEST(render_summary, json_has_the_design_keys) {
  const report_summary summary = summarise(read_report(data_dir + "/summary_ranges.json"));
  const auto document = nlohmann::json::parse(render_summary(summary, summary_format::json));
  EXPECT_EQ(document["file"], data_dir + "/summary_ranges.json");
  EXPECT_EQ(document["quick"], false);
  ASSERT_EQ(document["workloads"].size(), 3u);
  for (const auto& workload : document["workloads"]) {
    for (const char* key : {"workload", "rank_by", "best", "rows", "open_loop"})
      EXPECT_TRUE(workload.contains(key)) << key;
    EXPECT_TRUE(workload["best"].is_array());
    for (const auto& row : workload["rows"])
      for (const char* key : {"name", "runtime", "workers", "median", "low", "high", "n", "p99_us",
                              "efficiency", "behind_rate", "rank", "tied_with_best"})
        EXPECT_TRUE(row.contains(key)) << key;
  }
  // By name: open_work, single_work, tie_work.
  EXPECT_EQ(document["workloads"][2]["workload"], "tie_work");
  EXPECT_EQ(document["workloads"][2]["best"].size(), 2u);
  EXPECT_EQ(document["workloads"][0]["rank_by"], "lat_p99_us");
  EXPECT_EQ(document["workloads"][0]["rows"][2]["behind_rate"], true);
}

TEST(render_summary, numbers_for_people) {
  const std::string console =
      render_summary(summarise(read_report(data_dir + "/report.json")), summary_format::console);
  EXPECT_EQ(console.find("e+0"), std::string::npos) << console;
  EXPECT_NE(console.find("13,380"), std::string::npos) << console;   // web_request/asio
  EXPECT_NE(console.find("11.2 ms"), std::string::npos) << console;  // its p99
  EXPECT_NE(console.find("10.5 M"), std::string::npos) << console;   // primitive/spawn/loop
}

// Debian's libbenchmark calls itself a debug build: the summary says whose build that is.
TEST(render_summary, says_the_runs_build_and_the_harness_library_apart) {
  const std::string row =
      R"({"name": "w/loop/workers:1", "run_name": "w/loop/workers:1", "run_type": "iteration",
          "iterations": 1, "real_time": 10, "cpu_time": 10, "time_unit": "ms",
          "tasks_per_s": 100})";
  auto console = [&](const std::string& context) {
    return render_summary(
        summarise(parse_report(R"({"context": )" + context + R"(, "benchmarks": [)" + row + "]}",
                               "context.json")),
        summary_format::console);
  };
  const std::string debian = console(
      R"({"execbench_version": "0.1.0", "git_sha": "ca630fa", "build_type": "Release",
          "compiler": "gcc 12.2.0", "cpu_model": "AMD EPYC", "num_cpus": 2,
          "kernel": "6.1.0", "library_build_type": "debug", "benchmark_version": "1.7.1"})");
  EXPECT_NE(debian.find("Run: execbench 0.1.0 at ca630fa, a Release build by gcc 12.2.0, on AMD "
                        "EPYC (2 CPUs), kernel 6.1.0."),
            std::string::npos)
      << debian;
  EXPECT_NE(debian.find("Google Benchmark 1.7.1, the timing harness, reports its own library as "
                        "a debug build (library_build_type): it times the loop and runs none of "
                        "the measured code, which is a Release build (build_type)."),
            std::string::npos)
      << debian;
  // The same build on both sides: nothing to explain.
  const std::string same = console(R"({"build_type": "Release", "library_build_type": "release"})");
  EXPECT_EQ(same.find("Google Benchmark"), std::string::npos) << same;
  EXPECT_NE(same.find("Run: execbench, a Release build."), std::string::npos) << same;
  // No context: no line.
  const std::string none = console("{}");
  EXPECT_EQ(none.find("Run:"), std::string::npos) << none;
  EXPECT_EQ(none.find("Google Benchmark"), std::string::npos) << none;
  // The summary's JSON keeps the keys of docs/design.md, "summary: ranking with ties": no context.
  const auto document = nlohmann::json::parse(
      render_summary(summarise(parse_report(
                         R"({"context": {"build_type": "Release"}, "benchmarks": [)" + row + "]}",
                         "context.json")),
                     summary_format::json));
  EXPECT_FALSE(document.contains("context"));
}

// Figures the reader keeps (negative, huge, tiny, infinite) still read as text: the reports are
// fuzzed, and a bad figure must never reach e-notation or undefined behaviour.
TEST(render_summary, bad_figures_read_as_text) {
  std::string rows;
  const char* values[] = {"-17856.4", "1e300", "1e-300", "Infinity", "-Infinity", "0"};
  int i = 0;
  for (const char* value : values) {
    if (!rows.empty()) rows += ",";
    const std::string name = "w/r" + std::to_string(i++) + "/workers:1";
    rows += R"({"name": ")" + name + R"(", "run_name": ")" + name +
            R"(", "run_type": "iteration", "iterations": 1, "real_time": 10, "cpu_time": 10,
                "time_unit": "ms", "tasks_per_s": )" +
            value + R"(, "lat_p99_us": )" + value + R"(, "efficiency": )" + value + "}";
  }
  const report_summary summary =
      summarise(parse_report(R"({"context": {}, "benchmarks": [)" + rows + "]}", "bad.json"));
  for (auto format : {summary_format::console, summary_format::markdown}) {
    const std::string text = render_summary(summary, format);
    EXPECT_EQ(text.find("e+"), std::string::npos) << text;
    EXPECT_EQ(text.find("e-3"), std::string::npos) << text;
    EXPECT_EQ(text.find("inf"), std::string::npos) << text;
    EXPECT_EQ(text.find("nan"), std::string::npos) << text;
    EXPECT_NE(text.find("-17,860"), std::string::npos) << text;
    EXPECT_NE(text.find("1×10³⁰⁰"), std::string::npos) << text;
    EXPECT_NE(text.find("∞"), std::string::npos) << text;
  }
}

TEST(render_summary, markdown_golden) {
  report_summary summary = summarise(read_report(data_dir + "/report.json"));
  // The path shown is the one given: name the fixture as cli_checks.py, run from data/, does.
  summary.path = "report.json";
  test_support::expect_golden(render_summary(summary, summary_format::markdown),
                              "golden_summary.md");
}

}  // namespace
TEST(summarise, says_how_the_machine_speed_moved) {
  // Three repetitions of one row, each with the spin probe taken before it.
  std::string rows;
  for (const double probe : {0.30, 0.45, 0.60}) {
    if (!rows.empty()) rows += ",";
    rows += R"({"name": "w/loop/workers:1/real_time", "run_name": "w/loop/workers:1/real_time",
                "run_type": "iteration", "iterations": 1, "real_time": 10, "cpu_time": 10,
                "time_unit": "ms", "tasks_per_s": 100, "speed_probe_ns": )" +
            std::to_string(probe) + "}";
  }
  const report_summary summary =
      summarise(parse_report(R"({"context": {}, "benchmarks": [)" + rows + "]}", "probe.json"));
  EXPECT_EQ(summary.speed_probe_n, 3u);
  EXPECT_DOUBLE_EQ(summary.speed_probe_min, 0.30);
  EXPECT_DOUBLE_EQ(summary.speed_probe_median, 0.45);
  EXPECT_DOUBLE_EQ(summary.speed_probe_max, 0.60);
  EXPECT_NE(render_summary(summary, summary_format::console).find("it drifted"), std::string::npos);
  const auto document = nlohmann::json::parse(render_summary(summary, summary_format::json));
  EXPECT_EQ(document["speed_probe_ns"]["n"], 3);
  // A report without probes says nothing of it.
  const report_summary old = summarise(read_report(data_dir + "/report.json"));
  EXPECT_EQ(old.speed_probe_n, 0u);
  EXPECT_EQ(render_summary(old, summary_format::console).find("Machine speed"), std::string::npos);
}

TEST(summarise, lists_the_host_floors_and_what_was_not_measured) {
  const std::string row = R"({"name": "w/loop/workers:1/real_time", "run_name":
      "w/loop/workers:1/real_time", "run_type": "iteration", "iterations": 1, "real_time": 10,
      "cpu_time": 10, "time_unit": "ms", "tasks_per_s": 100})";
  const auto with_floors = [&](const std::string& floors) {
    nlohmann::json context = {{"floors", floors}};
    return parse_report(R"({"context": )" + context.dump() + R"(, "benchmarks": [)" + row + "]}",
                        "floors.json");
  };
  const report_summary summary = summarise(with_floors(
      R"({"thread_start_us": {"median": 41, "low": 38, "high": 52, "n": 5},
          "timer_wake_us": {"median": 30, "low": 29, "high": 35, "n": 5},
          "tcp_round_trip_us": {"median": 14.2, "low": 13.9, "high": 15.1, "n": 5},
          "missing": {"disk_read_us_per_kib": "temp_directory_path: Not a directory"}})"));
  ASSERT_EQ(summary.floors.size(), 3u);
  EXPECT_EQ(summary.floors[0].name, "tcp_round_trip_us");
  EXPECT_TRUE(summary.floors[0].in_ideal);
  EXPECT_DOUBLE_EQ(summary.floors[0].low, 13.9);
  EXPECT_FALSE(summary.floors[1].in_ideal);
  EXPECT_EQ(summary.floors_missing.at("disk_read_us_per_kib"),
            "temp_directory_path: Not a directory");
  const std::string text = render_summary(summary, summary_format::console);
  EXPECT_NE(text.find("Host cost floors"), std::string::npos) << text;
  EXPECT_NE(text.find("14.2 µs [13.9 µs–15.1 µs], n 5"), std::string::npos) << text;
  // In the order they are measured, not the JSON's alphabetical one.
  EXPECT_LT(text.find("timer wake-up"), text.find("thread start")) << text;
  EXPECT_NE(text.find("(reported only)"), std::string::npos) << text;
  EXPECT_NE(text.find("page-cache read: not measured (temp_directory_path"), std::string::npos)
      << text;
  const auto document = nlohmann::json::parse(render_summary(summary, summary_format::json));
  EXPECT_EQ(document["floors"]["tcp_round_trip_us"]["n"], 5);
  EXPECT_EQ(document["floors"]["tcp_round_trip_us"]["in_ideal"], true);
  EXPECT_EQ(document["floors"]["missing"]["disk_read_us_per_kib"],
            "temp_directory_path: Not a directory");
  // Floors that do not read are bad input, named.
  for (const std::string& bad :
       {std::string("[1]"), std::string("{"),
        std::string(R"({"tcp_round_trip_us": {"median": 1}})"), std::string(R"({"missing": 3})")}) {
    try {
      summarise(with_floors(bad));
      ADD_FAILURE() << bad << " was accepted";
    } catch (const input_error& e) {
      EXPECT_NE(std::string(e.what()).find("floors.json: context \"floors\""), std::string::npos)
          << e.what();
    }
  }
  // A report from before the floors says nothing of them.
  const report_summary old = summarise(read_report(data_dir + "/report.json"));
  EXPECT_TRUE(old.floors.empty());
  EXPECT_EQ(render_summary(old, summary_format::console).find("Host cost floors"),
            std::string::npos);
}

}  // namespace execbench::reports

namespace execbench::reports {

// METG rows are not ranked by their sweep's speed: a table per family, lowest METG first (one
// still above the threshold at the sweep's finest grain first of all), a runtime that never
// reached the threshold last, with how far it got. execbench writes a missing figure as null.
TEST(summarise, lists_metg_rows_by_their_grain) {
  const auto row = [](const std::string& name, const std::string& counters) {
    return R"({"name": ")" + name + R"(", "run_name": ")" + name +
           R"(", "run_type": "iteration", "iterations": 1, "real_time": 3, "cpu_time": 3,
           "time_unit": "s", )" + counters + "}";
  };
  const std::string rows =
      row("metg/cpu/thread_pool/workers:2/process_time/real_time",
          R"("metg_us": NaN, "best_efficiency": 0.4998, "metg_n": 3, "metg_own_us": 80)") +
      "," +
      row("metg/cpu/asio/workers:2/process_time/real_time",
          R"("metg_us": 1.35, "metg_low_us": 1.32, "metg_high_us": 1.45, "best_efficiency": 0.98,
             "metg_n": 3, "metg_own_us": 1.31, "metg_own_below_us": 1.22)") +
      "," +
      row("metg/cpu/tbb/workers:2/process_time/real_time",
          R"("metg_us": null, "metg_below_us": 1.22, "best_efficiency": 0.99, "metg_n": 3)") +
      "," +
      row("metg/cpu/loop/workers:1/process_time/real_time",
          R"("metg_us": null, "best_efficiency": 0.01, "metg_n": 3)") +
      "," +
      row("metg/cpu/loop_offload/workers:2/process_time/real_time",
          R"("metg_us": 1.5, "metg_low_us": 1.2, "metg_high_us": 2.0, "best_efficiency": 0.97,
             "metg_n": 3)");
  const report_summary summary =
      summarise(parse_report(R"({"context": {}, "benchmarks": [)" + rows + "]}", "metg.json"));
  EXPECT_TRUE(summary.workloads.empty());
  // In order, with their ranks: below 1.22 [0, 1.22]; 1.35 [1.32, 1.45], apart from it; 1.5
  // [1.2, 2.0], overlapping 1.35's range, so tied with it; the two that never got there.
  ASSERT_EQ(summary.metg.size(), 5u);
  std::vector<std::pair<std::string, std::size_t>> order;
  for (const auto& r : summary.metg) order.emplace_back(r.runtime, r.rank);
  EXPECT_EQ(order, (std::vector<std::pair<std::string, std::size_t>>{
                       {"tbb", 1}, {"asio", 2}, {"loop_offload", 2}, {"thread_pool", 0},
                       {"loop", 0}}));
  EXPECT_DOUBLE_EQ(summary.metg[1].metg_us, 1.35);
  EXPECT_TRUE(std::isnan(summary.metg[3].metg_us));
  const std::string text = render_summary(summary, summary_format::console);
  EXPECT_NE(text.find("1.35 µs [1.32 µs–1.45 µs]"), std::string::npos) << text;
  EXPECT_NE(text.find("never (best efficiency 0.4998)"), std::string::npos) << text;
  EXPECT_EQ(text.find("runs/s"), std::string::npos) << text;
  EXPECT_EQ(text.find("Best per workload"), std::string::npos) << text;
  const auto document = nlohmann::json::parse(render_summary(summary, summary_format::json));
  EXPECT_TRUE(document["metg"][0]["metg_us"].is_null());
  EXPECT_EQ(document["metg"][1]["metg_us"], 1.35);
  EXPECT_EQ(document["metg"][2]["rank"], 2);
  EXPECT_TRUE(document["metg"][3]["metg_us"].is_null());
  EXPECT_TRUE(document["metg"][3]["rank"].is_null());
}

}  // namespace execbench::reports
