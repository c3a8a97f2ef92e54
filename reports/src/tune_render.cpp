// The three renderings of a tuning: aligned console text, Markdown, JSON.

#include <cmath>
#include <cstdio>

#include "execbench/reports/text_table.hpp"
#include "execbench/reports/tune.hpp"

namespace execbench::reports {

namespace {

std::string number(double value, const char* pattern = "%.4g") {
  if (std::isnan(value)) return "-";
  if (std::isinf(value)) return "none";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

/// Throughputs: whole numbers from 1000 up (20064 reads better than 2.006e+04).
std::string throughput(double value) {
  return std::isfinite(value) && std::abs(value) >= 1000 && std::abs(value) < 1e15
             ? number(value, "%.0f")
             : number(value);
}

/// JSON has no NaN or infinity: both become null (N* is infinite when kappa = 0).
nlohmann::json finite_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

std::string joined(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? separator : "") + parts[i];
  return text;
}

text_table overview(const tuning& t) {
  text_table table;
  table.header = {"workload", "runtime", "recommended", "tasks/s", "of best", "p99 us", "best",
                  "goetz",    "N*",      "sigma",       "kappa",   "lambda",  "R²",     "fit"};
  table.numeric = {false, false, true, true, true, true, true,
                   true,  true,  true, true, true, true, false};
  for (const auto& r : t.results) {
    table.rows.push_back(
        {{r.workload, ""},
         {r.runtime, ""},
         {std::to_string(r.recommended_workers), ""},
         {throughput(r.recommended_throughput), ""},
         {number(r.recommended_throughput / r.best_throughput * 100, "%.1f%%"), ""},
         {number(r.recommended_lat_p99_us), ""},
         {std::to_string(r.best_workers), ""},
         {number(r.goetz_workers, "%.3g"), ""},
         {number(r.fit.n_star, "%.3g"), ""},
         {number(r.fit.sigma, "%.3g"), ""},
         {number(r.fit.kappa, "%.3g"), ""},
         {throughput(r.fit.lambda), ""},
         {number(r.fit.r2, "%.3f"), ""},
         {r.reliable ? "reliable" : "unreliable", r.reliable ? "" : ansi_yellow}});
  }
  return table;
}

text_table points_table(const tune_result& r) {
  text_table table;
  table.header = {"workers", "tasks/s", "min", "max", "of best", "USL", "p99 us", "W/C", "n", ""};
  table.numeric = {true, true, true, true, true, true, true, true, true, false};
  for (const auto& p : r.points) {
    std::string mark = p.workers == r.recommended_workers ? "recommended" : "";
    if (p.workers == r.best_workers) mark += mark.empty() ? "best" : ", best";
    const double fitted =
        usl_throughput(r.fit.sigma, r.fit.kappa, r.fit.lambda, static_cast<double>(p.workers));
    table.rows.push_back({{std::to_string(p.workers), ""},
                          {throughput(p.throughput), ""},
                          {throughput(p.throughput_min), ""},
                          {throughput(p.throughput_max), ""},
                          {number(p.throughput / r.best_throughput * 100, "%.1f%%"), ""},
                          {throughput(fitted), ""},
                          {number(p.lat_p99_us), ""},
                          {number(p.wait_compute_ratio, "%.3g"), ""},
                          {std::to_string(p.repetitions), ""},
                          {mark, ""}});
  }
  return table;
}

std::string header_line(const tuning& t) {
  return "cores: " + (t.cores ? std::to_string(t.cores) : std::string("unknown")) +
         "; recommendation: the fewest workers within " + number(t.options.within * 100, "%g") +
         "% of the best median throughput; fits with R² < " + number(t.options.min_r2, "%g") +
         " are unreliable";
}

std::string render_console(const tuning& t) {
  std::string out =
      "Sweep: " + t.path + "\n" + header_line(t) + "\n\n" + overview(t).to_console(false);
  for (const auto& r : t.results) {
    out += "\n" + r.workload + " / " + r.runtime + ": " + std::to_string(r.recommended_workers) +
           (r.recommended_workers == 1 ? " worker\n" : " workers\n");
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
    out += "\n### " + r.workload + " / " + r.runtime + ": " +
           std::to_string(r.recommended_workers) +
           (r.recommended_workers == 1 ? " worker\n\n" : " workers\n\n");
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
                        {"lat_p99_us", finite_or_null(p.lat_p99_us)},
                        {"wait_compute_ratio", finite_or_null(p.wait_compute_ratio)},
                        {"repetitions", p.repetitions}});
    document["results"].push_back(
        {{"workload", r.workload},
         {"runtime", r.runtime},
         {"recommended_workers", r.recommended_workers},
         {"recommended_throughput", r.recommended_throughput},
         {"recommended_lat_p99_us", finite_or_null(r.recommended_lat_p99_us)},
         {"best_workers", r.best_workers},
         {"best_throughput", r.best_throughput},
         {"goetz_workers", finite_or_null(r.goetz_workers)},
         {"wait_compute_ratio", finite_or_null(r.wait_compute_ratio)},
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
