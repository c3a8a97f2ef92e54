#include "execbench/reports/compare.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "reports_test_support.hpp"

namespace execbench::reports {
namespace {

const std::string data_dir = EXECBENCH_REPORTS_DATA_DIR;

// A report with `repetitions` iteration rows per benchmark: real time around `time_ns` × factor
// with 1% noise, and tasks_per_s consistent with it.
report synthetic(const std::string& path, double factor, std::size_t repetitions, unsigned seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> noise(1, 0.01);
  report result;
  result.path = path;
  result.context = {{"host_name", "h"}};
  for (const char* name : {"w/asio/workers:2", "w/tbb/workers:2"}) {
    for (std::size_t i = 0; i < repetitions; ++i) {
      benchmark_row row;
      row.name = row.run_name = name;
      row.real_time_ns = 1e8 * factor * noise(random);
      row.cpu_time_ns = row.real_time_ns / 2;
      row.counters["tasks_per_s"] = 2000 / (row.real_time_ns / 1e9);
      row.counters["custom_thing"] = 3;
      result.rows.push_back(row);
    }
  }
  return result;
}

const metric_comparison& find(const comparison& result, const std::string& benchmark,
                              const std::string& metric) {
  for (const auto& row : result.rows)
    if (row.benchmark == benchmark && row.metric == metric) return row;
  throw std::runtime_error("no row " + benchmark + " " + metric);
}

TEST(compare_reports, twenty_percent_slowdown_is_slower) {
  const comparison result =
      compare_reports({synthetic("b", 1.0, 9, 1)}, {synthetic("n", 1.2, 9, 2)}, {});
  const metric_comparison& time = find(result, "w/asio/workers:2", "real_time");
  EXPECT_EQ(time.verdict, verdict::slower);
  EXPECT_NEAR(time.change, 0.2, 0.03);
  EXPECT_LT(time.ci_low, 0.2);
  EXPECT_GT(time.ci_high, 0.15);
  EXPECT_TRUE(time.exact_p);
  // Higher is better for throughput: it fell, which is also "slower".
  EXPECT_EQ(find(result, "w/asio/workers:2", "tasks_per_s").verdict, verdict::slower);
  EXPECT_TRUE(result.has_regression());
}

TEST(compare_reports, one_percent_change_is_noise) {
  const comparison result =
      compare_reports({synthetic("b", 1.0, 9, 1)}, {synthetic("n", 1.01, 9, 2)}, {});
  for (const auto& row : result.rows) {
    if (row.direction != direction::unknown) {
      EXPECT_EQ(row.verdict, verdict::within_noise) << row.benchmark << " " << row.metric;
    }
  }
  EXPECT_FALSE(result.has_regression());
}

TEST(compare_reports, speedup_is_faster) {
  const comparison result =
      compare_reports({synthetic("b", 1.0, 9, 1)}, {synthetic("n", 0.8, 9, 2)}, {});
  EXPECT_EQ(find(result, "w/tbb/workers:2", "real_time").verdict, verdict::faster);
  EXPECT_EQ(find(result, "w/tbb/workers:2", "tasks_per_s").verdict, verdict::faster);
}

TEST(compare_reports, threshold_and_alpha_are_honoured) {
  compare_options wide;
  wide.threshold = 0.25;
  EXPECT_FALSE(compare_reports({synthetic("b", 1.0, 9, 1)}, {synthetic("n", 1.2, 9, 2)}, wide)
                   .has_regression());
  compare_options strict;
  strict.alpha = 1e-6;  // beyond what 9 against 9 can reach (2/48620)
  EXPECT_FALSE(compare_reports({synthetic("b", 1.0, 9, 1)}, {synthetic("n", 1.2, 9, 2)}, strict)
                   .has_regression());
}

TEST(compare_reports, unknown_counters_only_on_request_and_without_verdict) {
  const auto base = synthetic("b", 1.0, 9, 1);
  const auto next = synthetic("n", 1.2, 9, 2);
  const comparison by_default = compare_reports({base}, {next}, {});
  EXPECT_EQ(by_default.metrics, (std::vector<std::string>{"real_time", "tasks_per_s"}));
  compare_options all;
  all.metrics = {"all"};
  const comparison everything = compare_reports({base}, {next}, all);
  EXPECT_EQ(find(everything, "w/asio/workers:2", "custom_thing").verdict, verdict::no_verdict);
  EXPECT_EQ(find(everything, "w/asio/workers:2", "custom_thing").direction, direction::unknown);
  compare_options bad;
  bad.metrics = {"no_such_metric"};
  EXPECT_THROW(compare_reports({base}, {next}, bad), std::invalid_argument);
}

TEST(compare_reports, without_repetitions_no_statistics) {
  const comparison result =
      compare_reports({synthetic("b", 1.0, 1, 1)}, {synthetic("n", 1.5, 1, 2)}, {});
  const metric_comparison& time = find(result, "w/asio/workers:2", "real_time");
  EXPECT_EQ(time.verdict, verdict::no_statistics);
  EXPECT_NEAR(time.change, 0.5, 0.05);
  EXPECT_TRUE(std::isnan(time.p_value));
  EXPECT_FALSE(result.has_regression());
  ASSERT_FALSE(result.warnings.empty());
  EXPECT_NE(result.warnings.back().find("without statistics"), std::string::npos);
}

TEST(compare_reports, few_repetitions_warned) {
  const comparison result =
      compare_reports({synthetic("b", 1.0, 5, 1)}, {synthetic("n", 1.0, 5, 2)}, {});
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("fewer than 9"), std::string::npos);
}

TEST(compare_reports, fixtures_lists_geomean_and_context) {
  const comparison result = compare_reports({read_report(data_dir + "/base.json")},
                                            {read_report(data_dir + "/new.json")}, {});
  EXPECT_EQ(result.only_in_base,
            std::vector<std::string>{"web_request/loop_offload/workers:2/process_time/real_time"});
  EXPECT_EQ(result.only_in_new,
            std::vector<std::string>{"web_request/loop_offload/workers:4/process_time/real_time"});
  ASSERT_EQ(result.errored.size(), 1u);
  EXPECT_EQ(result.errored[0].side, "new");
  EXPECT_EQ(result.errored[0].errored, 9u);
  ASSERT_FALSE(result.geometric_means.empty());
  EXPECT_EQ(result.geometric_means[0].metric, "real_time");
  EXPECT_EQ(result.geometric_means[0].count, 4u);  // matched rows only
  // Geometric mean of the four real-time ratios, recomputed from the rows.
  double log_sum = 0;
  for (const auto& row : result.rows)
    if (row.metric == "real_time") log_sum += std::log(row.new_median / row.base_median);
  EXPECT_NEAR(result.geometric_means[0].ratio, std::exp(log_sum / 4), 1e-12);
  ASSERT_FALSE(result.warnings.empty());
  EXPECT_NE(result.warnings[0].find("boost_version"), std::string::npos);
  EXPECT_EQ(
      find(result, "web_request/thread_pool/workers:2/process_time/real_time", "real_time").verdict,
      verdict::slower);
  EXPECT_EQ(find(result, "web_request/loop/workers:1/process_time/real_time", "real_time").verdict,
            verdict::within_noise);
}

TEST(compare_reports, pooled_files_equal_one_file) {
  const comparison pooled = compare_reports(
      {read_report(data_dir + "/base_part1.json"), read_report(data_dir + "/base_part2.json")},
      {read_report(data_dir + "/new.json")}, {});
  const comparison single = compare_reports({read_report(data_dir + "/base.json")},
                                            {read_report(data_dir + "/new.json")}, {});
  ASSERT_EQ(pooled.rows.size(), single.rows.size());
  for (std::size_t i = 0; i < pooled.rows.size(); ++i) {
    EXPECT_EQ(pooled.rows[i].base_count, 9u);
    EXPECT_DOUBLE_EQ(pooled.rows[i].base_median, single.rows[i].base_median);
    EXPECT_DOUBLE_EQ(pooled.rows[i].p_value, single.rows[i].p_value);
  }
}

TEST(compare_reports, nothing_in_common_is_bad_input) {
  EXPECT_THROW(compare_reports({read_report(data_dir + "/base.json")},
                               {read_report(data_dir + "/disjoint.json")}, {}),
               input_error);
}

// The Markdown output, against a golden file (EXECBENCH_UPDATE_GOLDEN=1 rewrites it).
using test_support::expect_golden;

TEST(render_comparison, markdown_golden) {
  report base = read_report(data_dir + "/base.json");
  report next = read_report(data_dir + "/new.json");
  base.path = "base.json";  // as the CLI prints them when run from data/
  next.path = "new.json";
  expect_golden(
      render_comparison(compare_reports({base}, {next}, {}), compare_format::markdown, false),
      "golden_compare.md");
}

TEST(render_comparison, markdown_golden_without_statistics) {
  report base = read_report(data_dir + "/base_single.json");
  report next = read_report(data_dir + "/new_single.json");
  base.path = "base_single.json";
  next.path = "new_single.json";
  compare_options options;
  options.metrics = {"real_time", "tasks_per_s"};
  expect_golden(
      render_comparison(compare_reports({base}, {next}, options), compare_format::markdown, false),
      "golden_compare_single.md");
}

TEST(render_comparison, json_is_valid_and_complete) {
  const comparison result = compare_reports({read_report(data_dir + "/base.json")},
                                            {read_report(data_dir + "/new.json")}, {});
  const auto json = nlohmann::json::parse(render_comparison(result, compare_format::json, false));
  EXPECT_EQ(json.at("rows").size(), result.rows.size());
  EXPECT_TRUE(json.at("regression").get<bool>());
  EXPECT_EQ(json.at("only_in_base").size(), 1u);
  EXPECT_EQ(json.at("errored").size(), 1u);
}

TEST(render_comparison, csv_lists_everything_and_console_colours_on_request) {
  const comparison result = compare_reports({read_report(data_dir + "/base.json")},
                                            {read_report(data_dir + "/new.json")}, {});
  const std::string csv = render_comparison(result, compare_format::csv, false);
  EXPECT_NE(csv.find("only_in_base,"), std::string::npos);
  EXPECT_NE(csv.find("only_in_new,"), std::string::npos);
  EXPECT_NE(csv.find("errored_new,"), std::string::npos);
  EXPECT_EQ(render_comparison(result, compare_format::console, false).find('\x1b'),
            std::string::npos);
  EXPECT_NE(render_comparison(result, compare_format::console, true).find("\x1b[31m"),
            std::string::npos);
}

}  // namespace
}  // namespace execbench::reports
