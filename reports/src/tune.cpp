#include "execbench/reports/tune.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <utility>
#include <variant>

#include "execbench/reports/median_interval.hpp"
#include "execbench/reports/number_format.hpp"
#include "execbench/reports/statistics.hpp"
#include "execbench/reports/summary.hpp"

namespace execbench::reports {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr const char* throughput_metric = "tasks_per_s";

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

/// Repetitions of one worker count of one series, pooled over run names that differ only in
/// suffixes (/real_time).
struct point_samples {
  std::vector<double> throughput, lat_p99_us, wait_compute_ratio, efficiency, offered_rate_per_s;
  std::vector<std::string> run_names;
  std::size_t repetitions = 0;
  std::vector<std::string> errors;
};

struct series_samples {
  std::string workload, runtime;
  std::map<long, point_samples> points;
};

double median_or_nan(const std::vector<double>& values) {
  return values.empty() ? nan : median(values);
}

int core_count(const nlohmann::json& context) {
  for (const char* key : {"num_cpus", "hardware_concurrency"}) {
    const auto it = context.find(key);
    if (it == context.end()) continue;
    double value = 0;
    if (it->is_number()) {
      value = it->get<double>();
    } else if (it->is_string()) {
      try {
        value = std::stod(it->get<std::string>());
      } catch (const std::exception&) {
        continue;
      }
    }
    if (value >= 1 && value < 1e6) return static_cast<int>(value);
  }
  return 0;
}

std::string workers_phrase(long count) {
  return std::to_string(count) + (count == 1 ? " worker" : " workers");
}

std::string worker_list(const std::vector<tune_point>& points) {
  std::string text;
  for (const auto& point : points)
    text += (text.empty() ? "" : ", ") + std::to_string(point.workers);
  return text;
}

/// What kind of work the measured W/C says this is.
std::string work_kind(double wait_compute_ratio) {
  if (std::isnan(wait_compute_ratio)) return "";
  if (std::isinf(wait_compute_ratio)) return "waits only, never computes (W/C = ∞)";
  const std::string ratio = format_count(wait_compute_ratio);
  if (wait_compute_ratio < 0.25) return "CPU-bound (W/C = " + ratio + ")";
  if (wait_compute_ratio > 4) return "I/O-bound (W/C = " + ratio + ")";
  return "mixed CPU and waiting (W/C = " + ratio + ")";
}

/// "--workers=256,384,512": the counts to sweep next, as execbench takes them.
std::string workers_flag(const std::vector<long>& counts) {
  std::string text = "--workers=";
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (i) text += ',';
    text += std::to_string(counts[i]);
  }
  return text;
}

/// A p99 latency in words: 850 µs, 1.2 ms.
std::string latency(double us) {
  return format_duration(us, "us");
}

