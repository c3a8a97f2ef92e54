#include "execbench/reports/summary.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <limits>
#include <map>
#include <utility>

#include "execbench/reports/floor_names.hpp"
#include "execbench/reports/number_format.hpp"
#include "execbench/reports/statistics.hpp"
#include "execbench/reports/text_table.hpp"

namespace execbench::reports {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

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

const std::vector<double>* values_of(const benchmark_samples& samples, const std::string& metric) {
  const auto it = samples.metrics.find(metric);
  return it == samples.metrics.end() || it->second.empty() ? nullptr : &it->second;
}

median_range range_of(const benchmark_samples& samples, const std::string& metric) {
  const auto* values = values_of(samples, metric);
  return values ? median_with_range(*values) : median_with_range({});
}

/// The ranking figure of one row: a counter, or runs per second from each sample's real time
/// (1 / x is monotone, so the order statistics of the runs/s are those of the times).
median_range figure_of(const benchmark_samples& samples, const std::string& rank_by) {
  if (rank_by != "runs_per_s") return range_of(samples, rank_by);
  std::vector<double> runs;
  if (const auto* times = values_of(samples, "real_time"))
    for (double ns : *times) runs.push_back(ns > 0 ? 1e9 / ns : nan);
  return median_with_range(runs);
}

/// `better` is strictly better than `than` in the metric's direction, by median.
bool median_better(const median_range& better, const median_range& than, bool higher) {
  return higher ? better.median > than.median : better.median < than.median;
}

/// `a`'s whole range is better than `b`'s: a can be told apart from b, and is ahead.
bool clearly_better(const median_range& a, const median_range& b, bool higher) {
  return !ranges_overlap(a, b) && (higher ? a.low > b.high : a.high < b.low);
}

// ---------------------------------------------------------------------------------------------
// Figures, by the rule of number_format.hpp: 17,860, 10.5 M, 1.2 ms, 0.283.

/// One value of a metric: durations carry their unit always, counts only `with_unit`.
std::string value_text(double value, const std::string& metric, bool with_unit) {
  if (metric == "lat_p99_us") return format_duration(value, "us");
  if (metric == "efficiency") return format_count(value);
  if (!with_unit) return format_count(value);
  if (metric == "tasks_per_s") return format_count(value, "tasks/s");
  if (metric == "items_per_second") return format_count(value, "items/s");
  if (metric == "runs_per_s") return format_count(value, "runs/s");
  return format_count(value);
}

std::string metric_label(const std::string& metric) {
  if (metric == "tasks_per_s") return "tasks/s";
  if (metric == "items_per_second") return "items/s";
  if (metric == "runs_per_s") return "runs/s";
  if (metric == "lat_p99_us") return "p99 latency";
  return metric;
}

/// "13,380 [13,100–13,600]", "10.5 M items/s [10.3–10.5 M]" (`with_unit`: where no column header
/// names the unit), "980 µs [950 µs–1.2 ms]"; "13,380 (n=1, no range)" for one sample; "-" for
/// none. The range's ends never repeat the count's unit: the median names it.
std::string figure_text(const median_range& range, const std::string& metric,
                        bool with_unit = false) {
  switch (range.kind) {
    case range_kind::none:
      return "-";
    case range_kind::single:
      return value_text(range.median, metric, with_unit) + " (n=1, no range)";
    default:
      return value_text(range.median, metric, with_unit) + " " +
             format_range(value_text(range.low, metric, false),
                          value_text(range.high, metric, false));
  }
}

std::string rank_phrase(const workload_summary& w) {
  if (w.open_loop)
    return "p99 latency, lower is better (open loop at " +
           format_count(w.offered_rate_per_s, "tasks/s") + " offered)";
  return metric_label(w.rank_by) + ", higher is better";
}

// ---------------------------------------------------------------------------------------------

/// Ranks one workload's rows: each runtime at its best worker count, ties with the best found by
/// the overlap rule, the flag for open-loop rows that fell behind.
void rank_workload(workload_summary& w, const std::vector<const benchmark_samples*>& members) {
  auto all_have = [&](const char* metric) {
    return std::all_of(members.begin(), members.end(),
                       [&](const auto* s) { return values_of(*s, metric) != nullptr; });
  };
  auto any_has = [&](const char* metric) {
    return std::any_of(members.begin(), members.end(),
                       [&](const auto* s) { return values_of(*s, metric) != nullptr; });
  };
  // Open loop: the arrival rate fixes throughput, so what tells runtimes apart is latency.
  w.open_loop = any_has("offered_rate_per_s") && all_have("lat_p99_us");
  w.rank_by = w.open_loop                    ? "lat_p99_us"
              : all_have("tasks_per_s")      ? "tasks_per_s"
              : all_have("items_per_second") ? "items_per_second"
                                             : "runs_per_s";
  w.higher_is_better = !w.open_loop;
  if (w.open_loop) {
    std::vector<double> rates;
    for (const auto* s : members)
      if (const auto* values = values_of(*s, "offered_rate_per_s"))
        rates.insert(rates.end(), values->begin(), values->end());
    w.offered_rate_per_s = median(rates);
  }

  std::map<std::string, std::size_t> position;  // runtime -> index in w.rows
  for (const auto* samples : members) {
    const benchmark_name name = parse_benchmark_name(samples->run_name);
    ranked_row candidate;
    candidate.name = samples->run_name;
    candidate.runtime = name.runtime.empty() ? samples->run_name : name.runtime;
    candidate.workers = name.workers;
    candidate.figure = figure_of(*samples, w.rank_by);
    if (candidate.figure.kind == range_kind::none) continue;  // e.g. a zero real time
    candidate.throughput = range_of(*samples, "tasks_per_s");
    candidate.lat_p99_us = range_of(*samples, "lat_p99_us");
    candidate.efficiency = range_of(*samples, "efficiency");
    candidate.behind_rate = w.open_loop && candidate.efficiency.kind != range_kind::none &&
                            candidate.efficiency.median < behind_rate_efficiency;
    const auto [it, inserted] = position.try_emplace(candidate.runtime, w.rows.size());
    if (inserted) {
      candidate.workers_swept = {candidate.workers};
      w.rows.push_back(std::move(candidate));
      continue;
    }
    ranked_row& held = w.rows[it->second];
    std::vector<long> swept = std::move(held.workers_swept);
    swept.push_back(candidate.workers);
    if (median_better(candidate.figure, held.figure, w.higher_is_better))
      held = std::move(candidate);
    held.workers_swept = std::move(swept);
  }
  for (auto& row : w.rows) std::sort(row.workers_swept.begin(), row.workers_swept.end());
  if (w.rows.empty()) return;

  // The best is the best median; every row whose range overlaps it is tied with it. The others
  // rank after every row whose whole range lies ahead of theirs.
  const auto top =
      std::min_element(w.rows.begin(), w.rows.end(), [&](const auto& a, const auto& b) {
        return median_better(a.figure, b.figure, w.higher_is_better);
      });
  const median_range best = top->figure;
  for (auto& row : w.rows) {
    row.tied_with_best = ranges_overlap(row.figure, best);
    row.rank = 1;
    if (row.tied_with_best) continue;
    for (const auto& other : w.rows)
      if (clearly_better(other.figure, row.figure, w.higher_is_better)) ++row.rank;
  }
  std::stable_sort(w.rows.begin(), w.rows.end(), [&](const auto& a, const auto& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    return median_better(a.figure, b.figure, w.higher_is_better);
  });
  for (const auto& row : w.rows)
    if (row.tied_with_best) w.best.push_back(row.name);
}

// ---------------------------------------------------------------------------------------------
// Rendering

std::string workers_text(const ranked_row& row) {
  if (row.workers_swept.size() <= 1) return std::to_string(row.workers);
  return std::to_string(row.workers) + " (best of " + std::to_string(row.workers_swept.size()) +
         ")";
}

/// "asio (4) ≈ loop_offload (4)": the runtimes tied for best, with their worker counts.
std::string best_text(const workload_summary& w) {
  std::string text;
  for (const auto& row : w.rows) {
    if (!row.tied_with_best) continue;
    text += (text.empty() ? "" : " ≈ ") + row.runtime +
            (row.runtime == row.name ? "" : " (" + std::to_string(row.workers) + ")");
  }
  return text;
}

std::string notes_text(const workload_summary& w, const ranked_row& row) {
  std::vector<std::string> notes;
  if (row.tied_with_best && w.best.size() > 1) notes.push_back("tied with best");
  if (row.behind_rate)
    notes.push_back("behind the offered rate (efficiency " + format_count(row.efficiency.median) +
                    ")");
  std::string text;
  for (const auto& note : notes) text += (text.empty() ? "" : "; ") + note;
  return text;
}

std::string ranges_legend(const std::string& line_break) {
  return "Figures are medians over n samples with a [low–high] range: the order-statistic 95%" +
         line_break +
         "interval of the median for n ≥ 6, the min–max below. Runtimes whose range overlaps" +
         line_break + "the best's are tied (≈), not ordered. Each runtime is shown at its best" +
         line_break + "worker count (\"4 (best of 3)\": 4 workers, the best of the 3 counts run).";
}

std::string interrupted_warning() {
  return "INTERRUPTED RUN: the run was stopped by a signal; the benchmarks it had not started are "
         "absent from this summary.";
}

std::string quick_warning() {
  return "QUICK RUN (--quick): one sample per row, so no figure has a range and no ranking can "
         "be told from noise.";
}

text_table best_table(const report_summary& s) {
  text_table table;
  table.header = {"workload", "best (workers)", "figure [range]", "n", "ranked by"};
  table.numeric = {false, false, true, true, false};
  for (const auto& w : s.workloads) {
    const auto& top = w.rows.front();
    table.rows.push_back({{w.workload, ""},
                          {best_text(w), ""},
                          {figure_text(top.figure, w.rank_by, true), ""},
                          {std::to_string(top.figure.n), ""},
                          {rank_phrase(w), ""}});
  }
  return table;
}

text_table workload_table(const workload_summary& w) {
  auto any = [&](auto member) {
    return std::any_of(w.rows.begin(), w.rows.end(),
                       [&](const auto& r) { return (r.*member).kind != range_kind::none; });
  };
  // Beside the ranking figure: p99 (or, on open loop where p99 ranks, the throughput) and
  // efficiency, each left out when no row has it.
  const bool show_side = w.open_loop ? any(&ranked_row::throughput) : any(&ranked_row::lat_p99_us);
  const bool show_efficiency = any(&ranked_row::efficiency);
  const std::string side_metric = w.open_loop ? "tasks_per_s" : "lat_p99_us";

  text_table table;
  table.header = {"rank", "runtime", "workers", metric_label(w.rank_by) + " [range]", "vs best"};
  table.numeric = {true, false, true, true, true};
  if (show_side) {
    table.header.push_back(metric_label(side_metric) + " [range]");
    table.numeric.push_back(true);
  }
  if (show_efficiency) {
    table.header.push_back("efficiency [range]");
    table.numeric.push_back(true);
  }
  const bool show_notes = std::any_of(w.rows.begin(), w.rows.end(),
                                      [&](const auto& r) { return !notes_text(w, r).empty(); });
  table.header.push_back("n");
  table.numeric.push_back(true);
  if (show_notes) {
    table.header.push_back("note");
    table.numeric.push_back(false);
  }

  const double best = w.rows.front().figure.median;
  for (const auto& row : w.rows) {
    const double versus = best != 0 ? row.figure.median / best : nan;
    std::vector<text_cell> cells = {{std::to_string(row.rank), ""},
                                    {row.runtime, ""},
                                    {workers_text(row), ""},
                                    {figure_text(row.figure, w.rank_by), ""},
                                    {format_percent(versus, false), ""}};
    if (show_side)
      cells.push_back(
          {figure_text(w.open_loop ? row.throughput : row.lat_p99_us, side_metric), ""});
    if (show_efficiency) cells.push_back({figure_text(row.efficiency, "efficiency"), ""});
    cells.push_back({std::to_string(row.figure.n), ""});
    if (show_notes) cells.push_back({notes_text(w, row), row.behind_rate ? ansi_yellow : ""});
    table.rows.push_back(std::move(cells));
  }
  return table;
}

/// "Run: execbench 0.1.0 at ca630fa, a Release build by gcc 12.2.0, on AMD EPYC (2 CPUs),
/// kernel 6.18.44.": the run's context in one line, from what the context holds ("" for none).
std::string run_line(const report_summary& s) {
  const auto& c = s.context;
  auto value = [&](const char* key) {
    const auto it = c.find(key);
    return it == c.end() ? std::string() : it->second;
  };
  std::string line = "execbench";
  if (const auto version = value("execbench_version"); !version.empty()) line += " " + version;
  if (const auto sha = value("git_sha"); !sha.empty()) line += " at " + sha;
  const std::string build = value("build_type"), compiler = value("compiler");
  if (!build.empty()) line += ", a " + build + " build";
  if (!compiler.empty()) line += (build.empty() ? ", built by " : " by ") + compiler;
  const std::string cpu = value("cpu_model");
  std::string cpus = value("num_cpus");
  if (cpus.empty()) cpus = value("hardware_concurrency");
  if (!cpu.empty() || !cpus.empty()) {
    line += ", on " + (cpu.empty() ? std::string("a machine") : cpu);
    if (!cpus.empty()) line += " (" + cpus + (cpus == "1" ? " CPU)" : " CPUs)");
  }
  if (const auto kernel = value("kernel"); !kernel.empty()) line += ", kernel " + kernel;
  if (line == "execbench") return "";
  return "Run: " + line + ".";
}

/// Google Benchmark reports how its own library was built (Debian's 1.7.1: "debug"), which a
/// reader takes for the run's build: said for what it is when it differs from the run's.
std::string library_line(const report_summary& s) {
  const auto& c = s.context;
  const auto library = c.find("library_build_type");
  if (library == c.end() || library->second.empty()) return "";
  const auto build = c.find("build_type");
  auto lower = [](std::string text) {
    for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return text;
  };
  if (build != c.end() && lower(build->second) == lower(library->second)) return "";
  const auto version = c.find("benchmark_version");
  std::string line = "Google Benchmark";
  if (version != c.end() && !version->second.empty()) line += " " + version->second;
  line += ", the timing harness, reports its own library as a " + library->second +
          " build (library_build_type): it times the loop and runs none of the measured code";
  if (build != c.end() && !build->second.empty())
    line += ", which is a " + build->second + " build (build_type)";
  return line + ".";
}

/// A floor's place in floor_names (floor_names.hpp), or its end for one execbench does not know.
const floor_name* known_floor(const std::string& name) {
  return std::find_if(std::begin(floor_names), std::end(floor_names),
                      [&](const floor_name& k) { return k.key == name; });
}

/// What a floor measures, in a reader's words, and its unit (an unknown one by its name).
std::pair<std::string, std::string> floor_words(const std::string& name) {
  const floor_name* f = known_floor(name);
  if (f == std::end(floor_names)) return {name, ""};
  return {std::string(f->words), std::string(f->unit)};
}

/// "13.7 µs [13.3 µs–14.4 µs]", "0.0576 [0.0554–0.0605] µs/KiB".
std::string floor_figures(const host_floor_figure& f, const std::string& unit) {
  if (unit == "us") {
    return format_duration(f.median, "us") + " [" + format_duration(f.low, "us") + "–" +
           format_duration(f.high, "us") + "]";
  }
  return format_count(f.median) + " [" + format_count(f.low) + "–" + format_count(f.high) + "] " +
         (unit == "us/KiB" ? "µs/KiB" : unit);
}

/// The host cost floors: a line per floor ("" for a report without them).
std::string floors_text(const report_summary& s, bool markdown) {
  if (s.floors.empty() && s.floors_missing.empty()) return "";
  std::string out =
      "Host cost floors (median [min–max] over n batches; the ideal prices TCP and disk steps by "
      "the min, so efficiency is the runtime's overhead over the machine's own I/O cost):";
  out += markdown ? "\n\n" : "\n";
  for (const auto& f : s.floors) {
    const auto [words, unit] = floor_words(f.name);
    out += (markdown ? "- " : "  ") + words + ": " + floor_figures(f, unit) + ", n " +
           std::to_string(f.n) + (f.in_ideal ? "" : " (reported only)") + "\n";
  }
  for (const auto& [name, why] : s.floors_missing) {
    out += (markdown ? "- " : "  ") + floor_words(name).first + ": not measured (" + why +
           "); the ideal prices its steps at 0\n";
  }
  return out + (markdown ? "\n" : "");
}

std::string best_efficiency_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

/// "1.35 µs [1.32 µs–1.45 µs]", "never (best efficiency 0.0197)", "below 1.22 µs".
std::string metg_figure(double metg, double low, double high, double below, double best) {
  const auto grain = [](double v) { return format_duration(v, "us"); };
  if (std::isnan(metg)) {
    if (!std::isnan(below)) return "below " + grain(below);
    if (std::isnan(best)) return "never";
    char text[64];  // four figures: 0.4998 is not the threshold 0.5
    std::snprintf(text, sizeof text, "never (best efficiency %.4g)", best);
    return text;
  }
  return grain(metg) + " [" + (std::isnan(low) ? "below sweep" : grain(low)) + "–" +
         (std::isnan(high) ? "never" : grain(high)) + "]";
}

/// The METG rows, a table per family, lower first ("" without METG rows).
std::string metg_text(const report_summary& s, bool markdown) {
  std::string out;
  std::string family;
  text_table table;
  const auto start = [&] {
    table = text_table{};
    table.header = {"rank", "runtime", "workers", "METG [range]", "own METG", "best efficiency",
                    "n"};
    table.numeric = {true, false, true, true, true, true, true};
  };
  const auto flush = [&] {
    if (family.empty()) return;
    const std::string what =
        "the task grain at which efficiency falls to the threshold, lower is better (own: "
        "against the runtime's own best efficiency); runtimes whose ranges overlap share a rank";
    out += markdown ? "\n### metg/" + family + "\n\nMETG: " + what + ".\n\n" +
                          table.to_markdown()
                    : "\nmetg/" + family + ": " + what + "\n" + table.to_console(false);
  };
  for (const auto& r : s.metg) {
    if (r.family != family) {
      flush();
      family = r.family;
      start();
    }
    table.rows.push_back(
        {{r.rank == 0 ? "-" : std::to_string(r.rank), ""},
         {r.runtime, ""},
         {std::to_string(r.workers), ""},
         {metg_figure(r.metg_us, r.low_us, r.high_us, r.below_us, r.best_efficiency), ""},
         {metg_figure(r.own_us, r.own_low_us, r.own_high_us, r.own_below_us, nan), ""},
         {std::isnan(r.best_efficiency) ? "-" : best_efficiency_text(r.best_efficiency), ""},
         {std::to_string(r.n), ""}});
  }
  flush();
  return out;
}

std::string render_text(const report_summary& s, bool markdown) {
  std::string out = markdown ? "## Benchmark summary\n\n" : "";
  if (s.interrupted)
    out += markdown ? "**" + interrupted_warning() + "**\n\n" : interrupted_warning() + "\n\n";
  if (s.quick) out += markdown ? "**" + quick_warning() + "**\n\n" : quick_warning() + "\n\n";
  out += markdown ? "Report: `" + s.path + "`\n\n" : "Report: " + s.path + "\n";
  if (const std::string run = run_line(s); !run.empty()) out += run + (markdown ? "\n\n" : "\n");
  if (const std::string library = library_line(s); !library.empty())
    out += library + (markdown ? "\n\n" : "\n");
  if (s.speed_probe_n > 0) {
    out += "Machine speed during the run: spin took " +
           format_duration(s.speed_probe_median, "ns") + " per iteration (median; " +
           format_duration(s.speed_probe_min, "ns") + " to " +
           format_duration(s.speed_probe_max, "ns") + " over the " +
           std::to_string(s.speed_probe_n) + " repetitions' probes)";
    if (s.speed_probe_max > 1.1 * s.speed_probe_min)
      out += ": it drifted, so compare efficiency rather than time";
    out += markdown ? ".\n\n" : ".\n";
  }
  if (const std::string floors = floors_text(s, markdown); !floors.empty()) out += floors;
  out += ranges_legend(markdown ? " " : "\n") + "\n\n";
  if (!s.workloads.empty()) {
    out += markdown ? "### Best per workload\n\n" + best_table(s).to_markdown()
                    : best_table(s).to_console(false);
  }
  for (const auto& w : s.workloads) {
    const std::string heading = w.workload + ": ranked by " + rank_phrase(w);
    out += markdown ? "\n### " + w.workload + "\n\nRanked by " + rank_phrase(w) + ".\n\n" +
                          workload_table(w).to_markdown()
                    : "\n" + heading + "\n" + workload_table(w).to_console(false);
  }
  out += metg_text(s, markdown);
  return out;
}

nlohmann::json finite_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

/// {median, low, high, n, range}, or null when the row has no such metric.
nlohmann::json range_json(const median_range& range) {
  if (range.kind == range_kind::none) return nullptr;
  return {{"median", finite_or_null(range.median)},
          {"low", finite_or_null(range.low)},
          {"high", finite_or_null(range.high)},
          {"n", range.n},
          {"range", range_kind_name(range.kind)}};
}

std::string render_json(const report_summary& s) {
  nlohmann::json document;
  document["file"] = s.path;
  document["quick"] = s.quick;
  document["interrupted"] = s.interrupted;
  if (s.speed_probe_n > 0) {
    document["speed_probe_ns"] = {{"median", s.speed_probe_median},
                                  {"min", s.speed_probe_min},
                                  {"max", s.speed_probe_max},
                                  {"n", s.speed_probe_n}};
  } else {
    document["speed_probe_ns"] = nullptr;
  }
  document["floors"] = nlohmann::json::object();
  for (const auto& f : s.floors) {
    document["floors"][f.name] = {{"median", f.median},
                                  {"low", f.low},
                                  {"high", f.high},
                                  {"n", f.n},
                                  {"in_ideal", f.in_ideal}};
  }
  if (!s.floors_missing.empty()) document["floors"]["missing"] = s.floors_missing;
  document["metg"] = nlohmann::json::array();
  for (const auto& r : s.metg) {
    document["metg"].push_back({{"family", r.family},
                                {"own_low_us", finite_or_null(r.own_low_us)},
                                {"own_high_us", finite_or_null(r.own_high_us)},
                                {"runtime", r.runtime},
                                {"workers", r.workers},
                                {"metg_us", finite_or_null(r.metg_us)},
                                {"low_us", finite_or_null(r.low_us)},
                                {"high_us", finite_or_null(r.high_us)},
                                {"below_us", finite_or_null(r.below_us)},
                                {"own_us", finite_or_null(r.own_us)},
                                {"own_below_us", finite_or_null(r.own_below_us)},
                                {"best_efficiency", finite_or_null(r.best_efficiency)},
                                {"n", r.n},
                                {"rank", r.rank == 0 ? nlohmann::json() : nlohmann::json(r.rank)}});
  }
  document["workloads"] = nlohmann::json::array();
  for (const auto& w : s.workloads) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : w.rows)
      rows.push_back({{"name", row.name},
                      {"runtime", row.runtime},
                      {"workers", row.workers},
                      {"median", finite_or_null(row.figure.median)},
                      {"low", finite_or_null(row.figure.low)},
                      {"high", finite_or_null(row.figure.high)},
                      {"n", row.figure.n},
                      {"range", range_kind_name(row.figure.kind)},
                      {"rank", row.rank},
                      {"tied_with_best", row.tied_with_best},
                      {"workers_swept", row.workers_swept},
                      {"tasks_per_s", range_json(row.throughput)},
                      {"p99_us", range_json(row.lat_p99_us)},
                      {"efficiency", range_json(row.efficiency)},
                      {"behind_rate", row.behind_rate}});
    document["workloads"].push_back({{"workload", w.workload},
                                     {"rank_by", w.rank_by},
                                     {"higher_is_better", w.higher_is_better},
                                     {"open_loop", w.open_loop},
                                     {"offered_rate_per_s", finite_or_null(w.offered_rate_per_s)},
                                     {"best", w.best},
                                     {"rows", rows}});
  }
  return document.dump(2) + "\n";
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

