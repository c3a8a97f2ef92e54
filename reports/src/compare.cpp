#include "execbench/reports/compare.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "execbench/reports/statistics.hpp"

namespace execbench::reports {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
// Below this many repetitions the exact test cannot reach small p-values (with 3 against 3 the
// smallest two-sided p is 0.1), so verdicts lean to "within noise".
constexpr std::size_t recommended_repetitions = 9;

std::string context_value(const nlohmann::json& context, const std::string& key) {
  const auto it = context.find(key);
  if (it == context.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

void warn_context_mismatches(const report& first, const report& other, const std::string& label,
                             std::vector<std::string>& warnings) {
  for (const std::string& key : compared_context_keys()) {
    const std::string a = context_value(first.context, key);
    const std::string b = context_value(other.context, key);
    if (a == b) continue;
    warnings.push_back("context mismatch" + label + ": " + key + " is '" + (a.empty() ? "?" : a) +
                       "' in " + first.path + " but '" + (b.empty() ? "?" : b) + "' in " +
                       other.path);
  }
}

metric_comparison compare_metric(const std::string& benchmark, const std::string& metric,
                                 const std::vector<double>& base, const std::vector<double>& next,
                                 const compare_options& options) {
  metric_comparison row;
  row.benchmark = benchmark;
  row.metric = metric;
  row.direction = metric_direction(metric);
  row.base_count = base.size();
  row.new_count = next.size();
  row.base_median = median(base);
  row.new_median = median(next);
  row.change = row.base_median != 0 ? row.new_median / row.base_median - 1 : nan;
  row.ci_low = row.ci_high = row.p_value = nan;
  row.has_statistics = base.size() >= 2 && next.size() >= 2;
  if (row.has_statistics) {
    const shift_interval shift = hodges_lehmann(base, next, options.alpha);
    if (row.base_median != 0) {
      row.ci_low = shift.low / std::abs(row.base_median);
      row.ci_high = shift.high / std::abs(row.base_median);
    }
    const mann_whitney_result test = mann_whitney_u(base, next);
    row.p_value = test.p_value;
    row.exact_p = test.exact;
  }
  if (!row.has_statistics) {
    row.verdict = verdict::no_statistics;
  } else if (row.direction == direction::unknown) {
    row.verdict = verdict::no_verdict;
  } else if (std::isnan(row.change) || std::abs(row.change) <= options.threshold ||
             !(row.p_value < options.alpha)) {
    row.verdict = verdict::within_noise;
  } else {
    const bool increased = row.change > 0;
    const bool better = increased == (row.direction == direction::higher_is_better);
    row.verdict = better ? verdict::faster : verdict::slower;
  }
  return row;
}

void list_errors(const benchmark_samples& samples, const std::string& side,
                 std::vector<errored_benchmark>& errored) {
  // Repetitions usually fail the same way: one entry per distinct message, with its count.
  std::vector<errored_benchmark> entries;
  for (const auto& message : samples.errors) {
    auto it = std::find_if(entries.begin(), entries.end(),
                           [&](const auto& entry) { return entry.message == message; });
    if (it == entries.end()) {
      entries.push_back(
          {samples.run_name, side, message, 0, samples.repetitions + samples.errors.size()});
      it = entries.end() - 1;
    }
    ++it->errored;
  }
  errored.insert(errored.end(), entries.begin(), entries.end());
}

}  // namespace

std::string_view to_string(verdict value) {
  switch (value) {
    case verdict::faster:
      return "faster";
    case verdict::slower:
      return "slower";
    case verdict::within_noise:
      return "within noise";
    case verdict::no_statistics:
      return "no statistics";
    case verdict::no_verdict:
      break;
  }
  return "no verdict";
}

bool comparison::has_regression() const {
  return std::any_of(rows.begin(), rows.end(),
                     [](const metric_comparison& row) { return row.verdict == verdict::slower; });
}

const std::vector<std::string>& compared_context_keys() {
  static const std::vector<std::string> keys = {"host_name",
                                                "cpu_model",
                                                "num_cpus",
                                                "hardware_concurrency",
                                                "build_type",
                                                "library_build_type",
                                                "compiler",
                                                "execbench_version",
                                                "boost_version",
                                                "tbb_version",
                                                "nlohmann_json_version",
                                                "benchmark_version",
                                                "kernel",
                                                "governor"};
  return keys;
}

comparison compare_reports(const std::vector<report>& base, const std::vector<report>& next,
                           const compare_options& options) {
  comparison result;
  result.threshold = options.threshold;
  result.alpha = options.alpha;
  for (const report& file : base) result.base_files.push_back(file.path);
  for (const report& file : next) result.new_files.push_back(file.path);

  const std::vector<benchmark_samples> base_samples = collect_samples(base);
  const std::vector<benchmark_samples> new_samples = collect_samples(next);
  std::map<std::string, const benchmark_samples*> new_by_name;
  for (const auto& samples : new_samples) new_by_name[samples.run_name] = &samples;
  std::set<std::string> base_names;
  for (const auto& samples : base_samples) base_names.insert(samples.run_name);

  // Pairs present on both sides; errored repetitions are listed whatever else happens.
  std::vector<std::pair<const benchmark_samples*, const benchmark_samples*>> matched;
  for (const auto& samples : base_samples) {
    list_errors(samples, "base", result.errored);
    const auto other = new_by_name.find(samples.run_name);
    if (other == new_by_name.end()) {
      result.only_in_base.push_back(samples.run_name);
    } else if (samples.repetitions > 0 && other->second->repetitions > 0) {
      matched.emplace_back(&samples, other->second);
    }
  }
  for (const auto& samples : new_samples) {
    list_errors(samples, "new", result.errored);
    if (!base_names.contains(samples.run_name)) result.only_in_new.push_back(samples.run_name);
  }
  const bool any_shared = std::any_of(base_samples.begin(), base_samples.end(), [&](const auto& s) {
    return new_by_name.contains(s.run_name);
  });
  if (!any_shared) {
    throw input_error(result.base_files.front() + " and " + result.new_files.front() +
                      ": no benchmark in common (nothing to compare)");
  }

  // The metrics shown: asked for, or the default ones that some matched benchmark has.
  std::set<std::string> present;
  for (const auto& [a, b] : matched)
    for (const auto& [metric, values] : a->metrics)
      if (b->metrics.contains(metric)) present.insert(metric);
  const bool all =
      std::find(options.metrics.begin(), options.metrics.end(), "all") != options.metrics.end();
  if (options.metrics.empty()) {
    for (const std::string& metric : default_metrics())
      if (present.contains(metric)) result.metrics.push_back(metric);
  } else if (all) {
    for (const char* first : {"real_time", "cpu_time"})
      if (present.contains(first)) result.metrics.push_back(first);
    for (const std::string& metric : present)
      if (metric != "real_time" && metric != "cpu_time") result.metrics.push_back(metric);
  } else {
    for (const std::string& metric : options.metrics) {
      if (!present.contains(metric) && !matched.empty())
        throw std::invalid_argument("unknown metric '" + metric +
                                    "': no matched benchmark has it on both sides");
      if (std::find(result.metrics.begin(), result.metrics.end(), metric) == result.metrics.end())
        result.metrics.push_back(metric);
    }
  }

  for (const std::string& metric : result.metrics) {
    double log_sum = 0;
    std::size_t count = 0;
    for (const auto& [a, b] : matched) {
      const auto base_values = a->metrics.find(metric);
      const auto new_values = b->metrics.find(metric);
      if (base_values == a->metrics.end() || new_values == b->metrics.end()) continue;
      if (base_values->second.empty() || new_values->second.empty()) continue;
      result.rows.push_back(
          compare_metric(a->run_name, metric, base_values->second, new_values->second, options));
      const metric_comparison& row = result.rows.back();
      if (row.base_median > 0 && row.new_median > 0 &&
          std::isfinite(row.new_median / row.base_median)) {
        log_sum += std::log(row.new_median / row.base_median);
        ++count;
      }
    }
    if (count > 0) result.geometric_means.push_back({metric, std::exp(log_sum / count), count});
  }
  // Rows grouped by benchmark (in BASE order), metrics in the order shown.
  std::map<std::string, std::size_t> benchmark_order, metric_order;
  for (std::size_t i = 0; i < matched.size(); ++i) benchmark_order[matched[i].first->run_name] = i;
  for (std::size_t i = 0; i < result.metrics.size(); ++i) metric_order[result.metrics[i]] = i;
  std::stable_sort(result.rows.begin(), result.rows.end(), [&](const auto& x, const auto& y) {
    return std::pair(benchmark_order[x.benchmark], metric_order[x.metric]) <
           std::pair(benchmark_order[y.benchmark], metric_order[y.metric]);
  });

  // Warnings, shown before the table.
  for (std::size_t i = 1; i < base.size(); ++i)
    warn_context_mismatches(base.front(), base[i], " within BASE", result.warnings);
  for (std::size_t i = 1; i < next.size(); ++i)
    warn_context_mismatches(next.front(), next[i], " within NEW", result.warnings);
  warn_context_mismatches(base.front(), next.front(), "", result.warnings);
  std::size_t fewest_base = SIZE_MAX, fewest_new = SIZE_MAX;
  for (const auto& [a, b] : matched) {
    fewest_base = std::min(fewest_base, a->repetitions);
    fewest_new = std::min(fewest_new, b->repetitions);
  }
  if (!matched.empty()) {
    const std::size_t fewest = std::min(fewest_base, fewest_new);
    if (fewest < 2) {
      result.warnings.push_back(
          "some benchmarks have a single run on a side: their changes are shown without "
          "statistics (run with --benchmark_repetitions=9 or more)");
    } else if (fewest < recommended_repetitions) {
      result.warnings.push_back(
          "only " + std::to_string(fewest) + " repetitions on a side (fewer than " +
          std::to_string(recommended_repetitions) +
          "): the test has little power and small changes will read as noise");
    }
  }
  return result;
}

}  // namespace execbench::reports
