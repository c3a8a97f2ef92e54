// libFuzzer target: execbench-report's reader on arbitrary bytes.
//
// Bytes either parse into a report or are refused with an input_error whose message is one line;
// anything else (another exception, a crash, a sanitizer report) is a finding. A report that
// parses is written out as a Google Benchmark report of its model and must parse again to the
// same model (parse, write, parse: the reader has no writer of its own, so the model is written
// here, every time in nanoseconds and every non-finite value as the quoted token the reader
// accepts). Built with -fsanitize=fuzzer under EXECBENCH_FUZZ, else with replay_main.cpp as a
// program that runs each file given once (the regression tests).

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "execbench/reports/report.hpp"

namespace {

using namespace execbench::reports;

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "report_reader_fuzz: %s\n", what.c_str());
  std::abort();
}

nlohmann::json number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

std::string write_report(const report& model) {
  nlohmann::json rows = nlohmann::json::array();
  for (const benchmark_row& row : model.rows) {
    nlohmann::json item = {{"name", row.name},
                           {"run_name", row.run_name},
                           {"run_type", row.aggregate ? "aggregate" : "iteration"},
                           {"aggregate_name", row.aggregate_name},
                           {"error_occurred", row.error_occurred},
                           {"error_message", row.error_message},
                           {"real_time", number(row.real_time_ns)},
                           {"cpu_time", number(row.cpu_time_ns)},
                           {"time_unit", "ns"}};
    for (const auto& [key, value] : row.counters) item[key] = number(value);
    rows.push_back(std::move(item));
  }
  return nlohmann::json{{"context", model.context}, {"benchmarks", rows}}.dump();
}

bool same_number(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

bool same_row(const benchmark_row& a, const benchmark_row& b) {
  if (a.name != b.name || a.run_name != b.run_name || a.aggregate != b.aggregate ||
      a.aggregate_name != b.aggregate_name || a.error_occurred != b.error_occurred ||
      a.error_message != b.error_message || !same_number(a.real_time_ns, b.real_time_ns) ||
      !same_number(a.cpu_time_ns, b.cpu_time_ns) || a.counters.size() != b.counters.size())
    return false;
  for (auto i = a.counters.begin(), j = b.counters.begin(); i != a.counters.end(); ++i, ++j)
    if (i->first != j->first || !same_number(i->second, j->second)) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  report first;
  try {
    first = parse_report(text, "input.json");
  } catch (const input_error& e) {
    const std::string message = e.what();
    if (message.find('\n') != std::string::npos || !message.starts_with("input.json: "))
      finding("an error message that is not one line naming the input: " + message);
    return 0;
  }
  const std::string written = write_report(first);
  report second;
  try {
    second = parse_report(written, "input.json");
  } catch (const input_error& e) {
    finding(std::string("a parsed report, written out, is refused: ") + e.what());
  }
  if (first.context != second.context) finding("the context changed on the second parse");
  if (first.rows.size() != second.rows.size()) finding("the row count changed on the second parse");
  for (std::size_t i = 0; i < first.rows.size(); ++i)
    if (!same_row(first.rows[i], second.rows[i]))
      finding("row " + std::to_string(i) + " changed on the second parse");
  // Grouping is what every command does next with a report: it must hold too.
  (void)collect_samples({first});
  return 0;
}