namespace {

double median_or_nan(const benchmark_samples& samples, const char* metric) {
  const auto it = samples.metrics.find(metric);
  return it == samples.metrics.end() || it->second.empty() ? nan : median(it->second);
}

metg_summary_row metg_row_of(const benchmark_samples& samples, const benchmark_name& name) {
  metg_summary_row r;
  r.family = name.workload.substr(std::string_view("metg/").size());
  r.runtime = name.runtime;
  r.workers = name.workers;
  r.metg_us = median_or_nan(samples, "metg_us");
  r.low_us = median_or_nan(samples, "metg_low_us");
  r.high_us = median_or_nan(samples, "metg_high_us");
  r.below_us = median_or_nan(samples, "metg_below_us");
  r.own_us = median_or_nan(samples, "metg_own_us");
  r.own_low_us = median_or_nan(samples, "metg_own_low_us");
  r.own_high_us = median_or_nan(samples, "metg_own_high_us");
  r.own_below_us = median_or_nan(samples, "metg_own_below_us");
  r.best_efficiency = median_or_nan(samples, "best_efficiency");
  const double n = median_or_nan(samples, "metg_n");
  r.n = std::isnan(n) ? 0 : static_cast<std::size_t>(n);
  return r;
}

/// The floors in the context's `floors`. A report without them has none; floors that do not read
/// are bad input.
void read_floors(const report& input, report_summary& result) {
  if (!input.context.is_object() || !input.context.contains("floors")) return;
  // execbench writes them as JSON text (Google Benchmark's context holds strings); a report
  // edited by a tool may hold the object itself.
  const auto& text = input.context.at("floors");
  const auto doc =
      text.is_string() ? nlohmann::json::parse(text.get<std::string>(), nullptr, false) : text;
  if (!doc.is_object())
    throw input_error(input.path +
                      ": context \"floors\" is not a JSON object (or one in a string)");
  for (const auto& [name, value] : doc.items()) {
    if (name == "missing") {
      if (!value.is_object())
        throw input_error(input.path + ": context \"floors\": \"missing\" is not an object");
      for (const auto& [floor, why] : value.items())
        result.floors_missing[floor] = why.is_string() ? why.get<std::string>() : why.dump();
      continue;
    }
    host_floor_figure f;
    f.name = name;
    try {
      f.median = value.at("median").get<double>();
      f.low = value.at("low").get<double>();
      f.high = value.at("high").get<double>();
      f.n = value.at("n").get<std::size_t>();
    } catch (const nlohmann::json::exception&) {
      throw input_error(input.path + ": context \"floors\": \"" + name +
                        "\" lacks a number median, low, high or n");
    }
    const floor_name* known = known_floor(name);
    f.in_ideal = known != std::end(floor_names) && known->in_ideal;
    result.floors.push_back(std::move(f));
  }
  // In the order of floor_names (the JSON object's own order is alphabetical); unknown ones
  // last, by name.
  const auto rank = [](const std::string& name) {
    return known_floor(name) - std::begin(floor_names);
  };
  std::stable_sort(result.floors.begin(), result.floors.end(),
                   [&](const host_floor_figure& a, const host_floor_figure& b) {
                     return rank(a.name) < rank(b.name);
                   });
}

}  // namespace

