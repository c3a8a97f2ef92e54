#pragma once
// summary: one report, per workload, runtimes ranked by throughput, with p99 and efficiency.

#include <string>
#include <vector>

#include "execbench/reports/report.hpp"

namespace execbench::reports {

/// A benchmark name split into its parts: "<workload>/<runtime>/workers:<N>", where primitive
/// benchmarks have a two-part workload "primitive/<name>" and suffixes such as /real_time or
/// /process_time after the worker count are ignored.
struct benchmark_name {
  std::string workload;
  std::string runtime;  ///< empty when the name does not follow the pattern
  long workers = 0;
};

/// Splits a run name; names that do not follow the pattern keep the whole name as workload.
benchmark_name parse_benchmark_name(const std::string& run_name);

/// One runtime of one workload, at its best worker count.
struct runtime_result {
  std::string runtime;
  long workers = 0;
  double throughput = 0;  ///< median over repetitions
  double lat_p99_us = 0;  ///< NaN when absent
  double efficiency = 0;  ///< NaN when absent
  std::size_t repetitions = 0;
};

/// One workload: runtimes ranked by throughput, best first.
struct workload_summary {
  std::string workload;
  std::string throughput_metric;  ///< tasks_per_s, items_per_second, or runs_per_s (1/real_time)
  std::vector<runtime_result> ranking;
};

/// Summaries of every workload, in order of first appearance. Throws input_error when no row
/// has a usable throughput.
std::vector<workload_summary> summarise(const report& input);

/// Console (aligned) or Markdown.
std::string render_summary(const std::vector<workload_summary>& workloads, const std::string& path,
                           bool markdown);

}  // namespace execbench::reports
