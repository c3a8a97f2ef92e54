// The three renderings of a tuning: aligned console text, Markdown, JSON.

#include <cmath>

#include "execbench/reports/number_format.hpp"
#include "execbench/reports/text_table.hpp"
#include "execbench/reports/tune.hpp"

namespace execbench::reports {

namespace {

/// A count by number_format's rule; "none" for an infinity (N* when kappa = 0).
std::string number(double value) {
  return std::isinf(value) ? "none" : format_count(value);
}

/// A percentage of the best, one decimal: "99.4%".
std::string percent(double fraction) {
  return format_percent(fraction, false);
}

/// A latency given in microseconds: "850 µs", "1.2 ms".
std::string latency(double us) {
  return format_duration(us, "us");
}

/// JSON has no NaN or infinity: both become null (N* is infinite when kappa = 0).
nlohmann::json finite_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

bool is_plus_infinity(double value) {
  return std::isinf(value) && value > 0;
}

std::string joined(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? separator : "") + parts[i];
  return text;
}

/// W/C: "∞" for tasks that never compute.
std::string ratio(double value) {
  return format_count(value);
}

/// "64 (48–96)": the recommendation and the counts that cannot be told apart from it.
std::string recommendation(const tune_result& r) {
  if (r.recommended_low == r.recommended_high) return std::to_string(r.recommended_workers);
  return std::to_string(r.recommended_workers) + " (" + std::to_string(r.recommended_low) + "–" +
         std::to_string(r.recommended_high) + ")";
}

/// The recommendation's tuned metric against the best: % of the best throughput, or on open
/// loop its p99 as a % of the lowest.
double of_best(const tune_result& r) {
  return r.open_loop ? r.recommended_lat_p99_us / r.best_lat_p99_us
                     : r.recommended_throughput / r.best_throughput;
}

text_table overview(const tuning& t) {
  text_table table;
  table.header = {"workload", "runtime", "recommended", "by",  "tasks/s", "of best",
                  "p99",      "best",    "edge",        "W/C", "goetz",   "N*",
                  "sigma",    "kappa",   "lambda",      "R²",  "fit"};
  table.numeric = {false, false, true, false, true, true, true, true, false,
                   true,  true,  true, true,  true, true, true, false};
  for (const auto& r : t.results) {
    table.rows.push_back({{r.workload, ""},
                          {r.runtime, ""},
                          {recommendation(r), ""},
                          {r.open_loop ? "p99" : "tasks/s", ""},
                          {number(r.recommended_throughput), ""},
                          {percent(of_best(r)), ""},
                          {latency(r.recommended_lat_p99_us), ""},
                          {std::to_string(r.best_workers), ""},
                          {r.edge, r.edge.empty() ? "" : ansi_yellow},
                          {ratio(r.wait_compute_ratio), ""},
                          {number(r.goetz_workers), ""},
                          {number(r.fit.n_star), ""},
                          {number(r.fit.sigma), ""},
                          {number(r.fit.kappa), ""},
                          {number(r.fit.lambda), ""},
                          {number(r.fit.r2), ""},
                          {r.reliable ? "reliable" : "unreliable", r.reliable ? "" : ansi_yellow}});
  }
  return table;
}

text_table points_table(const tune_result& r) {
  text_table table;
  // low and high: the range of the median (order-statistic 95% interval from 6 repetitions on,
  // the min-max below), the ranges the recommendation's range is judged by.
  table.header = {"workers", "tasks/s", "low", "high", "of best", "USL", "p99"};
  table.numeric = {true, true, true, true, true, true, true};
  if (r.open_loop) {
    table.header.insert(table.header.end(), {"p99 low", "p99 high"});
    table.numeric.insert(table.numeric.end(), {true, true});
  }
  table.header.insert(table.header.end(), {"W/C", "n", ""});
  table.numeric.insert(table.numeric.end(), {true, true, false});
  for (const auto& p : r.points) {
    std::vector<std::string> marks;
    if (p.workers == r.recommended_workers) marks.push_back("recommended");
    if (p.workers == r.best_workers) marks.push_back("best");
    if (p.workers != r.recommended_workers && p.workers >= r.recommended_low &&
        p.workers <= r.recommended_high)
      marks.push_back("≈ recommended");
    if (p.workers == r.wait_compute_workers) marks.push_back("W/C for Goetz");
    const double fitted =
        usl_throughput(r.fit.sigma, r.fit.kappa, r.fit.lambda, static_cast<double>(p.workers));
    const double versus =
        r.open_loop ? p.lat_p99_us / r.best_lat_p99_us : p.throughput / r.best_throughput;
    std::vector<text_cell> cells = {{std::to_string(p.workers), ""},
                                    {number(p.throughput), ""},
                                    {number(p.throughput_range.low), ""},
                                    {number(p.throughput_range.high), ""},
                                    {percent(versus), ""},
                                    {number(fitted), ""},
                                    {latency(p.lat_p99_us), ""}};
    if (r.open_loop) {
      cells.push_back({latency(p.lat_p99_range.low), ""});
      cells.push_back({latency(p.lat_p99_range.high), ""});
    }
    cells.push_back({ratio(p.wait_compute_ratio), ""});
    cells.push_back({std::to_string(p.repetitions), ""});
    cells.push_back({joined(marks, ", "), ""});
    table.rows.push_back(std::move(cells));
  }
  return table;
}

std::string header_line(const tuning& t) {
  return "cores: " + (t.cores ? std::to_string(t.cores) : std::string("unknown")) +
         "; recommendation: the fewest workers within " + format_count(t.options.within * 100) +
         "% of the best median throughput (open loop: of the lowest median p99), in brackets the "
         "counts whose ranges overlap its own; fits with R² < " +
         format_count(t.options.min_r2) + " are unreliable";
}

std::string title(const tune_result& r) {
  return r.workload + " / " + r.runtime + ": " + recommendation(r) +
         (r.recommended_workers == 1 ? " worker" : " workers");
}

std::string render_console(const tuning& t) {
  std::string out =
      "Sweep: " + t.path + "\n" + header_line(t) + "\n\n" + overview(t).to_console(false);
  for (const auto& r : t.results) {
    // Appended in steps: GCC 12 warns (-Wrestrict, falsely) on "literal" + std::string&&.
    out += '\n';
    out += title(r);
    out += '\n';
    for (const auto& reason : r.reasons) out += "  " + reason + "\n";
    out += points_table(r).to_console(false);
  }
  if (!t.skipped.empty()) {
    out += "\nskipped:\n";
    for (const auto& s : t.skipped)
      out += "  " + s.workload + "/" + s.runtime + ": " + s.reason + "\n";
  }
  return out;
}

std::string render_markdown(const tuning& t) {
  std::string out = "## Worker count tuning\n\nSweep: `" + t.path + "`; " + header_line(t) +
                    ".\n\n" + overview(t).to_markdown();
  for (const auto& r : t.results) {
    out += "\n### " + title(r) + "\n\n";
    for (const auto& reason : r.reasons) out += "- " + reason + "\n";
    // Appended in two steps: GCC 12 warns (-Wrestrict, falsely) on "literal" + std::string&&.
    out += '\n';
    out += points_table(r).to_markdown();
  }
  if (!t.skipped.empty()) {
    out += "\n### Skipped\n\n";
    for (const auto& s : t.skipped)
      out += "- `" + s.workload + "/" + s.runtime + "`: " + s.reason + "\n";
  }
  return out;
}

std::string render_json(const tuning& t) {
  nlohmann::json document;
  document["file"] = t.path;
  document["cores"] = t.cores ? nlohmann::json(t.cores) : nlohmann::json(nullptr);
  document["within"] = t.options.within;
  document["min_r2"] = t.options.min_r2;
  document["throughput_metric"] = "tasks_per_s";
  document["results"] = nlohmann::json::array();
  for (const auto& r : t.results) {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& p : r.points)
      points.push_back({{"workers", p.workers},
                        {"throughput", p.throughput},
                        {"throughput_min", p.throughput_min},
                        {"throughput_max", p.throughput_max},
                        {"throughput_low", finite_or_null(p.throughput_range.low)},
                        {"throughput_high", finite_or_null(p.throughput_range.high)},
                        {"range", range_kind_name(p.throughput_range.kind)},
                        {"lat_p99_us", finite_or_null(p.lat_p99_us)},
                        {"lat_p99_low_us", finite_or_null(p.lat_p99_range.low)},
                        {"lat_p99_high_us", finite_or_null(p.lat_p99_range.high)},
                        {"efficiency", finite_or_null(p.efficiency)},
                        {"wait_compute_ratio", finite_or_null(p.wait_compute_ratio)},
                        {"wait_compute_infinite", is_plus_infinity(p.wait_compute_ratio)},
                        {"repetitions", p.repetitions}});
    document["results"].push_back(
        {{"workload", r.workload},
         {"runtime", r.runtime},
         {"recommended_workers", r.recommended_workers},
         {"recommended_throughput", r.recommended_throughput},
         {"recommended_lat_p99_us", finite_or_null(r.recommended_lat_p99_us)},
         {"recommended_low", r.recommended_low},
         {"recommended_high", r.recommended_high},
         {"edge", r.edge.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.edge)},
         {"next_sweep",
          r.next_sweep.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.next_sweep)},
         {"tuned_by", r.tuned_by},
         {"open_loop", r.open_loop},
         {"offered_rate_per_s", finite_or_null(r.offered_rate_per_s)},
         {"best_workers", r.best_workers},
         {"best_throughput", r.best_throughput},
         {"best_lat_p99_us", finite_or_null(r.best_lat_p99_us)},
         {"goetz_workers", finite_or_null(r.goetz_workers)},
         {"wait_compute_ratio", finite_or_null(r.wait_compute_ratio)},
         {"wait_compute_infinite", is_plus_infinity(r.wait_compute_ratio)},
         {"wait_compute_workers", r.wait_compute_workers ? nlohmann::json(r.wait_compute_workers)
                                                         : nlohmann::json(nullptr)},
         {"n_star", finite_or_null(r.fit.n_star)},
         {"sigma", r.fit.sigma},
         {"kappa", r.fit.kappa},
         {"lambda", r.fit.lambda},
         {"r2", finite_or_null(r.fit.r2)},
         {"reliable", r.reliable},
         {"reasons", r.reasons},
         {"summary", joined(r.reasons, "; ")},
         {"points", points}});
  }
  document["skipped"] = nlohmann::json::array();
  for (const auto& s : t.skipped)
    document["skipped"].push_back(
        {{"workload", s.workload}, {"runtime", s.runtime}, {"reason", s.reason}});
  return document.dump(2) + "\n";
}

}  // namespace

std::string render_tuning(const tuning& result, tune_format format) {
  switch (format) {
    case tune_format::markdown:
      return render_markdown(result);
    case tune_format::json:
      return render_json(result);
    case tune_format::console:
    default:
      return render_console(result);
  }
}

}  // namespace execbench::reports