void explain(tune_result& r, int cores, const tune_options& options) {
  const long largest = r.points.back().workers;
  const std::string percent_within = format_count(options.within * 100) + "%";
  const bool n_star_finite = std::isfinite(r.fit.n_star);
  const std::string n_star = format_count(r.fit.n_star);
  const std::string kind = work_kind(r.wait_compute_ratio);
  const std::string recommended = std::to_string(r.recommended_workers);

  // 1. Where the recommendation sits against the best measured point.
  if (r.recommended_workers == r.best_workers) {
    r.reasons.push_back(
        workers_phrase(r.recommended_workers) + (r.recommended_workers == 1 ? " gives" : " give") +
        (r.open_loop ? " the lowest measured p99 latency" : " the best measured throughput") +
        (r.points.front().workers < r.best_workers ? "; fewer lose more than " + percent_within
                                                   : ""));
  } else if (r.open_loop) {
    r.reasons.push_back(workers_phrase(r.recommended_workers) +
                        (r.recommended_workers == 1 ? " has" : " have") + " a p99 latency " +
                        format_percent(r.recommended_lat_p99_us / r.best_lat_p99_us - 1, false) +
                        " above the lowest (" + latency(r.best_lat_p99_us) + " at " +
                        std::to_string(r.best_workers) + ")");
  } else {
    r.reasons.push_back(
        workers_phrase(r.recommended_workers) +
        (r.recommended_workers == 1 ? " reaches " : " reach ") +
        // Rounded down: never "100%" for a point below the best.
        format("%.0f", std::floor(r.recommended_throughput / r.best_throughput * 100)) +
        "% of the best throughput (at " + std::to_string(r.best_workers) + ")");
  }

  // 2. The counts that cannot be told apart from the recommendation.
  if (r.recommended_low != r.recommended_high)
    r.reasons.push_back(
        std::to_string(r.recommended_low) + " to " + std::to_string(r.recommended_high) +
        " workers cannot be told apart from " + recommended + ": their " +
        (r.open_loop ? "p99 latencies'" : "throughputs'") + " ranges overlap its own");

  // 3. What more workers do, and why.
  std::string more;
  if (r.recommended_workers == largest) {
    more = (r.open_loop ? "p99 latency still falls" : "throughput still rises") +
           std::string(" at the largest count measured (") + std::to_string(largest) + ")";
  } else if (r.open_loop) {
    const double gain = 1 - r.best_lat_p99_us / r.recommended_lat_p99_us;
    const double at_largest = r.points.back().lat_p99_us / r.best_lat_p99_us;
    if (r.best_workers > r.recommended_workers && gain >= 0.01)
      more = "more cut p99 latency by at most " + format_percent(gain, false);
    else if (at_largest > 1.01)
      more = "more raise p99 latency (" + format_count((at_largest - 1) * 100) +
             "% above the lowest at " + std::to_string(largest) + ")";
    else
      more = "more change nothing";
  } else {
    const double gain = r.best_throughput / r.recommended_throughput - 1;
    const double at_largest = r.points.back().throughput / r.best_throughput;
    if (r.best_workers > r.recommended_workers && gain >= 0.01)
      more = "more add at most " + format_percent(gain, false);
    else if (at_largest < 0.99)
      more = "more lose throughput (" + format("%.0f", at_largest * 100) + "% of the best at " +
             std::to_string(largest) + ")";
    else
      more = "more add nothing";
  }
  std::string why = kind;
  if (!r.open_loop && r.reliable && n_star_finite)
    why += (why.empty() ? "" : ", ") + std::string("N* ≈ ") + n_star;
  if (!why.empty()) more += ": " + why;
  r.reasons.push_back(more);

  // 4. A best point at the edge of the sweep: the sweep may have stopped too early.
  if (r.edge == "max")
    r.reasons.push_back("best at the largest count swept (" + std::to_string(r.best_workers) +
                        "): sweep on, e.g. " + workers_flag(r.next_sweep));
  else if (r.edge == "min")
    r.reasons.push_back("best at the smallest count swept (" + std::to_string(r.best_workers) +
                        "): sweep lower, e.g. " + workers_flag(r.next_sweep));

  // 5. The fit.
  const std::string r2 = format_count(r.fit.r2);
  if (r.open_loop) {
    r.reasons.push_back("open loop at " + format_count(r.offered_rate_per_s, "tasks/s") +
                        " offered: the arrival rate sets the throughput, so the USL fit "
                        "(R² = " +
                        r2 + ") says nothing about the worker count; tuned by p99");
  } else if (!r.reliable) {
    r.reasons.push_back("unreliable fit, R² = " + r2 +
                        ": the recommendation rests on the measured points only");
  } else {
    std::string fit = "USL fit R² = " + r2 + ": contention σ = " + format_count(r.fit.sigma) +
                      ", coherency κ = " + format_count(r.fit.kappa);
    if (!n_star_finite)
      fit += ", no retrograde region (N* none)";
    else if (r.fit.n_star > 2.0 * static_cast<double>(largest))
      fit += ", peak N* ≈ " + n_star + " lies far beyond the sweep";
    else
      fit += ", peak at N* ≈ " + n_star;
    r.reasons.push_back(fit);
  }

  // 6. Goetz, as a cross-check.
  if (std::isnan(r.wait_compute_ratio)) {
    r.reasons.push_back("no Goetz estimate: the rows have no wait_compute_ratio");
  } else if (std::isinf(r.wait_compute_ratio)) {
    r.reasons.push_back(
        "Goetz: no bound from W/C: the tasks wait and never compute (W/C = ∞ at every count), so "
        "cores × (1 + W/C) is unbounded; only the measurements bound the worker count");
  } else if (cores == 0) {
    r.reasons.push_back("no Goetz estimate: the context has no num_cpus or hardware_concurrency");
  } else {
    const double rec = static_cast<double>(r.recommended_workers);
    std::string goetz = "Goetz: " + std::to_string(cores) + " cores × (1 + " +
                        format_count(r.wait_compute_ratio) + ") ≈ " +
                        format_count(r.goetz_workers) + " (W/C the sweep's smallest, at " +
                        workers_phrase(r.wait_compute_workers) + ")";
    if (std::abs(r.goetz_workers - rec) <= std::max(1.0, 0.25 * rec))
      goetz += ", in line with the measurements";
    else if (r.goetz_workers > rec)
      goetz += ", more than the measurements support (contention the formula ignores)";
    else
      goetz += ", fewer than the measurements support";
    r.reasons.push_back(goetz);
  }
}

