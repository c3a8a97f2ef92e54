#pragma once
// What each metric means for a comparison: which way is better, and how to print it.

#include <string>
#include <string_view>
#include <vector>

namespace execbench::reports {

/// Which way a metric improves.
enum class direction { lower_is_better, higher_is_better, unknown };

/// The direction of a metric by name ("real_time", "cpu_time", a counter, or compare's derived
/// overhead_ms = makespan_ms - ideal_ms, lower is better). Counters with no better side
/// (ideal_ms, cpu_util, wait_compute_ratio, workers, kernel_cpu_ms: the work's own CPU time,
/// speed_probe_ns: the machine's speed) and counters it does not know are `unknown`: they are
/// compared but get no verdict.
direction metric_direction(std::string_view metric);

/// "lower", "higher" or "unknown".
std::string_view to_string(direction value);

/// Shown by default, in this order, when present: real_time, then the docs/design.md "Metrics"
/// counters (except workers) with overhead_ms and kernel_cpu_ms after efficiency, then Google
/// Benchmark's items_per_second and bytes_per_second.
const std::vector<std::string>& default_metrics();

/// A value of `metric` for people (number_format.hpp): times (real_time, cpu_time, *_ns, *_us,
/// *_ms) in the unit that reads best, *_mb in MB, the rest as counts.
std::string format_metric_value(std::string_view metric, double value);

}  // namespace execbench::reports
