#include "execbench/reports/tune.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <utility>
#include <variant>

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
  std::vector<double> throughput, lat_p99_us, wait_compute_ratio;
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
  const std::string ratio = format("%.3g", wait_compute_ratio);
  if (wait_compute_ratio < 0.25) return "CPU-bound (W/C = " + ratio + ")";
  if (wait_compute_ratio > 4) return "I/O-bound (W/C = " + ratio + ")";
  return "mixed CPU and waiting (W/C = " + ratio + ")";
}

void explain(tune_result& r, int cores, const tune_options& options) {
  const long largest = r.points.back().workers;
  const std::string percent_within = format("%g%%", options.within * 100);
  const bool n_star_finite = std::isfinite(r.fit.n_star);
  const std::string n_star = format("%.3g", r.fit.n_star);
  const std::string kind = work_kind(r.wait_compute_ratio);

  // 1. Where the recommendation sits against the best measured point.
  if (r.recommended_workers == r.best_workers) {
    r.reasons.push_back(
        workers_phrase(r.recommended_workers) + (r.recommended_workers == 1 ? " gives" : " give") +
        " the best measured throughput" +
        (r.points.front().workers < r.best_workers ? "; fewer lose more than " + percent_within
                                                   : ""));
  } else {
    r.reasons.push_back(
        workers_phrase(r.recommended_workers) +
        (r.recommended_workers == 1 ? " reaches " : " reach ") +
        // Rounded down: never "100%" for a point below the best.
        format("%.0f", std::floor(r.recommended_throughput / r.best_throughput * 100)) +
        "% of the best throughput (at " + std::to_string(r.best_workers) + ")");
  }

  // 2. What more workers do, and why.
  std::string more;
  if (r.recommended_workers == largest) {
    more = "throughput still rises at the largest count measured (" + std::to_string(largest) +
           "): a sweep to more workers may recommend more";
  } else {
    const double gain = r.best_throughput / r.recommended_throughput - 1;
    const double at_largest = r.points.back().throughput / r.best_throughput;
    if (r.best_workers > r.recommended_workers && gain >= 0.01)
      more = "more add at most " + format("%.1f", gain * 100) + "%";
    else if (at_largest < 0.99)
      more = "more lose throughput (" + format("%.0f", at_largest * 100) + "% of the best at " +
             std::to_string(largest) + ")";
    else
      more = "more add nothing";
    std::string why = kind;
    if (r.reliable && n_star_finite)
      why += (why.empty() ? "" : ", ") + std::string("N* ≈ ") + n_star;
    if (!why.empty()) more += ": " + why;
  }
  r.reasons.push_back(more);

  // 3. The fit.
  const std::string r2 = format("%.2f", r.fit.r2);
  if (!r.reliable) {
    r.reasons.push_back("unreliable fit, R² = " + r2 +
                        ": the recommendation rests on the measured points only");
  } else {
    std::string fit = "USL fit R² = " + r2 + ": contention σ = " + format("%.3g", r.fit.sigma) +
                      ", coherency κ = " + format("%.3g", r.fit.kappa);
    if (!n_star_finite)
      fit += ", no retrograde region (N* none)";
    else if (r.fit.n_star > 2.0 * static_cast<double>(largest))
      fit += ", peak N* ≈ " + n_star + " lies far beyond the sweep";
    else
      fit += ", peak at N* ≈ " + n_star;
    r.reasons.push_back(fit);
  }

  // 4. Goetz, as a cross-check.
  if (std::isnan(r.wait_compute_ratio)) {
    r.reasons.push_back("no Goetz estimate: the rows have no wait_compute_ratio");
  } else if (cores == 0) {
    r.reasons.push_back("no Goetz estimate: the context has no num_cpus or hardware_concurrency");
  } else {
    const double rec = static_cast<double>(r.recommended_workers);
    std::string goetz = "Goetz: " + std::to_string(cores) + " cores × (1 + " +
                        format("%.3g", r.wait_compute_ratio) + ") ≈ " +
                        format("%.3g", r.goetz_workers);
    if (std::abs(r.goetz_workers - rec) <= std::max(1.0, 0.25 * rec))
      goetz += ", in line with the measurements";
    else if (r.goetz_workers > rec)
      goetz += ", more than the measurements support (contention the formula ignores)";
    else
      goetz += ", fewer than the measurements support";
    r.reasons.push_back(goetz);
  }
}

/// The tuned series, or the reason it cannot be tuned.
std::variant<tune_result, std::string> tune_series(const series_samples& series, int cores,
                                                   const tune_options& options) {
  tune_result r;
  r.workload = series.workload;
  r.runtime = series.runtime;
  std::vector<std::string> errored;
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
        return std::string("non-positive ") + throughput_metric + " (" + format("%g", value) +
               ") in row " + samples.run_names.front();
    tune_point point;
    point.workers = workers;
    point.throughput = median(samples.throughput);
    point.throughput_min = *std::min_element(samples.throughput.begin(), samples.throughput.end());
    point.throughput_max = *std::max_element(samples.throughput.begin(), samples.throughput.end());
    point.lat_p99_us = median_or_nan(samples.lat_p99_us);
    point.wait_compute_ratio = median_or_nan(samples.wait_compute_ratio);
    point.repetitions = samples.repetitions;
    r.points.push_back(point);
  }
  if (r.points.empty())
    return "no successful points (every row errored" +
           (errored.empty() ? std::string() : ": " + errored.front()) + ")";
  if (r.points.size() < options.min_worker_counts)
    return "only " + std::to_string(r.points.size()) + " worker count" +
           (r.points.size() == 1 ? "" : "s") + " (" + worker_list(r.points) +
           (errored.empty() ? "" : "; errored: " + errored.front()) + "); tune needs at least " +
           std::to_string(options.min_worker_counts);

  std::vector<double> n, x, ratios;
  for (const auto& point : r.points) {
    n.push_back(static_cast<double>(point.workers));
    x.push_back(point.throughput);
    if (!std::isnan(point.wait_compute_ratio)) ratios.push_back(point.wait_compute_ratio);
  }
  r.fit = fit_usl(n, x);
  r.reliable = r.fit.r2 >= options.min_r2;

  const auto best =
      std::max_element(r.points.begin(), r.points.end(),
                       [](const auto& a, const auto& b) { return a.throughput < b.throughput; });
  r.best_workers = best->workers;
  r.best_throughput = best->throughput;
  // The recommendation rests on measured points, never on the curve: a fit can be wrong, a
  // measurement at least happened.
  const double floor = (1 - options.within) * r.best_throughput;
  const auto chosen = std::find_if(r.points.begin(), r.points.end(),
                                   [&](const auto& p) { return p.throughput >= floor; });
  r.recommended_workers = chosen->workers;
  r.recommended_throughput = chosen->throughput;
  r.recommended_lat_p99_us = chosen->lat_p99_us;
  // W/C is a property of the task, not of the worker count; the median over points resists
  // the odd count where queueing inflated the waits.
  r.wait_compute_ratio = median_or_nan(ratios);
  r.goetz_workers =
      cores > 0 && !std::isnan(r.wait_compute_ratio) ? cores * (1 + r.wait_compute_ratio) : nan;
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