/// The counts to sweep next past the edge the best point sits on: from the largest L on,
/// L, 1.5 L, 2 L; below the smallest S, S/4, S/2, 3S/4, S (at least 1, without repeats).
std::vector<long> next_sweep(const std::string& edge, long count) {
  std::vector<double> factors;
  if (edge == "max") factors = {1, 1.5, 2};
  if (edge == "min") factors = {0.25, 0.5, 0.75, 1};
  std::vector<long> counts;
  for (double factor : factors) {
    const long next = std::max(1L, std::lround(factor * static_cast<double>(count)));
    if (counts.empty() || counts.back() != next) counts.push_back(next);
  }
  return counts;
}

/// The tuned series, or the reason it cannot be tuned.
std::variant<tune_result, std::string> tune_series(const series_samples& series, int cores,
                                                   const tune_options& options) {
  tune_result r;
  r.workload = series.workload;
  r.runtime = series.runtime;
  std::vector<std::string> errored;
  std::vector<double> offered;  // offered_rate_per_s over every row: present on open loops
  std::string no_p99_row;       // an open-loop row without lat_p99_us
  for (const auto& [workers, samples] : series.points) {
    if (workers < 1)
      return "worker count " + std::to_string(workers) + " in row " + samples.run_names.front() +
             " (the law needs N >= 1)";
    if (samples.repetitions == 0) {
      errored.push_back("workers:" + std::to_string(workers) +
                        (samples.errors.empty() ? "" : " (" + samples.errors.front() + ")"));
      continue;
    }
    if (samples.throughput.empty())
      return std::string("no ") + throughput_metric + " counter in row " +
             samples.run_names.front();
    for (double value : samples.throughput)
      if (!(value > 0))
        return std::string("non-positive ") + throughput_metric + " (" + format_count(value) +
               ") in row " + samples.run_names.front();
    tune_point point;
    point.workers = workers;
    point.throughput = median(samples.throughput);
    point.throughput_min = *std::min_element(samples.throughput.begin(), samples.throughput.end());
    point.throughput_max = *std::max_element(samples.throughput.begin(), samples.throughput.end());
    point.throughput_range = median_with_range(samples.throughput);
    point.lat_p99_us = median_or_nan(samples.lat_p99_us);
    point.lat_p99_range = median_with_range(samples.lat_p99_us);
    // +infinity (a task that never computes) is a value here: only NaN means "not measured".
    point.wait_compute_ratio = median_or_nan(samples.wait_compute_ratio);
    point.efficiency = median_or_nan(samples.efficiency);
    point.repetitions = samples.repetitions;
    r.points.push_back(point);
    offered.insert(offered.end(), samples.offered_rate_per_s.begin(),
                   samples.offered_rate_per_s.end());
    if (!samples.offered_rate_per_s.empty() && samples.lat_p99_us.empty() && no_p99_row.empty())
      no_p99_row = samples.run_names.front();
  }
  if (r.points.empty())
    return "no successful points (every row errored" +
           (errored.empty() ? std::string() : ": " + errored.front()) + ")";
  if (r.points.size() < options.min_worker_counts)
    return "only " + std::to_string(r.points.size()) + " worker count" +
           (r.points.size() == 1 ? "" : "s") + " (" + worker_list(r.points) +
           (errored.empty() ? "" : "; errored: " + errored.front()) + "); tune needs at least " +
           std::to_string(options.min_worker_counts);
  r.open_loop = !offered.empty();
  if (r.open_loop && !no_p99_row.empty())
    return "open loop (offered_rate_per_s) without lat_p99_us in row " + no_p99_row +
           ": an open loop is tuned by p99 latency";
  r.offered_rate_per_s = r.open_loop ? median(offered) : nan;
  r.tuned_by = r.open_loop ? "lat_p99_us" : throughput_metric;

  std::vector<double> n, x;
  for (const auto& point : r.points) {
    n.push_back(static_cast<double>(point.workers));
    x.push_back(point.throughput);
  }
  r.fit = fit_usl(n, x);
  r.reliable = r.fit.r2 >= options.min_r2;

  // The tuned metric: throughput, higher is better; on open loop p99, lower is better.
  auto figure = [&](const tune_point& p) { return r.open_loop ? p.lat_p99_us : p.throughput; };
  auto range = [&](const tune_point& p) -> const median_range& {
    return r.open_loop ? p.lat_p99_range : p.throughput_range;
  };
  auto better = [&](const tune_point& a, const tune_point& b) {
    return r.open_loop ? figure(a) < figure(b) : figure(a) > figure(b);
  };
  const auto best = std::min_element(r.points.begin(), r.points.end(), better);
  r.best_workers = best->workers;
  r.best_throughput = best->throughput;
  r.best_lat_p99_us = best->lat_p99_us;
  // The recommendation rests on measured points, never on the curve: a fit can be wrong, a
  // measurement at least happened.
  const auto chosen = std::find_if(r.points.begin(), r.points.end(), [&](const auto& p) {
    return r.open_loop ? p.lat_p99_us <= (1 + options.within) * r.best_lat_p99_us
                       : p.throughput >= (1 - options.within) * r.best_throughput;
  });
  r.recommended_workers = chosen->workers;
  r.recommended_throughput = chosen->throughput;
  r.recommended_lat_p99_us = chosen->lat_p99_us;
  // The range: neighbouring counts, outwards from the recommendation while their ranges
  // overlap its own (summary's tie rule); a count that can be told apart ends the range.
  const auto index = static_cast<std::size_t>(chosen - r.points.begin());
  std::size_t low = index, high = index;
  while (low > 0 && ranges_overlap(range(r.points[low - 1]), range(*chosen))) --low;
  while (high + 1 < r.points.size() && ranges_overlap(range(r.points[high + 1]), range(*chosen)))
    ++high;
  r.recommended_low = r.points[low].workers;
  r.recommended_high = r.points[high].workers;
  // A best point at the edge of the sweep; below one worker there is nothing to sweep.
  if (best->workers == r.points.back().workers)
    r.edge = "max";
  else if (best->workers == r.points.front().workers && best->workers > 1)
    r.edge = "min";
  r.next_sweep = next_sweep(r.edge, best->workers);
  // W/C is a property of the task, but queueing inflates the waits measured at a count (a task
  // waiting for a worker or a lock): the smallest point median is the least inflated.
  r.wait_compute_ratio = nan;
  for (const auto& point : r.points) {
    if (std::isnan(point.wait_compute_ratio)) continue;
    if (std::isnan(r.wait_compute_ratio) || point.wait_compute_ratio < r.wait_compute_ratio) {
      r.wait_compute_ratio = point.wait_compute_ratio;
      r.wait_compute_workers = point.workers;
    }
  }
  r.goetz_workers =
      cores > 0 && std::isfinite(r.wait_compute_ratio) ? cores * (1 + r.wait_compute_ratio) : nan;
  explain(r, cores, options);
  if (!errored.empty())
    r.reasons.push_back(
        "left out, errored: " + errored.front() +
        (errored.size() > 1 ? " and " + std::to_string(errored.size() - 1) + " more" : ""));
  return r;
}

}  // namespace

