#include "execbench/reports/summary.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

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
  const auto workloads = summarise(read_report(data_dir + "/report.json"));
  ASSERT_EQ(workloads.size(), 3u);
  const auto& web = workloads[0];
  EXPECT_EQ(web.workload, "web_request");
  EXPECT_EQ(web.throughput_metric, "tasks_per_s");
  EXPECT_EQ(web.ranking.front().runtime, "asio");
  EXPECT_EQ(web.ranking.front().workers, 4);
  EXPECT_EQ(web.ranking.size(), 6u);
  for (std::size_t i = 1; i < web.ranking.size(); ++i)
    EXPECT_GE(web.ranking[i - 1].throughput, web.ranking[i].throughput);
  EXPECT_FALSE(std::isnan(web.ranking.front().lat_p99_us));
  // cpu_mix/tbb/workers:2 errored: tbb still ranks, at the worker count that ran.
  const auto& cpu = workloads[1];
  const auto tbb = std::find_if(cpu.ranking.begin(), cpu.ranking.end(),
                                [](const auto& r) { return r.runtime == "tbb"; });
  ASSERT_NE(tbb, cpu.ranking.end());
  EXPECT_EQ(tbb->workers, 1);
  // Primitives have no tasks_per_s: items_per_second, and no latency.
  EXPECT_EQ(workloads[2].workload, "primitive/spawn");
  EXPECT_EQ(workloads[2].throughput_metric, "items_per_second");
  EXPECT_TRUE(std::isnan(workloads[2].ranking.front().lat_p99_us));
}

TEST(render_summary, markdown_golden) {
  const std::string actual =
      render_summary(summarise(read_report(data_dir + "/report.json")), "report.json", true);
  test_support::expect_golden(actual, "golden_summary.md");
}

}  // namespace
}  // namespace execbench::reports
