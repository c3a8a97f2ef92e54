#include "execbench/reports/metrics.hpp"

#include <cmath>
#include <cstdio>

namespace execbench::reports {

direction metric_direction(std::string_view metric) {
  static constexpr std::string_view higher[] = {"tasks_per_s", "efficiency", "items_per_second",
                                                "bytes_per_second"};
  static constexpr std::string_view lower[] = {
      "real_time",        "cpu_time",           "lat_p50_us",  "lat_p99_us",
      "lat_p999_us",      "lat_max_us",         "makespan_ms", "overhead_ms",
      "ctx_switches_vol", "ctx_switches_invol", "max_rss_mb",  "loop_lag_p99_us"};
  for (std::string_view name : higher)
    if (name == metric) return direction::higher_is_better;
  for (std::string_view name : lower)
    if (name == metric) return direction::lower_is_better;
  return direction::unknown;
}

std::string_view to_string(direction value) {
  switch (value) {
    case direction::lower_is_better:
      return "lower";
    case direction::higher_is_better:
      return "higher";
    case direction::unknown:
      break;
  }
  return "unknown";
}

const std::vector<std::string>& default_metrics() {
  static const std::vector<std::string> metrics = {
      "real_time",          "tasks_per_s",      "lat_p50_us",         "lat_p99_us",
      "lat_p999_us",        "lat_max_us",       "makespan_ms",        "ideal_ms",
      "efficiency",         "overhead_ms",      "kernel_cpu_ms",      "cpu_util",
      "wait_compute_ratio", "ctx_switches_vol", "ctx_switches_invol", "max_rss_mb",
      "loop_lag_p99_us",    "items_per_second", "bytes_per_second"};
  return metrics;
}

std::string format_metric_value(std::string_view metric, double value) {
  char buffer[64];
  if (std::isnan(value)) return "-";
  if (metric == "real_time" || metric == "cpu_time") {
    // Stored in nanoseconds; pick the unit that keeps 1 to 3 integer digits.
    const double magnitude = std::abs(value);
    const char* unit = "ns";
    double scaled = value;
    if (magnitude >= 1e9)
      unit = "s", scaled = value / 1e9;
    else if (magnitude >= 1e6)
      unit = "ms", scaled = value / 1e6;
    else if (magnitude >= 1e3)
      unit = "us", scaled = value / 1e3;
    std::snprintf(buffer, sizeof buffer, "%.4g %s", scaled, unit);
    return buffer;
  }
  std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

}  // namespace execbench::reports