tuning tune_report(const report& input, const tune_options& options) {
  tuning result;
  result.path = input.path;
  result.cores = core_count(input.context);
  result.options = options;

  std::vector<series_samples> series;
  std::map<std::pair<std::string, std::string>, std::size_t> position;
  for (const auto& samples : collect_samples({input})) {
    const benchmark_name name = parse_benchmark_name(samples.run_name);
    if (name.runtime.empty() || name.workload == "primitive" ||
        name.workload.starts_with("primitive/"))
      continue;
    const auto key = std::make_pair(name.workload, name.runtime);
    const auto [it, inserted] = position.try_emplace(key, series.size());
    if (inserted) series.push_back({name.workload, name.runtime, {}});
    point_samples& point = series[it->second].points[name.workers];
    auto append = [&](const char* metric, std::vector<double>& into) {
      if (const auto m = samples.metrics.find(metric); m != samples.metrics.end())
        into.insert(into.end(), m->second.begin(), m->second.end());
    };
    append(throughput_metric, point.throughput);
    append("lat_p99_us", point.lat_p99_us);
    append("wait_compute_ratio", point.wait_compute_ratio);
    append("efficiency", point.efficiency);
    append("offered_rate_per_s", point.offered_rate_per_s);
    point.run_names.push_back(samples.run_name);
    point.repetitions += samples.repetitions;
    point.errors.insert(point.errors.end(), samples.errors.begin(), samples.errors.end());
  }
  if (series.empty())
    throw input_error(input.path +
                      ": no <workload>/<runtime>/workers:<N> rows to tune (primitive rows are "
                      "ignored)");

  for (const auto& s : series) {
    auto outcome = tune_series(s, result.cores, options);
    if (auto* tuned = std::get_if<tune_result>(&outcome))
      result.results.push_back(std::move(*tuned));
    else
      result.skipped.push_back({s.workload, s.runtime, std::get<std::string>(outcome)});
  }
  if (result.results.empty()) {
    // One line however many series: the first few reasons, then a count.
    constexpr std::size_t shown = 3;
    std::string message = input.path + ": nothing to tune: ";
    for (std::size_t i = 0; i < result.skipped.size() && i < shown; ++i)
      message += (i ? "; " : "") + result.skipped[i].workload + "/" + result.skipped[i].runtime +
                 ": " + result.skipped[i].reason;
    if (result.skipped.size() > shown)
      message += "; and " + std::to_string(result.skipped.size() - shown) + " more series";
    throw input_error(message);
  }
  return result;
}

}  // namespace execbench::reports
