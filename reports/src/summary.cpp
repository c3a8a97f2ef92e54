#include "execbench/reports/summary.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "execbench/reports/statistics.hpp"
#include "execbench/reports/text_table.hpp"

namespace execbench::reports {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

double median_of(const benchmark_samples& samples, const std::string& metric) {
  const auto it = samples.metrics.find(metric);
  return it == samples.metrics.end() ? nan : median(it->second);
}

std::string number(double value, const char* format = "%.4g") {
  if (std::isnan(value)) return "-";
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

}  // namespace

benchmark_name parse_benchmark_name(const std::string& run_name) {
  const std::vector<std::string> parts = split(run_name, '/');
  for (std::size_t i = 2; i < parts.size(); ++i) {
    if (!parts[i].starts_with("workers:")) continue;
    const std::string count = parts[i].substr(8);
    long workers = 0;
    const auto [end, error] = std::from_chars(count.data(), count.data() + count.size(), workers);
    if (error != std::errc() || end != count.data() + count.size()) continue;
    benchmark_name result;
    result.runtime = parts[i - 1];
    result.workers = workers;
    for (std::size_t j = 0; j + 1 < i; ++j) result.workload += (j ? "/" : "") + parts[j];
    return result;
  }
  return {run_name, "", 0};
}

std::vector<workload_summary> summarise(const report& input) {
  const std::vector<benchmark_samples> all = collect_samples({input});
  std::vector<workload_summary> result;
  std::map<std::string, std::size_t> position;
  std::map<std::string, std::vector<const benchmark_samples*>> members;
  for (const auto& samples : all) {
    if (samples.repetitions == 0) continue;  // errored throughout: nothing to rank
    const benchmark_name name = parse_benchmark_name(samples.run_name);
    if (position.try_emplace(name.workload, result.size()).second)
      result.push_back({name.workload, "", {}});
    members[name.workload].push_back(&samples);
  }
  for (auto& workload : result) {
    const auto& rows = members[workload.workload];
    auto all_have = [&](const char* metric) {
      return std::all_of(rows.begin(), rows.end(),
                         [&](const auto* s) { return !std::isnan(median_of(*s, metric)); });
    };
    workload.throughput_metric = all_have("tasks_per_s")        ? "tasks_per_s"
                                 : all_have("items_per_second") ? "items_per_second"
                                                                : "runs_per_s";
    std::map<std::string, runtime_result> best;
    for (const auto* samples : rows) {
      const benchmark_name name = parse_benchmark_name(samples->run_name);
      runtime_result candidate;
      candidate.runtime = name.runtime.empty() ? samples->run_name : name.runtime;
      candidate.workers = name.workers;
      candidate.throughput = workload.throughput_metric == "runs_per_s"
                                 ? 1e9 / median_of(*samples, "real_time")
                                 : median_of(*samples, workload.throughput_metric);
      candidate.lat_p99_us = median_of(*samples, "lat_p99_us");
      candidate.efficiency = median_of(*samples, "efficiency");
      candidate.repetitions = samples->repetitions;
      auto [it, inserted] = best.try_emplace(candidate.runtime, candidate);
      if (!inserted && candidate.throughput > it->second.throughput) it->second = candidate;
    }
    for (auto& [runtime, entry] : best) workload.ranking.push_back(entry);
    std::stable_sort(workload.ranking.begin(), workload.ranking.end(),
                     [](const auto& a, const auto& b) { return a.throughput > b.throughput; });
  }
  if (result.empty()) throw input_error(input.path + ": no successful benchmark rows to summarise");
  return result;
}

std::string render_summary(const std::vector<workload_summary>& workloads, const std::string& path,
                           bool markdown) {
  std::string out =
      markdown ? "## Benchmark summary\n\nReport: `" + path + "`\n\n" : "Report: " + path + "\n\n";
  text_table best;
  best.header = {"workload", "best runtime", "workers", "throughput", "unit"};
  best.numeric = {false, false, true, true, false};
  for (const auto& workload : workloads) {
    const auto& top = workload.ranking.front();
    best.rows.push_back({{workload.workload, ""},
                         {top.runtime, ""},
                         {std::to_string(top.workers), ""},
                         {number(top.throughput), ""},
                         {workload.throughput_metric, ""}});
  }
  out += markdown ? "### Best per workload\n\n" + best.to_markdown() : best.to_console(false);
  for (const auto& workload : workloads) {
    text_table table;
    table.header = {"rank",    "runtime",    "workers",    workload.throughput_metric,
                    "vs best", "lat_p99_us", "efficiency", "n"};
    table.numeric = {true, false, true, true, true, true, true, true};
    const double top = workload.ranking.front().throughput;
    for (std::size_t i = 0; i < workload.ranking.size(); ++i) {
      const auto& entry = workload.ranking[i];
      table.rows.push_back({{std::to_string(i + 1), ""},
                            {entry.runtime, ""},
                            {std::to_string(entry.workers), ""},
                            {number(entry.throughput), ""},
                            {number(top > 0 ? entry.throughput / top * 100 : nan, "%.1f%%"), ""},
                            {number(entry.lat_p99_us), ""},
                            {number(entry.efficiency, "%.3f"), ""},
                            {std::to_string(entry.repetitions), ""}});
    }
    out += markdown ? "\n### " + workload.workload + "\n\n" + table.to_markdown()
                    : "\n" + workload.workload + "\n" + table.to_console(false);
  }
  return out;
}

}  // namespace execbench::reports
