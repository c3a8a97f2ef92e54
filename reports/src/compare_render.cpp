// One renderer per output format of compare; all four show the same content: notes and warnings,
// the rows with their verdicts and reasons, the gate's outcome, the geometric means, and the
// benchmarks only on one side or errored.

#include <cmath>
#include <cstdio>

#include "execbench/reports/compare.hpp"
#include "execbench/reports/number_format.hpp"
#include "execbench/reports/text_table.hpp"

namespace execbench::reports {

namespace {

std::string percent(double fraction, bool sign = true) {
  return format_percent(fraction, sign);
}

std::string interval(const metric_comparison& row) {
  if (std::isnan(row.ci_low) || std::isnan(row.ci_high)) return "-";
  // Appended piecewise: "literal" + temporary trips GCC 12's -Wrestrict false positive.
  std::string out = "[";
  out += percent(row.ci_low);
  out += ", ";
  out += percent(row.ci_high);
  return out + "]";
}

std::string p_value_text(const metric_comparison& row) {
  return format_probability(row.p_value);
}

std::string verdict_colour(verdict value) {
  switch (value) {
    case verdict::faster:
      return ansi_green;
    case verdict::slower:
      return ansi_red;
    case verdict::same:
      return "";
    default:
      return ansi_dim;
  }
}

// The reason for the verdict and the row's note, in one cell.
std::string why(const metric_comparison& row) {
  if (row.note.empty()) return row.reason;
  if (row.reason.empty()) return row.note;
  return row.reason + "; " + row.note;
}

std::string holm_text(const metric_comparison& row) {
  return format_probability(row.p_holm);
}

std::string level_text(double alpha) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g%%", (1 - alpha) * 100);
  return buffer;
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

// `only_significant`: just the faster and slower rows, for the headline of a pull request.
text_table rows_table(const comparison& result, bool only_significant = false) {
  text_table table;
  table.header = {"benchmark",
                  "metric",
                  "better",
                  "base",
                  "new",
                  "change",
                  level_text(result.alpha) + " CI",
                  "p",
                  "Holm p",
                  "n",
                  "verdict",
                  "gated",
                  "why"};
  table.numeric = {false, false, false, true,  true,  true, true,
                   true,  true,  true,  false, false, false};
  const std::string* previous = nullptr;
  for (const auto& row : result.rows) {
    if (only_significant && row.verdict != verdict::faster && row.verdict != verdict::slower)
      continue;
    const std::string colour = verdict_colour(row.verdict);
    // The name once per benchmark: its metrics follow on the rows below it.
    const bool same = previous != nullptr && *previous == row.benchmark;
    previous = &row.benchmark;
    table.rows.push_back(
        {{same ? "" : row.benchmark, ""},
         {row.metric, ""},
         {std::string(to_string(row.direction)), ""},
         {format_metric_value(row.metric, row.base_median), ""},
         {format_metric_value(row.metric, row.new_median), ""},
         {percent(row.change), colour},
         {interval(row), ""},
         {p_value_text(row), ""},
         {holm_text(row), ""},
         {std::to_string(row.base_count) + "/" + std::to_string(row.new_count), ""},
         {std::string(to_string(row.verdict)), colour},
         {row.gated ? "yes" : "", ""},
         {why(row), ""}});
  }
  return table;
}

text_table geometric_mean_table(const comparison& result) {
  text_table table;
  table.header = {"metric", "geomean new/base", "change", "matched rows"};
  table.numeric = {false, true, true, true};
  for (const auto& mean : result.geometric_means) {
    table.rows.push_back({{mean.metric, ""},
                          {format_count(mean.ratio), ""},
                          {percent(mean.ratio - 1), ""},
                          {std::to_string(mean.count), ""}});
  }
  return table;
}

std::string summary_line(const comparison& result) {
  std::size_t counts[5] = {};
  for (const auto& row : result.rows) ++counts[static_cast<int>(row.verdict)];
  char alpha[32];
  std::snprintf(alpha, sizeof alpha, "%g", result.alpha);
  std::string out = std::to_string(result.rows.size()) + " comparisons: ";
  out += std::to_string(counts[static_cast<int>(verdict::slower)]) + " slower, ";
  out += std::to_string(counts[static_cast<int>(verdict::faster)]) + " faster, ";
  out += std::to_string(counts[static_cast<int>(verdict::same)]) + " same, ";
  out += std::to_string(counts[static_cast<int>(verdict::inconclusive)]) + " inconclusive";
  if (const auto n = counts[static_cast<int>(verdict::no_verdict)])
    out += ", " + std::to_string(n) + " without direction";
  out += " (threshold " + percent(result.threshold, false) + ", alpha " + alpha + ")";
  return out;
}

// The gate's outcome: what --fail-on-regression acts on.
std::string gate_line(const comparison& result) {
  std::size_t slower = 0, gated = 0;
  for (const auto& row : result.rows) {
    gated += row.gated;
    slower += row.gated && row.verdict == verdict::slower;
  }
  if (slower > 0)
    return "gate: regression, " + std::to_string(slower) + " of " + std::to_string(gated) +
           " gated rows slower";
  return "gate: no regression (" + std::to_string(gated) + " gated rows, none slower)";
}

std::string repetitions_text(const errored_benchmark& error) {
  std::string out = "(";
  out += std::to_string(error.errored);
  out += " of " + std::to_string(error.repetitions) + " repetitions)";
  return out;
}

std::string render_console(const comparison& result, bool colour) {
  std::string out =
      "BASE: " + join(result.base_files, ", ") + "\nNEW:  " + join(result.new_files, ", ") + "\n";
  for (const auto& note : result.notes) out += "note: " + note + "\n";
  for (const auto& warning : result.warnings)
    out += (colour ? "\x1b[33mwarning:\x1b[0m " : "warning: ") + warning + "\n";
  out += "\n" + rows_table(result).to_console(colour);
  out += "\n" + summary_line(result) + "\n" + gate_line(result) + "\n";
  if (!result.geometric_means.empty()) out += "\n" + geometric_mean_table(result).to_console(false);
  if (!result.only_in_base.empty())
    out += "\nonly in BASE (removed): " + join(result.only_in_base, ", ") + "\n";
  if (!result.only_in_new.empty())
    out += "\nonly in NEW (added): " + join(result.only_in_new, ", ") + "\n";
  if (!result.errored.empty()) out += "\n";
  for (const auto& error : result.errored)
    out += "errored in " + std::string(error.side == "base" ? "BASE" : "NEW") + ": " +
           error.benchmark + ": " + error.message + " " + repetitions_text(error) + "\n";
  return out;
}

std::string render_markdown(const comparison& result) {
  std::string out = "## Benchmark comparison\n\n";
  out += "BASE: `" + join(result.base_files, "`, `") + "`  \nNEW: `" +
         join(result.new_files, "`, `") + "`\n\n";
  for (const auto& note : result.notes) out += "> " + note + "\n>\n";
  for (const auto& warning : result.warnings) out += "> **Warning:** " + warning + "\n>\n";
  if (!result.warnings.empty() || !result.notes.empty()) {
    out.resize(out.size() - 2);  // no empty quote line after the last warning
    out += "\n";
  }
  // A pull request reader wants the verdicts first; the full table is one click away.
  out += "**" + summary_line(result) + "**  \n**" + gate_line(result) + "**\n\n";
  const text_table significant = rows_table(result, true);
  if (!significant.rows.empty())
    out += "### Faster or slower\n\n" + significant.to_markdown() + "\n";
  out += "<details><summary>All " + std::to_string(result.rows.size()) +
         " comparisons</summary>\n\n" + rows_table(result).to_markdown() + "\n</details>\n";
  if (!result.geometric_means.empty())
    out +=
        "\n### Geometric mean (matched rows only)\n\n" + geometric_mean_table(result).to_markdown();
  auto list = [&](const std::string& title, const std::vector<std::string>& names) {
    if (names.empty()) return;
    out += "\n### " + title + "\n\n";
    for (const auto& name : names) out += "- `" + name + "`\n";
  };
  list("Only in BASE (removed)", result.only_in_base);
  list("Only in NEW (added)", result.only_in_new);
  if (!result.errored.empty()) {
    out += "\n### Errored\n\n";
    for (const auto& error : result.errored)
      out += "- `" + error.benchmark + "` (" + (error.side == "base" ? "BASE" : "NEW") +
             "): " + error.message + " " + repetitions_text(error) + "\n";
  }
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_number(double value) {
  if (std::isnan(value)) return "";
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

std::string render_csv(const comparison& result) {
  // One table: matched rows first, then the benchmarks only on one side or errored, so that
  // nothing disappears from a spreadsheet either.
  std::string out =
      "status,benchmark,metric,direction,base_n,new_n,base_median,new_median,change,ci_low,"
      "ci_high,p_value,p_method,p_holm,gated,verdict,reason,note,message\n";
  for (const auto& row : result.rows) {
    out += "matched," + csv_field(row.benchmark) + "," + csv_field(row.metric) + "," +
           std::string(to_string(row.direction)) + "," + std::to_string(row.base_count) + "," +
           std::to_string(row.new_count) + "," + csv_number(row.base_median) + "," +
           csv_number(row.new_median) + "," + csv_number(row.change) + "," +
           csv_number(row.ci_low) + "," + csv_number(row.ci_high) + "," + csv_number(row.p_value) +
           "," + (row.has_statistics ? (row.exact_p ? "exact" : "normal") : "") + "," +
           csv_number(row.p_holm) + "," + (row.gated ? "true" : "false") + "," +
           std::string(to_string(row.verdict)) + "," + csv_field(row.reason) + "," +
           csv_field(row.note) + ",\n";
  }
  for (const auto& name : result.only_in_base)
    out += "only_in_base," + csv_field(name) + ",,,,,,,,,,,,,,,,,\n";
  for (const auto& name : result.only_in_new)
    out += "only_in_new," + csv_field(name) + ",,,,,,,,,,,,,,,,,\n";
  for (const auto& error : result.errored)
    out += "errored_" + error.side + "," + csv_field(error.benchmark) + ",,,,,,,,,,,,,,,,," +
           csv_field(error.message) + "\n";
  return out;
}

nlohmann::json json_number(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

std::string render_json(const comparison& result) {
  nlohmann::json out;
  out["base_files"] = result.base_files;
  out["new_files"] = result.new_files;
  out["threshold"] = result.threshold;
  out["alpha"] = result.alpha;
  out["paired"] = result.paired;
  out["unit"] = result.unit;
  out["gate_metric"] = result.gate_metric;
  out["gated_count"] = result.gated_count;
  out["notes"] = result.notes;
  out["warnings"] = result.warnings;
  out["metrics"] = result.metrics;
  out["rows"] = nlohmann::json::array();
  for (const auto& row : result.rows) {
    out["rows"].push_back(
        {{"benchmark", row.benchmark},
         {"metric", row.metric},
         {"direction", to_string(row.direction)},
         {"base_n", row.base_count},
         {"new_n", row.new_count},
         {"base_median", json_number(row.base_median)},
         {"new_median", json_number(row.new_median)},
         {"change", json_number(row.change)},
         {"ci_low", json_number(row.ci_low)},
         {"ci_high", json_number(row.ci_high)},
         {"p_value", json_number(row.p_value)},
         {"p_method", row.has_statistics ? (row.exact_p ? "exact" : "normal") : ""},
         {"test", result.paired ? "signed-rank" : "mann-whitney"},
         {"p_holm", json_number(row.p_holm)},
         {"holm_level", json_number(row.holm_level)},
         {"family_size", row.family_size},
         {"gated", row.gated},
         {"verdict", to_string(row.verdict)},
         {"reason", row.reason},
         {"note", row.note}});
  }
  out["geometric_means"] = nlohmann::json::array();
  for (const auto& mean : result.geometric_means)
    out["geometric_means"].push_back(
        {{"metric", mean.metric}, {"ratio", json_number(mean.ratio)}, {"count", mean.count}});
  out["only_in_base"] = result.only_in_base;
  out["only_in_new"] = result.only_in_new;
  out["errored"] = nlohmann::json::array();
  for (const auto& error : result.errored)
    out["errored"].push_back({{"benchmark", error.benchmark},
                              {"side", error.side},
                              {"message", error.message},
                              {"errored", error.errored},
                              {"repetitions", error.repetitions}});
  out["regression"] = result.has_regression();
  return out.dump(2) + "\n";
}

}  // namespace

std::string render_comparison(const comparison& result, compare_format format, bool colour) {
  switch (format) {
    case compare_format::console:
      return render_console(result, colour);
    case compare_format::markdown:
      return render_markdown(result);
    case compare_format::csv:
      return render_csv(result);
    case compare_format::json:
      break;
  }
  return render_json(result);
}

}  // namespace execbench::reports
