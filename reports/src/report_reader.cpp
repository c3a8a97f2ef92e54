#include "execbench/reports/report.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <type_traits>

namespace execbench::reports {

namespace {

// Fields of a row that are not user counters.
bool is_row_bookkeeping(std::string_view key) {
  static constexpr std::string_view keys[] = {"name",
                                              "family_index",
                                              "per_family_instance_index",
                                              "run_name",
                                              "run_type",
                                              "repetitions",
                                              "repetition_index",
                                              "threads",
                                              "aggregate_name",
                                              "aggregate_unit",
                                              "error_occurred",
                                              "error_message",
                                              "iterations",
                                              "real_time",
                                              "cpu_time",
                                              "time_unit",
                                              "label",
                                              "big_o",
                                              "rms"};
  for (std::string_view k : keys)
    if (k == key) return true;
  return false;
}

// A number, or one of the quoted non-finite tokens; nullopt for anything else.
std::optional<double> to_number(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (text == "Infinity") return std::numeric_limits<double>::infinity();
    if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  }
  return std::nullopt;
}

// `text` made safe for a one-line message: control characters (a newline in a benchmark name)
// become spaces, and a long text is cut.
std::string one_line(std::string_view text) {
  constexpr std::size_t longest = 120;
  std::string out(text.substr(0, longest));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  if (text.size() > longest) out += "...";
  return out;
}

// The JSON type of `value`, for messages.
std::string type_name(const nlohmann::json& value) {
  return value.is_number()    ? "a number"
         : value.is_string()  ? "a string"
         : value.is_boolean() ? "a boolean"
         : value.is_null()    ? "null"
         : value.is_array()   ? "an array"
                              : "an object";
}

// The field `key` of a row when present, checked to be of type T (a string or a boolean);
// `fallback` when absent. A field of another type is bad input, not a parser exception.
template <class T>
T row_field(const nlohmann::json& row, const char* key, T fallback, const std::string& where) {
  const auto it = row.find(key);
  if (it == row.end()) return fallback;
  constexpr bool want_string = std::is_same_v<T, std::string>;
  if (want_string ? !it->is_string() : !it->is_boolean())
    throw input_error(where + ": \"" + key + "\" is " + type_name(*it) + ", not " +
                      (want_string ? "a string" : "a boolean"));
  return it->get<T>();
}

// How deep arrays and objects nest in JSON text, strings skipped. The JSON library copies and
// compares values recursively, so a document nested far deeper than any report (Google
// Benchmark's nest 3 levels) would overflow the stack: it is refused before parsing.
std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

constexpr std::size_t deepest_nesting = 64;

double nanoseconds_per(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return 0;
}

}  // namespace

std::string quote_non_finite_tokens(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 64);
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size())
        out += text[++i];
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      continue;
    }
    const std::string_view rest = text.substr(i);
    // -NaN is what printf-style formatting gives a negative NaN; its sign means nothing.
    if (rest.starts_with("-NaN")) {
      out += "\"NaN\"";
      i += 3;
    } else if (rest.starts_with("NaN")) {
      out += "\"NaN\"";
      i += 2;
    } else if (rest.starts_with("-Infinity")) {
      out += "\"-Infinity\"";
      i += 8;
    } else if (rest.starts_with("Infinity")) {
      out += "\"Infinity\"";
      i += 7;
    } else {
      out += c;
    }
  }
  return out;
}

