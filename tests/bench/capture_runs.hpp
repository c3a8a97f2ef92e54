// What the tests that run registered rows in-process share: Google Benchmark initialized with a
// short minimum time, and the rows of a filter run with every reported run kept by name.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

namespace execbench::bench::testing {

// Everything Google Benchmark reports, by row name without the suffixes Google Benchmark adds
// (/process_time/real_time).
class capturing_reporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& reported) override {
    for (const auto& r : reported) runs[r.run_name.function_name] = r;
  }
  std::map<std::string, Run> runs;
};

// benchmark::Initialize as if run as `program --benchmark_min_time=0.01`: one iteration or a
// few per row.
inline void initialize_quick_benchmarks(std::string program) {
  std::vector<std::string> args = {std::move(program), "--benchmark_min_time=0.01"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  benchmark::Initialize(&argc, argv.data());
}

// The registered rows that match filter, run, by row name.
inline std::map<std::string, benchmark::BenchmarkReporter::Run> run_captured(
    const std::string& filter) {
  capturing_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter, filter);
  return reporter.runs;
}

}  // namespace execbench::bench::testing
