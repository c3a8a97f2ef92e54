#pragma once
// A Google Benchmark JSON report as execbench-report sees it: the context and the rows, with
// repetitions grouped by run name. Reading is tolerant of the NaN/Infinity tokens Google Benchmark
// writes, and strict about everything else: a bad file is an input_error naming the file.

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace execbench::reports {

/// Bad input (a file that cannot be read or is not a usable report, or reports that cannot be
/// compared). The message is one line: "FILE: problem".
class input_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One row of the "benchmarks" array.
struct benchmark_row {
  std::string name;            ///< "name" as written (aggregates carry a suffix such as _mean)
  std::string run_name;        ///< "run_name": the same for every repetition of one benchmark
  bool aggregate = false;      ///< run_type "aggregate"
  std::string aggregate_name;  ///< mean, median, stddev, cv, ... for aggregates
  double real_time_ns = 0;     ///< converted from time_unit
  double cpu_time_ns = 0;
  std::map<std::string, double> counters;  ///< every other numeric field: user counters
  bool error_occurred = false;
  std::string error_message;
};

/// One report file.
struct report {
  std::string path;
  nlohmann::json context;  ///< the "context" object, or an empty object
  std::vector<benchmark_row> rows;
};

/// Rewrites the non-JSON tokens NaN, -NaN, Infinity and -Infinity that appear outside strings
/// into the strings "NaN", "Infinity" and "-Infinity", so that a strict parser accepts the text.
std::string quote_non_finite_tokens(std::string_view json_text);

/// Whether the context's `key` is true: the boolean true or the string "true" (Google
/// Benchmark's custom context values are strings). `quick` and `interrupted` are such flags.
bool context_says(const nlohmann::json& context, std::string_view key);

/// Parses report text; `path` only names the source in error messages.
report parse_report(std::string_view text, const std::string& path);

/// Reads and parses a report file; throws input_error for a missing or unreadable file, a
/// directory, an empty file, text that is not JSON or is truncated, JSON of another shape (not
/// an object, no "benchmarks" array, a row without a "name", a field of the wrong type), no
/// rows, or rows that all errored. Reports of aggregates only are accepted.
report read_report(const std::string& path);

/// Every value of one benchmark (all repetitions of one run name, pooled over files).
struct benchmark_samples {
  std::string run_name;
  std::map<std::string, std::vector<double>> metrics;  ///< "real_time", "cpu_time", counters
  std::size_t repetitions = 0;      ///< successful iteration rows (or 1 for an aggregate stand-in)
  std::vector<std::string> errors;  ///< error messages of errored repetitions
};

/// Groups the rows of pooled reports by run name, in order of first appearance. Iteration rows
/// are the samples; a benchmark with aggregates only (--benchmark_report_aggregates_only) is
/// represented by its median (else mean) aggregate as a single sample. NaN values are skipped.
std::vector<benchmark_samples> collect_samples(const std::vector<report>& reports);

}  // namespace execbench::reports
