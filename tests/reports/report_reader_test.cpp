#include "execbench/reports/report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace execbench::reports {
namespace {

const std::string data_dir = EXECBENCH_REPORTS_DATA_DIR;

TEST(quote_non_finite_tokens, outside_strings_only) {
  EXPECT_EQ(quote_non_finite_tokens(R"({"a": NaN, "b": -Infinity, "c": Infinity, "d": -NaN})"),
            R"({"a": "NaN", "b": "-Infinity", "c": "Infinity", "d": "NaN"})");
  const std::string in_string = R"({"name": "NaN Infinity \" NaN", "x": 1})";
  EXPECT_EQ(quote_non_finite_tokens(in_string), in_string);
}

TEST(parse_report, non_finite_counters_and_time_units) {
  const report result = parse_report(R"({"context": {"host_name": "h"}, "benchmarks": [
    {"name": "a/loop/workers:1", "run_name": "a/loop/workers:1", "run_type": "iteration",
     "real_time": 2.5, "cpu_time": 1, "time_unit": "ms", "lat_p99_us": NaN, "tasks_per_s": Infinity,
     "iterations": 3, "label": "x"}]})",
                                     "inline.json");
  ASSERT_EQ(result.rows.size(), 1u);
  const benchmark_row& row = result.rows.front();
  EXPECT_DOUBLE_EQ(row.real_time_ns, 2.5e6);
  EXPECT_TRUE(std::isnan(row.counters.at("lat_p99_us")));
  EXPECT_TRUE(std::isinf(row.counters.at("tasks_per_s")));
  EXPECT_FALSE(row.counters.contains("iterations"));  // bookkeeping, not a counter
  EXPECT_EQ(result.context.at("host_name"), "h");
}

TEST(read_report, google_benchmark_fixture) {
  const report result = read_report(data_dir + "/report.json");
  std::size_t aggregates = 0, errored = 0;
  for (const auto& row : result.rows) {
    aggregates += row.aggregate;
    errored += row.error_occurred;
  }
  EXPECT_GT(aggregates, 0u);
  EXPECT_EQ(errored, 9u);
  EXPECT_EQ(result.context.at("library_build_type"), "debug");
}

TEST(collect_samples, repetitions_grouped_errors_kept) {
  const auto samples = collect_samples({read_report(data_dir + "/report.json")});
  for (const auto& benchmark : samples) {
    if (benchmark.run_name == "cpu_mix/tbb/workers:2/process_time/real_time") {
      EXPECT_EQ(benchmark.repetitions, 0u);
      EXPECT_EQ(benchmark.errors.size(), 9u);
    } else {
      EXPECT_EQ(benchmark.repetitions, 9u) << benchmark.run_name;  // aggregates are not samples
      EXPECT_EQ(benchmark.metrics.at("real_time").size(), 9u);
    }
  }
}

TEST(collect_samples, aggregates_only_use_the_median) {
  const report input = parse_report(R"({"benchmarks": [
    {"name": "b_mean", "run_name": "b", "run_type": "aggregate", "aggregate_name": "mean",
     "real_time": 10, "cpu_time": 10, "time_unit": "ns"},
    {"name": "b_median", "run_name": "b", "run_type": "aggregate", "aggregate_name": "median",
     "real_time": 9, "cpu_time": 9, "time_unit": "ns"}]})",
                                    "agg.json");
  const auto samples = collect_samples({input});
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].metrics.at("real_time"), std::vector<double>{9});
}

// Each bad input: an input_error whose one-line message names the file and the problem.
void expect_bad(const std::string& name, const std::string& problem) {
  const std::string path = data_dir + "/" + name;
  try {
    read_report(path);
    FAIL() << name << " was accepted";
  } catch (const input_error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.rfind(path, 0), 0u) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << message;
  }
}

TEST(read_report, bad_inputs) {
  expect_bad("missing.json", "no such file");
  expect_bad(".", "directory");
  expect_bad("bad_empty.json", "empty");
  expect_bad("bad_not_json.json", "not JSON");
  expect_bad("bad_truncated.json", "truncated");
  expect_bad("bad_no_benchmarks.json", "benchmarks");
  expect_bad("bad_no_rows.json", "no benchmark rows");
}

TEST(context_says, boolean_true_or_the_string_true) {
  const auto context = nlohmann::json::parse(
      R"({"a": true, "b": "true", "c": false, "d": "false", "e": 1, "f": "yes"})");
  for (const char* key : {"a", "b"}) EXPECT_TRUE(context_says(context, key)) << key;
  for (const char* key : {"c", "d", "e", "f", "missing"})
    EXPECT_FALSE(context_says(context, key)) << key;
  EXPECT_FALSE(context_says(nlohmann::json::array(), "a"));
}

TEST(parse_report, nan_real_time_is_bad_input) {
  EXPECT_THROW(
      parse_report(R"({"benchmarks": [{"name": "a", "real_time": NaN, "cpu_time": 1}]})", "x.json"),
      input_error);
}

}  // namespace
}  // namespace execbench::reports
