#include "execbench/reports/metrics.hpp"

#include "execbench/reports/number_format.hpp"

namespace execbench::reports {

direction metric_direction(std::string_view metric) {
  static constexpr std::string_view higher[] = {"tasks_per_s", "efficiency", "items_per_second",
                                                "bytes_per_second", "best_efficiency"};
  static constexpr std::string_view lower[] = {
      "real_time",        "cpu_time",           "lat_p50_us",  "lat_p99_us",
      "lat_p999_us",      "lat_max_us",         "makespan_ms", "overhead_ms",
      "ctx_switches_vol", "ctx_switches_invol", "max_rss_mb",  "loop_lag_p99_us",
      "metg_us",          "metg_own_us"};
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
      "loop_lag_p99_us",    "items_per_second", "bytes_per_second", "metg_us",
      "metg_own_us",        "best_efficiency"};
  return metrics;
}

std::string format_metric_value(std::string_view metric, double value) {
  // Times carry their unit, as people write them (470 ms, 850 µs); the rest are counts.
  if (metric == "real_time" || metric == "cpu_time" || metric.ends_with("_ns"))
    return format_duration(value, "ns");
  if (metric.ends_with("_us")) return format_duration(value, "us");
  if (metric.ends_with("_ms")) return format_duration(value, "ms");
  if (metric.ends_with("_mb")) return format_count(value, "MB");
  return format_count(value);
}

}  // namespace execbench::reports
