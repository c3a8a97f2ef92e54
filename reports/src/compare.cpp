#include "execbench/reports/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "execbench/reports/number_format.hpp"
#include "execbench/reports/statistics.hpp"

namespace execbench::reports {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
// Two reports whose start-up calibrations or speed probes differ by more than this ran on a
// machine of a different speed: flagged in the header.
constexpr double drift_limit = 0.10;
constexpr std::string_view calibration_prefix = "calibration_ns_per_iteration_";

// metric → samples of one benchmark on one side.
using metric_samples = std::map<std::string, std::vector<double>>;
// run name → its metrics' values, for one report: every repetition, or the per-report medians.
using report_values = std::map<std::string, metric_samples>;

std::string context_value(const nlohmann::json& context, const std::string& key) {
  const auto it = context.find(key);
  if (it == context.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

double context_number(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return nan;
  const std::string text = value.get<std::string>();
  std::size_t used = 0;
  try {
    const double number = std::stod(text, &used);
    return used == text.size() ? number : nan;
  } catch (const std::exception&) {
    return nan;
  }
}

std::string number_text(double value, const char* format = "%.3g") {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

/// A change in whole percent ("23%", "+12%"), for the notes; huge or infinite ones as
/// format_percent writes them.
std::string whole_percent(double fraction, bool sign) {
  if (!std::isfinite(fraction) || std::abs(fraction) >= 1e4) return format_percent(fraction, sign);
  return number_text(fraction * 100, sign ? "%+.0f%%" : "%.0f%%");
}

std::string percent_text(double fraction) {
  return format_percent(fraction);
}

std::string threshold_text(double threshold) {
  return "±" + number_text(threshold * 100, "%g") + "%";
}

std::string alpha_text(double alpha) {
  return number_text(alpha, "%g");
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

// A value per report, the smallest and the largest; flagged when they differ beyond drift_limit.
void warn_spread(const std::vector<std::pair<double, std::string>>& values, const std::string& what,
                 const std::string& consequence, std::vector<std::string>& warnings) {
  if (values.size() < 2) return;
  const auto [low, high] = std::minmax_element(
      values.begin(), values.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (!(low->first > 0) || high->first / low->first - 1 <= drift_limit) return;
  warnings.push_back(what + " differ by " + percent_text(high->first / low->first - 1) + ": " +
                     format_duration(low->first, "ns") + " in " + low->second + " but " +
                     format_duration(high->first, "ns") + " in " + high->second + ": " +
                     consequence);
}

// The header's drift flags: start-up calibrations, speed probes beside the rows, quick and
// interrupted runs.
void warn_machine_speed(const std::vector<const report*>& files,
                        std::vector<std::string>& warnings) {
  std::set<std::string> calibration_keys;
  for (const report* file : files)
    if (file->context.is_object())
      for (const auto& [key, value] : file->context.items())
        if (key.starts_with(calibration_prefix)) calibration_keys.insert(key);
  for (const std::string& key : calibration_keys) {
    std::vector<std::pair<double, std::string>> values;
    for (const report* file : files) {
      const auto it = file->context.find(key);
      if (it == file->context.end()) continue;
      const double value = context_number(*it);
      if (std::isfinite(value)) values.emplace_back(value, file->path);
    }
    warn_spread(values, "calibrations (" + key + ", ns per iteration)",
                "the same CPU step was a different number of iterations, so the reports did "
                "different work and their times are not comparable",
                warnings);
  }
  std::vector<std::pair<double, std::string>> probes;
  for (const report* file : files) {
    std::vector<double> values;
    for (const benchmark_row& row : file->rows) {
      if (row.aggregate || row.error_occurred) continue;
      const auto it = row.counters.find("speed_probe_ns");
      if (it != row.counters.end() && std::isfinite(it->second)) values.push_back(it->second);
    }
    if (!values.empty()) probes.emplace_back(median(values), file->path);
  }
  warn_spread(probes, "speed probes (median speed_probe_ns over the rows)",
              "the machine ran at a different speed, which time carries and a drift-cancelling "
              "metric does not",
              warnings);
  for (const report* file : files) {
    if (context_says(file->context, "quick"))
      warnings.push_back(file->path +
                         " is a --quick smoke run (one sample a row): not a measurement to judge "
                         "by");
    if (context_says(file->context, "interrupted"))
      warnings.push_back(file->path +
                         " is an interrupted run: the rows it had not started are absent from it");
  }
}

// The report with overhead_ms = makespan_ms - ideal_ms added to each row that has both: the time
// a run spent beyond its ideal, which the scheduler is responsible for.
report with_derived_metrics(const report& file) {
  report result = file;
  for (benchmark_row& row : result.rows) {
    const auto makespan = row.counters.find("makespan_ms");
    const auto ideal = row.counters.find("ideal_ms");
    if (makespan != row.counters.end() && ideal != row.counters.end())
      row.counters["overhead_ms"] = makespan->second - ideal->second;
  }
  return result;
}

// One report's benchmarks, with the derived metrics.
std::vector<benchmark_samples> samples_of(const report& file) {
  std::vector<report> one;
  one.push_back(with_derived_metrics(file));
  return collect_samples(one);
}

// Every report's benchmarks put together: names in order of first appearance, repetitions and
// errors summed (for matching and for the lists of benchmarks on one side or errored).
std::vector<benchmark_samples> pool(const std::vector<std::vector<benchmark_samples>>& files) {
  std::vector<benchmark_samples> result;
  std::map<std::string, std::size_t> position;
  for (const auto& file : files) {
    for (const benchmark_samples& samples : file) {
      const auto [it, inserted] = position.try_emplace(samples.run_name, result.size());
      if (inserted) result.push_back(benchmark_samples{samples.run_name, {}, 0, {}});
      benchmark_samples& into = result[it->second];
      into.repetitions += samples.repetitions;
      into.errors.insert(into.errors.end(), samples.errors.begin(), samples.errors.end());
    }
  }
  return result;
}

report_values values_of(const std::vector<benchmark_samples>& file) {
  report_values result;
  for (const benchmark_samples& samples : file)
    if (samples.repetitions > 0) result[samples.run_name] = samples.metrics;
  return result;
}

report_values medians_of(const std::vector<benchmark_samples>& file) {
  report_values result;
  for (const benchmark_samples& samples : file) {
    if (samples.repetitions == 0) continue;
    metric_samples& metrics = result[samples.run_name];
    for (const auto& [metric, values] : samples.metrics) metrics[metric] = {median(values)};
  }
  return result;
}

// Every file's samples merged into one side: values appended per benchmark and metric.
report_values merge(const std::vector<report_values>& files) {
  report_values result;
  for (const report_values& file : files)
    for (const auto& [name, metrics] : file)
      for (const auto& [metric, values] : metrics) {
        auto& into = result[name][metric];
        into.insert(into.end(), values.begin(), values.end());
      }
  return result;
}

// What the gate judges on a benchmark: its kind decides.
enum class row_kind { workload, primitive, metg, other };

row_kind kind_of(const std::string& run_name, const metric_samples& metrics) {
  if (run_name.starts_with("primitive/")) return row_kind::primitive;
  if (run_name.starts_with("metg/")) return row_kind::metg;
  if (metrics.contains("efficiency")) return row_kind::workload;
  return row_kind::other;
}

struct gate_rule {
  bool gated = false;
  std::string why_not;  // for a primitive outside paired rounds: why it is not gated
};

gate_rule gate_rule_for(row_kind kind, const std::string& metric, const compare_options& options,
                        const std::set<std::string>& named) {
  if (metric_direction(metric) == direction::unknown) return {false, ""};
  if (named.contains(metric) && (kind != row_kind::primitive || options.paired)) return {true, ""};
  switch (kind) {
    case row_kind::primitive:
      if (options.paired && metric == "real_time") return {true, ""};
      if (!options.paired)
        return {false, "not gated: primitives are gated only in paired rounds (--paired)"};
      break;
    case row_kind::workload:
      if (metric == options.gate_metric) return {true, ""};
      if (options.paired && metric == "real_time") return {true, ""};
      break;
    case row_kind::metg:  // the sweep's own time is not a figure; its METG is
      if (metric == "metg_us") return {true, ""};
      break;
    case row_kind::other:
      if (metric == "real_time") return {true, ""};
      break;
  }
  return {false, ""};
}

// A comparison row of one benchmark × metric, its direction known, nothing computed yet.
metric_comparison new_row(const std::string& benchmark, const std::string& metric) {
  metric_comparison row;
  row.benchmark = benchmark;
  row.metric = metric;
  row.direction = metric_direction(metric);
  return row;
}

// The statistics of one benchmark × metric; the verdict comes later, once Holm has ranked it.
metric_comparison unpaired_statistics(const std::string& benchmark, const std::string& metric,
                                      const std::vector<double>& base,
                                      const std::vector<double>& next,
                                      const compare_options& options) {
  metric_comparison row = new_row(benchmark, metric);
  row.base_count = base.size();
  row.new_count = next.size();
  row.base_median = median(base);
  row.new_median = median(next);
  row.change = row.base_median != 0 ? row.new_median / row.base_median - 1 : nan;
  row.ci_low = row.ci_high = row.p_value = row.p_holm = nan;
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
  return row;
}

// Paired: per round, the log ratio of the two reports' medians (rounds where either is not
// positive take no part); the signed-rank test and the Walsh-average interval on those.
metric_comparison paired_statistics(const std::string& benchmark, const std::string& metric,
                                    const std::vector<double>& base,
                                    const std::vector<double>& next,
                                    const compare_options& options) {
  metric_comparison row = new_row(benchmark, metric);
  row.ci_low = row.ci_high = row.p_value = row.p_holm = row.change = nan;
  std::vector<double> ratios, base_used, new_used;
  for (std::size_t i = 0; i < base.size() && i < next.size(); ++i) {
    if (!(base[i] > 0) || !(next[i] > 0) || std::isinf(base[i]) || std::isinf(next[i])) continue;
    ratios.push_back(std::log(next[i] / base[i]));
    base_used.push_back(base[i]);
    new_used.push_back(next[i]);
  }
  row.base_count = row.new_count = ratios.size();
  row.base_median = median(base_used);
  row.new_median = median(new_used);
  if (ratios.empty()) {
    // No round with positive values on both sides (a counter that is often 0): medians only.
    row.base_median = median(std::vector<double>(base.begin(), base.end()));
    row.new_median = median(std::vector<double>(next.begin(), next.end()));
    if (row.base_median != 0) row.change = row.new_median / row.base_median - 1;
    return row;
  }
  const shift_interval centre = paired_hodges_lehmann(ratios, options.alpha);
  row.change = std::exp(centre.shift) - 1;
  row.has_statistics = ratios.size() >= 2;
  if (row.has_statistics) {
    row.ci_low = std::isnan(centre.low) ? nan : std::exp(centre.low) - 1;
    row.ci_high = std::isnan(centre.high) ? nan : std::exp(centre.high) - 1;
    const signed_rank_result test = wilcoxon_signed_rank(ratios);
    row.p_value = test.p_value;
    row.exact_p = test.exact;
  }
  return row;
}

std::string unit_plural(const std::string& unit) {
  return unit + "s";
}

// The smallest p-value the row's test can reach at its sizes, and how many it would need a side
// (equal sizes) to reach `level`.
double min_p(const metric_comparison& row, bool paired) {
  return paired ? signed_rank_min_p(row.base_count)
                : mann_whitney_min_p(row.base_count, row.new_count);
}

std::size_t needed_n(double level, bool paired) {
  return paired ? signed_rank_needed_n(level) : mann_whitney_needed_n(level);
}

std::string sizes_text(const metric_comparison& row, const comparison& result) {
  if (result.paired) return std::to_string(row.base_count) + " " + unit_plural(result.unit);
  return std::to_string(row.base_count) + " vs " + std::to_string(row.new_count) + " " +
         unit_plural(result.unit);
}

std::string interval_text(const metric_comparison& row) {
  std::string out = "[";
  out += percent_text(row.ci_low);
  out += ", ";
  out += percent_text(row.ci_high);
  return out + "]";
}

std::string needs_text(std::size_t family_size, double alpha, const comparison& result) {
  // Advice for the family's strictest level, alpha / k (Bonferroni): enough at any Holm rank.
  const std::size_t n =
      needed_n(alpha / static_cast<double>(std::max<std::size_t>(family_size, 1)), result.paired);
  return "this comparison needs " + std::to_string(n) + " or more " +
         (result.paired ? unit_plural(result.unit) : std::string("a side"));
}

// The verdict, from the Holm-ranked p-value, the threshold and the interval; and its reason.
void decide(metric_comparison& row, const comparison& result) {
  const double threshold = result.threshold;
  if (row.direction == direction::unknown) {
    row.verdict = verdict::no_verdict;
    return;
  }
  if (!row.has_statistics) {
    row.verdict = verdict::inconclusive;
    row.reason = sizes_text(row, result) + ": too few for a test; " +
                 needs_text(row.family_size, result.alpha, result);
    return;
  }
  const bool significant = row.p_holm <= result.alpha * (1 + 1e-12);
  const bool beyond = std::abs(row.change) > threshold;
  if (significant && beyond) {
    const bool better = (row.change > 0) == (row.direction == direction::higher_is_better);
    row.verdict = better ? verdict::faster : verdict::slower;
    return;
  }
  const bool has_interval = std::isfinite(row.ci_low) && std::isfinite(row.ci_high);
  if (has_interval && row.ci_low >= -threshold && row.ci_high <= threshold) {
    row.verdict = verdict::same;
    return;
  }
  row.verdict = verdict::inconclusive;
  std::string interval;
  if (!has_interval)
    interval = "no " + number_text((1 - result.alpha) * 100, "%g") + "% interval at this size";
  else if (row.ci_high - row.ci_low > 2 * threshold)
    interval = "interval " + interval_text(row) + " is wider than " + threshold_text(threshold);
  else
    interval = "interval " + interval_text(row) + " is not inside " + threshold_text(threshold);
  const long divisor = std::lround(result.alpha / row.holm_level);
  const std::string level = alpha_text(result.alpha) + "/" + std::to_string(divisor);
  if (min_p(row, result.paired) > row.holm_level * (1 + 1e-12)) {
    row.reason = sizes_text(row, result) + " cannot reach the corrected α = " + level + "; " +
                 needs_text(row.family_size, result.alpha, result);
  } else if (!significant) {
    row.reason = "p = " + format_probability(row.p_value) + ", not significant after Holm (" +
                 (row.p_value <= row.holm_level * (1 + 1e-12)
                      ? "adjusted p = " + format_probability(row.p_holm) +
                            ": Holm stops at the first p-value over its level"
                      : "needs ≤ " + format_probability(row.holm_level)) +
                 "); " + interval;
  } else {
    row.reason = "significant (adjusted p = " + format_probability(row.p_holm) +
                 ") but the change " + percent_text(row.change) + " is inside " +
                 threshold_text(threshold) + " and the " + interval;
  }
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

// Holm over the rows whose indices are given: one family, one family-wise error rate.
void correct_family(std::vector<metric_comparison>& rows, const std::vector<std::size_t>& members,
                    double alpha) {
  std::vector<double> p_values;
  for (std::size_t index : members) p_values.push_back(rows[index].p_value);
  const std::vector<holm_entry> entries = holm(p_values, alpha);
  for (std::size_t i = 0; i < members.size(); ++i) {
    metric_comparison& row = rows[members[i]];
    row.family_size = members.size();
    row.p_holm = entries[i].adjusted;
    row.holm_level = entries[i].rank > 0 ? entries[i].level : nan;
  }
}

// The ratio NEW/BASE of a benchmark's kernel CPU time minus 1, NaN when a side lacks it.
double kernel_cpu_change(const metric_samples& base, const metric_samples& next, bool paired) {
  const auto a = base.find("kernel_cpu_ms");
  const auto b = next.find("kernel_cpu_ms");
  if (a == base.end() || b == next.end() || a->second.empty() || b->second.empty()) return nan;
  if (!paired) {
    const double base_median = median(a->second);
    return base_median > 0 ? median(b->second) / base_median - 1 : nan;
  }
  std::vector<double> ratios;
  for (std::size_t i = 0; i < a->second.size() && i < b->second.size(); ++i)
    if (a->second[i] > 0 && b->second[i] > 0)
      ratios.push_back(std::log(b->second[i] / a->second[i]));
  return ratios.empty() ? nan : std::exp(median(ratios)) - 1;
}

// With one report a side, a row whose ideal has no measured CPU part (no kernel_cpu_ms: only
// waits, sockets, disk) keeps the machine's speed in its efficiency: its socket and system-call
// costs follow the machine, and the repetitions of one process all ran at that process's speed.
// When the row's speed probes differ between the sides by more than max_probe_drift, such a row
// cannot be judged from these two reports. Measured: in 10 A/A pairs of real runs, the false
// alarms on tcp_echo came with probe differences of 23% and 67% (docs/measurements.md).
constexpr double max_probe_drift = 0.10;

std::string drift_reason(const metric_samples& base, const metric_samples& next) {
  if (base.contains("kernel_cpu_ms") && next.contains("kernel_cpu_ms")) return {};
  const auto a = base.find("speed_probe_ns");
  const auto b = next.find("speed_probe_ns");
  if (a == base.end() || b == next.end() || a->second.empty() || b->second.empty()) return {};
  const double base_probe = median(a->second), new_probe = median(b->second);
  if (!(base_probe > 0) || !(new_probe > 0)) return {};
  const double change = new_probe / base_probe - 1;
  if (std::abs(change) <= max_probe_drift) return {};
  return "the machine ran " + whole_percent(std::abs(change), false) +
         (change > 0 ? " slower" : " faster") +
         " in NEW (speed_probe_ns of this row), and this row has no CPU steps for efficiency to "
         "cancel that with: several reports a side, or scripts/ab, can decide it";
}

std::string kernel_note(double change, const std::string& gate_metric) {
  const bool slower = change > 0;
  return "kernels' CPU time " + whole_percent(change, true) + ": a " +
         (slower ? "slowdown" : "speed-up") + " of the kernels themselves" +
         (slower ? " (cache pollution, false sharing)" : "") + " is hidden from " + gate_metric +
         "; see time";
}

}  // namespace

std::string_view to_string(verdict value) {
  switch (value) {
    case verdict::faster:
      return "faster";
    case verdict::slower:
      return "slower";
    case verdict::same:
      return "same";
    case verdict::inconclusive:
      return "inconclusive";
    case verdict::no_verdict:
      break;
  }
  return "no verdict";
}

bool comparison::has_regression() const {
  return std::any_of(rows.begin(), rows.end(), [](const metric_comparison& row) {
    return row.gated && row.verdict == verdict::slower;
  });
}

const std::vector<std::string>& gate_metric_choices() {
  static const std::vector<std::string> choices = {std::string(default_gate_metric), "overhead_ms"};
  return choices;
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

comparison compare_reports(const std::vector<report>& base_files,
                           const std::vector<report>& next_files, const compare_options& options) {
  const auto& choices = gate_metric_choices();
  if (std::find(choices.begin(), choices.end(), options.gate_metric) == choices.end())
    throw std::invalid_argument("unknown gate metric '" + options.gate_metric +
                                "' (efficiency, overhead_ms)");
  if (base_files.empty() || next_files.empty())
    throw std::invalid_argument("compare needs a BASE and a NEW report");
  comparison result;
  result.threshold = options.threshold;
  result.alpha = options.alpha;
  result.paired = options.paired;
  result.gate_metric = options.gate_metric;
  for (const report& file : base_files) result.base_files.push_back(file.path);
  for (const report& file : next_files) result.new_files.push_back(file.path);
  if (options.paired && base_files.size() != next_files.size())
    throw input_error(
        "--paired needs as many BASE reports as NEW reports (one of each a round), "
        "got " +
        std::to_string(base_files.size()) + " and " + std::to_string(next_files.size()));

  std::vector<std::vector<benchmark_samples>> base, next;
  for (const report& file : base_files) base.push_back(samples_of(file));
  for (const report& file : next_files) next.push_back(samples_of(file));

  // Matching, and the lists of what is on one side only or errored, over every file of a side.
  const std::vector<benchmark_samples> base_pooled = pool(base);
  const std::vector<benchmark_samples> new_pooled = pool(next);
  std::map<std::string, const benchmark_samples*> new_by_name;
  for (const auto& samples : new_pooled) new_by_name[samples.run_name] = &samples;
  std::set<std::string> base_names;
  for (const auto& samples : base_pooled) base_names.insert(samples.run_name);
  std::vector<std::string> matched;
  for (const auto& samples : base_pooled) {
    list_errors(samples, "base", result.errored);
    const auto other = new_by_name.find(samples.run_name);
    if (other == new_by_name.end())
      result.only_in_base.push_back(samples.run_name);
    else if (samples.repetitions > 0 && other->second->repetitions > 0)
      matched.push_back(samples.run_name);
  }
  for (const auto& samples : new_pooled) {
    list_errors(samples, "new", result.errored);
    if (!base_names.contains(samples.run_name)) result.only_in_new.push_back(samples.run_name);
  }
  const bool any_shared = std::any_of(base_pooled.begin(), base_pooled.end(), [&](const auto& s) {
    return new_by_name.contains(s.run_name);
  });
  if (!any_shared) {
    throw input_error(result.base_files.front() + " and " + result.new_files.front() +
                      ": no benchmark in common (nothing to compare)");
  }

  // The samples: the unit of replication is the process when there are several reports.
  report_values base_values, new_values;
  std::vector<report_values> base_rounds, new_rounds;
  if (options.paired) {
    result.unit = "round";
    for (const auto& file : base) base_rounds.push_back(medians_of(file));
    for (const auto& file : next) new_rounds.push_back(medians_of(file));
  } else if (base.size() > 1 || next.size() > 1) {
    result.unit = "run";
    std::vector<report_values> per_file;
    for (const auto& file : base) per_file.push_back(medians_of(file));
    base_values = merge(per_file);
    per_file.clear();
    for (const auto& file : next) per_file.push_back(medians_of(file));
    new_values = merge(per_file);
  } else {
    result.unit = "repetition";
    base_values = values_of(base.front());
    new_values = values_of(next.front());
  }
  // Paired: a round's values of one benchmark and metric, NaN where the round lacks it, so that
  // position i is round i on both sides.
  auto round_values = [](const std::vector<report_values>& rounds, const std::string& name,
                         const std::string& metric) {
    std::vector<double> values;
    for (const report_values& round : rounds) {
      const auto benchmark = round.find(name);
      double value = nan;
      if (benchmark != round.end()) {
        const auto it = benchmark->second.find(metric);
        if (it != benchmark->second.end() && !it->second.empty()) value = it->second.front();
      }
      values.push_back(value);
    }
    return values;
  };
  auto side_samples = [&](bool base_side, const std::string& name) {
    metric_samples samples;
    if (options.paired) {
      const auto& rounds = base_side ? base_rounds : new_rounds;
      std::set<std::string> metrics;
      for (const report_values& round : rounds)
        if (const auto it = round.find(name); it != round.end())
          for (const auto& [metric, values] : it->second) metrics.insert(metric);
      for (const std::string& metric : metrics)
        samples[metric] = round_values(rounds, name, metric);
    } else {
      const auto& values = base_side ? base_values : new_values;
      if (const auto it = values.find(name); it != values.end()) samples = it->second;
    }
    return samples;
  };
  std::vector<std::pair<metric_samples, metric_samples>> matched_samples;
  for (const std::string& name : matched)
    matched_samples.emplace_back(side_samples(true, name), side_samples(false, name));

  // The metrics shown: named (with the gate's primary metric and real time beside them), or the
  // default ones that some matched benchmark has, or every one.
  std::set<std::string> present;
  for (const auto& [a, b] : matched_samples)
    for (const auto& [metric, values] : a)
      if (b.contains(metric)) present.insert(metric);
  const bool all =
      std::find(options.metrics.begin(), options.metrics.end(), "all") != options.metrics.end();
  std::set<std::string> named;
  auto show = [&](const std::string& metric) {
    if (std::find(result.metrics.begin(), result.metrics.end(), metric) == result.metrics.end())
      result.metrics.push_back(metric);
  };
  if (options.metrics.empty()) {
    for (const std::string& metric : default_metrics())
      if (present.contains(metric)) show(metric);
  } else if (all) {
    for (const char* first : {"real_time", "cpu_time"})
      if (present.contains(first)) show(first);
    for (const std::string& metric : present) show(metric);
  } else {
    for (const std::string& metric : {std::string("real_time"), options.gate_metric})
      if (present.contains(metric)) show(metric);
    for (const std::string& metric : options.metrics) {
      if (!present.contains(metric))
        throw std::invalid_argument("unknown metric '" + metric +
                                    "': no matched benchmark has it on both sides");
      named.insert(metric);
      show(metric);
    }
  }
  if (present.contains(options.gate_metric)) show(options.gate_metric);

  // Statistics per benchmark and metric, grouped by benchmark (in BASE order).
  std::vector<row_kind> kinds;
  bool any_metg = false;
  // Per result row: why the machine's drift leaves it undecided (empty when it does not).
  std::vector<std::string> drift;
  for (std::size_t b = 0; b < matched.size(); ++b) {
    const auto& [base_samples, new_samples] = matched_samples[b];
    const row_kind kind = kind_of(matched[b], base_samples);
    any_metg = any_metg || kind == row_kind::metg;
    for (const std::string& metric : result.metrics) {
      const auto base_it = base_samples.find(metric);
      const auto new_it = new_samples.find(metric);
      if (base_it == base_samples.end() || new_it == new_samples.end()) continue;
      if (base_it->second.empty() || new_it->second.empty()) continue;
      metric_comparison row =
          options.paired
              ? paired_statistics(matched[b], metric, base_it->second, new_it->second, options)
              : unpaired_statistics(matched[b], metric, base_it->second, new_it->second, options);
      const gate_rule rule = gate_rule_for(kind, metric, options, named);
      row.gated = rule.gated;
      row.reason = rule.why_not;
      std::string drifted;
      if (metric == options.gate_metric && kind == row_kind::workload) {
        const double kernel_change = kernel_cpu_change(base_samples, new_samples, options.paired);
        if (std::abs(kernel_change) > options.threshold)
          row.note = kernel_note(kernel_change, options.gate_metric);
        if (result.unit == "repetition") drifted = drift_reason(base_samples, new_samples);
      }
      result.rows.push_back(std::move(row));
      drift.push_back(std::move(drifted));
    }
  }

  // Holm: the gated rows are one family, which decides the gate; the other rows with a direction
  // are corrected within a family of their own, so that their verdicts are as careful.
  std::vector<std::size_t> gated_rows, other_rows;
  for (std::size_t i = 0; i < result.rows.size(); ++i) {
    if (result.rows[i].direction == direction::unknown) continue;
    (result.rows[i].gated ? gated_rows : other_rows).push_back(i);
  }
  correct_family(result.rows, gated_rows, options.alpha);
  correct_family(result.rows, other_rows, options.alpha);
  for (std::size_t index : gated_rows) result.gated_count += result.rows[index].has_statistics;
  for (std::size_t i = 0; i < result.rows.size(); ++i) {
    metric_comparison& row = result.rows[i];
    const std::string why_not = std::move(row.reason);
    row.reason.clear();
    decide(row, result);
    if (!drift[i].empty() && (row.verdict == verdict::slower || row.verdict == verdict::faster)) {
      row.verdict = verdict::inconclusive;
      row.reason = drift[i];
    }
    if (row.gated || row.direction == direction::unknown || why_not.empty()) continue;
    row.reason = row.reason.empty() ? why_not : row.reason + " (" + why_not + ")";
  }

  // Geometric mean of the changes per metric, over matched rows only.
  for (const std::string& metric : result.metrics) {
    double log_sum = 0;
    std::size_t count = 0;
    for (const metric_comparison& row : result.rows) {
      if (row.metric != metric || !(row.change > -1) || !std::isfinite(row.change)) continue;
      if (!result.paired && !(row.base_median > 0 && row.new_median > 0)) continue;
      log_sum += std::log1p(row.change);
      ++count;
    }
    if (count > 0) result.geometric_means.push_back({metric, std::exp(log_sum / count), count});
  }

  // Header: how the samples were formed and what the gate judges; then the warnings.
  const std::string threshold = threshold_text(options.threshold);
  if (result.unit == "repetition") {
    result.warnings.push_back(
        "one report a side: the samples are its repetitions, which ran in one process and share "
        "its calibration, heap layout and that minute's machine speed, so they understate the "
        "spread between runs; the drift-cancelling " +
        options.gate_metric + " and the " + threshold +
        " threshold carry the decision (several reports a side, or scripts/ab, compare runs)");
  } else if (result.unit == "run") {
    result.notes.push_back(std::to_string(base.size()) + " vs " + std::to_string(next.size()) +
                           " reports: each report's per-row median is one sample (the process is "
                           "the unit of replication, not the repetition); Mann-Whitney U test");
  } else {
    result.notes.push_back(
        std::to_string(base.size()) +
        " paired rounds: per row, the log ratio NEW/BASE of each round's medians; Wilcoxon "
        "signed-rank test, Hodges-Lehmann estimate over Walsh averages");
  }
  std::string gate = "gate: " + options.gate_metric + " on workload rows";
  if (options.paired)
    gate += " and real_time on every row, primitives included";
  else
    gate += ", real_time on rows without efficiency; primitives only in paired rounds";
  if (any_metg) gate += "; metg_us on METG rows";
  if (!named.empty()) {
    gate += "; named:";
    for (const std::string& metric : options.metrics)
      if (metric != "all") gate += " " + metric;
  }
  gate += "; Holm over " + std::to_string(result.gated_count) +
          " tests, family-wise α = " + alpha_text(options.alpha) + ", threshold " + threshold;
  result.notes.push_back(gate);

  std::vector<const report*> all_files;
  for (const report& file : base_files) all_files.push_back(&file);
  for (const report& file : next_files) all_files.push_back(&file);
  for (std::size_t i = 1; i < base_files.size(); ++i)
    warn_context_mismatches(base_files.front(), base_files[i], " within BASE", result.warnings);
  for (std::size_t i = 1; i < next_files.size(); ++i)
    warn_context_mismatches(next_files.front(), next_files[i], " within NEW", result.warnings);
  warn_context_mismatches(base_files.front(), next_files.front(), "", result.warnings);
  warn_machine_speed(all_files, result.warnings);

  // When no gated row can reach its corrected level at these sizes, say so once, up front.
  bool any_gated_test = false, any_reachable = false;
  const metric_comparison* smallest = nullptr;
  for (std::size_t index : gated_rows) {
    const metric_comparison& row = result.rows[index];
    if (!row.has_statistics) continue;
    any_gated_test = true;
    const double strictest = options.alpha / static_cast<double>(result.gated_count);
    if (min_p(row, result.paired) <= strictest * (1 + 1e-12)) any_reachable = true;
    if (smallest == nullptr ||
        row.base_count + row.new_count < smallest->base_count + smallest->new_count)
      smallest = &row;
  }
  if (any_gated_test && !any_reachable) {
    result.warnings.push_back(
        sizes_text(*smallest, result) +
        " cannot reach the gate's corrected α = " + alpha_text(options.alpha) + "/" +
        std::to_string(result.gated_count) + ": no gated row can be called slower or faster; " +
        needs_text(result.gated_count, options.alpha, result));
  }
  return result;
}

}  // namespace execbench::reports