report_summary summarise(const report& input) {
  report_summary result;
  result.path = input.path;
  result.quick = context_says(input.context, "quick");
  result.interrupted = context_says(input.context, "interrupted");
  if (input.context.is_object()) {
    for (const char* key :
         {"execbench_version", "git_sha", "build_type", "compiler", "cpu_model", "num_cpus",
          "hardware_concurrency", "kernel", "library_build_type", "benchmark_version"}) {
      const auto it = input.context.find(key);
      if (it == input.context.end() || it->is_null() || it->is_structured()) continue;
      result.context[key] = it->is_string() ? it->get<std::string>() : it->dump();
    }
  }
  read_floors(input, result);
  const std::vector<benchmark_samples> all = collect_samples({input});
  std::vector<double> probes;
  for (const auto& samples : all) {
    if (const auto it = samples.metrics.find("speed_probe_ns"); it != samples.metrics.end())
      probes.insert(probes.end(), it->second.begin(), it->second.end());
  }
  if (!probes.empty()) {
    const auto [lo, hi] = std::minmax_element(probes.begin(), probes.end());
    result.speed_probe_min = *lo;
    result.speed_probe_max = *hi;
    result.speed_probe_median = median(probes);
    result.speed_probe_n = probes.size();
  }
  std::map<std::string, std::size_t> position;
  std::vector<std::vector<const benchmark_samples*>> members;
  for (const auto& samples : all) {
    if (samples.repetitions == 0) continue;  // errored throughout: nothing to rank
    const benchmark_name name = parse_benchmark_name(samples.run_name);
    if (name.workload.starts_with("metg/")) {  // their figure is a grain, not a throughput
      result.metg.push_back(metg_row_of(samples, name));
      continue;
    }
    const auto [it, inserted] = position.try_emplace(name.workload, result.workloads.size());
    if (inserted) {
      workload_summary w;
      w.workload = name.workload;
      w.offered_rate_per_s = nan;
      result.workloads.push_back(std::move(w));
      members.emplace_back();
    }
    members[it->second].push_back(&samples);
  }
  for (std::size_t i = 0; i < result.workloads.size(); ++i)
    rank_workload(result.workloads[i], members[i]);
  std::erase_if(result.workloads, [](const auto& w) { return w.rows.empty(); });
  // Rows of a run in random interleaving arrive in random order: workloads by name, the
  // primitives after them, so that two summaries list them alike.
  std::stable_sort(result.workloads.begin(), result.workloads.end(),
                   [](const workload_summary& a, const workload_summary& b) {
                     const bool a_primitive = a.workload.starts_with("primitive/");
                     const bool b_primitive = b.workload.starts_with("primitive/");
                     if (a_primitive != b_primitive) return b_primitive;
                     return a.workload < b.workload;
                   });
  // Lowest METG first: a crossing below the sweep at its bound (the finest grain, which it is
  // under), the crossings by their grain, then the runtimes that never reached the threshold,
  // the nearest first.
  const auto rank = [](const metg_summary_row& r) {
    if (!std::isnan(r.metg_us)) return std::pair{r.metg_us, 0.0};
    if (!std::isnan(r.below_us)) return std::pair{r.below_us, 0.0};
    return std::pair{inf, std::isnan(r.best_efficiency) ? 0.0 : -r.best_efficiency};
  };
  std::stable_sort(result.metg.begin(), result.metg.end(),
                   [&](const metg_summary_row& a, const metg_summary_row& b) {
                     if (a.family != b.family) return a.family < b.family;
                     return rank(a) < rank(b);
                   });
  // Ranks by the ranges, so that runtimes that cannot be told apart share one: a row whose
  // range overlaps its rank's leader's joins it. A crossing's range runs from metg_low_us
  // (below the sweep: 0) to metg_high_us (never: no end); one below the sweep from 0 to its bound.
  const auto range_of = [](const metg_summary_row& r) {
    if (std::isnan(r.metg_us)) return std::pair{0.0, r.below_us};
    return std::pair{std::isnan(r.low_us) ? 0.0 : r.low_us,
                     std::isnan(r.high_us) ? inf : r.high_us};
  };
  std::string family;
  std::size_t rank_now = 0;
  std::pair<double, double> leader{};
  for (auto& r : result.metg) {
    if (r.family != family) {
      family = r.family;
      rank_now = 0;
    }
    if (std::isnan(r.metg_us) && std::isnan(r.below_us)) continue;  // never: unranked
    const auto range = range_of(r);
    if (rank_now == 0 || range.first > leader.second || leader.first > range.second) {
      ++rank_now;
      leader = range;
    }
    r.rank = rank_now;
  }
  if (result.workloads.empty() && result.metg.empty())
    throw input_error(input.path + ": no successful benchmark rows to summarise");
  return result;
}

std::string render_summary(const report_summary& summary, summary_format format) {
  switch (format) {
    case summary_format::markdown:
      return render_text(summary, true);
    case summary_format::json:
      return render_json(summary);
    case summary_format::console:
    default:
      return render_text(summary, false);
  }
}

}  // namespace execbench::reports