report parse_report(std::string_view text, const std::string& path) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    throw input_error(path + ": empty file");
  if (nesting_depth(text) > deepest_nesting)
    throw input_error(path +
                      ": not a Google Benchmark report (arrays or objects nested more than " +
                      std::to_string(deepest_nesting) + " levels deep)");
  nlohmann::json document;
  const std::string quoted = quote_non_finite_tokens(text);
  try {
    document = nlohmann::json::parse(quoted);
  } catch (const nlohmann::json::parse_error& e) {
    // The parser also stops at a NUL byte as if the input ended there: truncated only when
    // the error is at the text's real end.
    const std::size_t end = quoted.find_last_not_of(" \t\r\n") + 1;
    if (std::string_view(e.what()).find("unexpected end of input") != std::string_view::npos &&
        e.byte >= end)
      throw input_error(path + ": truncated JSON (unexpected end of input)");
    throw input_error(path + ": not JSON (syntax error near byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::out_of_range&) {
    throw input_error(path + ": not JSON (a number too large for a double)");
  }
  if (!document.is_object())
    throw input_error(path + ": not a Google Benchmark report (top level is not an object)");
  const auto benchmarks = document.find("benchmarks");
  if (benchmarks == document.end() || !benchmarks->is_array())
    throw input_error(path + ": not a Google Benchmark report (no \"benchmarks\" array)");
  if (benchmarks->empty()) throw input_error(path + ": the report has no benchmark rows");

  report result;
  result.path = path;
  const auto context = document.find("context");
  if (context != document.end() && !context->is_object())
    throw input_error(path + ": \"context\" is " + type_name(*context) + ", not an object");
  result.context = context != document.end() ? *context : nlohmann::json::object();
  std::size_t index = 0;
  for (const auto& item : *benchmarks) {
    const std::string where = path + ": benchmarks[" + std::to_string(index++) + "]";
    if (!item.is_object()) throw input_error(where + " is not an object");
    const auto name = item.find("name");
    if (name == item.end() || !name->is_string()) throw input_error(where + " has no \"name\"");
    benchmark_row row;
    row.name = name->get<std::string>();
    const std::string where_named = where + " (" + one_line(row.name) + ")";
    row.run_name = row_field(item, "run_name", row.name, where_named);
    row.aggregate =
        row_field(item, "run_type", std::string("iteration"), where_named) == "aggregate";
    row.aggregate_name = row_field(item, "aggregate_name", std::string(), where_named);
    row.error_occurred = row_field(item, "error_occurred", false, where_named);
    row.error_message = row_field(item, "error_message", std::string(), where_named);
    const std::string time_unit = row_field(item, "time_unit", std::string("ns"), where_named);
    const bool ratio =
        row_field(item, "aggregate_unit", std::string("time"), where_named) == "percentage";
    const double unit = nanoseconds_per(time_unit);
    if (unit == 0)
      throw input_error(where_named + ": unknown time_unit \"" + one_line(time_unit) + "\"");
    for (const char* key : {"real_time", "cpu_time"}) {
      const auto field = item.find(key);
      std::optional<double> value;
      if (field != item.end()) value = to_number(*field);
      if (!value) {
        if (row.error_occurred) continue;  // errored rows may carry nothing useful
        throw input_error(where_named + ": \"" + key + "\" is missing or not a number");
      }
      // The coefficient of variation is a ratio, not a time: keep it unscaled. A time so large
      // that it overflows in nanoseconds is as unusable as one that was not finite.
      const double scaled = ratio ? *value : *value * unit;
      if (!std::isfinite(scaled) && !row.error_occurred && !row.aggregate)
        throw input_error(where_named + ": \"" + key + "\" is not finite" +
                          (std::isfinite(*value) ? " in nanoseconds" : ""));
      (std::string_view(key) == "real_time" ? row.real_time_ns : row.cpu_time_ns) = scaled;
    }
    for (const auto& [key, value] : item.items()) {
      if (is_row_bookkeeping(key)) continue;
      if (const auto number = to_number(value)) row.counters[key] = *number;
    }
    result.rows.push_back(std::move(row));
  }
  // A report whose every row errored has nothing any command can use (a run where every
  // benchmark failed its check, or a broken build): say so, with the first error.
  const auto ok = std::find_if(result.rows.begin(), result.rows.end(),
                               [](const benchmark_row& r) { return !r.error_occurred; });
  if (ok == result.rows.end()) {
    const std::string& first = result.rows.front().error_message;
    throw input_error(path + ": every benchmark row errored (" +
                      std::to_string(result.rows.size()) + " rows; the first: " +
                      (first.empty() ? std::string("no message") : "\"" + one_line(first) + "\"") +
                      ")");
  }
  return result;
}

bool context_says(const nlohmann::json& context, std::string_view key) {
  if (!context.is_object()) return false;
  const auto it = context.find(key);
  if (it == context.end()) return false;
  if (it->is_boolean()) return it->get<bool>();
  return it->is_string() && it->get_ref<const std::string&>() == "true";
}

report read_report(const std::string& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) throw input_error(path + ": no such file");
  if (std::filesystem::is_directory(status))
    throw input_error(path + ": is a directory, not a report file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path + ": cannot open (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw input_error(path + ": read error");
  return parse_report(text.str(), path);
}

std::vector<benchmark_samples> collect_samples(const std::vector<report>& reports) {
  std::vector<benchmark_samples> result;
  std::map<std::string, std::size_t> position;
  // Aggregate stand-ins, used only for benchmarks that have no iteration rows at all.
  std::map<std::string, const benchmark_row*> stand_in;
  auto entry = [&](const std::string& run_name) -> benchmark_samples& {
    const auto [it, inserted] = position.try_emplace(run_name, result.size());
    if (inserted) result.push_back(benchmark_samples{run_name, {}, 0, {}});
    return result[it->second];
  };
  auto add_values = [](benchmark_samples& samples, const benchmark_row& row) {
    auto add = [&](const std::string& metric, double value) {
      if (!std::isnan(value)) samples.metrics[metric].push_back(value);
    };
    add("real_time", row.real_time_ns);
    add("cpu_time", row.cpu_time_ns);
    for (const auto& [key, value] : row.counters) add(key, value);
    ++samples.repetitions;
  };
  for (const report& file : reports) {
    for (const benchmark_row& row : file.rows) {
      benchmark_samples& samples = entry(row.run_name);
      if (row.error_occurred) {
        samples.errors.push_back(row.error_message.empty() ? "error" : row.error_message);
      } else if (!row.aggregate) {
        add_values(samples, row);
      } else if (row.aggregate_name == "median" ||
                 (row.aggregate_name == "mean" && !stand_in.contains(row.run_name))) {
        stand_in[row.run_name] = &row;
      }
    }
  }
  for (benchmark_samples& samples : result) {
    if (samples.repetitions == 0 && samples.errors.empty() && stand_in.contains(samples.run_name))
      add_values(samples, *stand_in.at(samples.run_name));
  }
  return result;
}

}  // namespace execbench::reports
