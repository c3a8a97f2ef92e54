#include "execbench/bench/run_output.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>
#include <gtest/gtest.h>

namespace execbench::bench {
namespace {

benchmark::BenchmarkReporter::Run finished_row(const std::string& name, double counter) {
  benchmark::BenchmarkReporter::Run run;
  run.run_name.function_name = name;
  run.iterations = 1;
  run.repetitions = 1;
  run.counters["figure_us"] = benchmark::Counter(counter);
  return run;
}

// A METG row's counter without a value (never reached) is JSON null in the report file; other
// rows keep Google Benchmark's own NaN token, and finite figures stay numbers.
TEST(report_keeper, writes_a_metg_rows_missing_figure_as_null) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("execbench_run_output_test_" + std::to_string(::getpid()) + ".json");
  std::filesystem::remove(path);
  {
    report_keeper keeper(path.string(), "json", nullptr);
    benchmark::BenchmarkReporter::Context context;
    context.name_field_width = 40;  // left unset by Context's constructor
    keeper.ReportContext(context);
    keeper.ReportRuns({finished_row("metg/wait/toy/workers:1", std::nan(""))});
    keeper.ReportRuns({finished_row("metg/cpu/toy/workers:1", 1.5)});
    keeper.ReportRuns({finished_row("quick/toy/workers:1", std::nan(""))});
    keeper.Finalize();
    keeper.write("");
  }
  std::ifstream file(path);
  ASSERT_TRUE(file) << "no report at " << path;
  std::stringstream read;
  read << file.rdbuf();
  const std::string text = read.str();
  std::filesystem::remove(path);
  const auto row = [&](const std::string& name) {
    const auto at = text.find("\"name\": \"" + name + "\"");
    if (at == std::string::npos) {
      ADD_FAILURE() << name << " missing:\n" << text;
      return std::string();
    }
    const auto begin = text.rfind('{', at), end = text.find('}', at);
    return text.substr(begin, end - begin);
  };
  EXPECT_NE(row("metg/wait/toy/workers:1").find("\"figure_us\": null"), std::string::npos) << text;
  EXPECT_NE(row("metg/cpu/toy/workers:1").find("\"figure_us\": 1.5"), std::string::npos) << text;
  EXPECT_NE(row("quick/toy/workers:1").find("\"figure_us\": NaN"), std::string::npos) << text;
}

}  // namespace
}  // namespace execbench::bench
