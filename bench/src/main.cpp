// execbench: Google Benchmark's main, with execbench's own flags taken out of argv first.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "execbench/bench/calibration_store.hpp"
#include "execbench/bench/command_line.hpp"
#include "execbench/bench/context.hpp"
#include "execbench/bench/measurement.hpp"
#include "execbench/bench/register_primitives.hpp"
#include "execbench/bench/register_workloads.hpp"
#include "execbench/bench/workload_catalog.hpp"
#include "execbench/runtime/all_runtimes.hpp"

namespace {

using runtimes = execbench::rt::all_runtimes;

// The workloads of this run, planned before benchmark::Initialize so that --help can list the
// rows the time budget leaves out.
std::vector<execbench::bench::planned_workload> planned;

// Called by benchmark::Initialize for --help, which then exits with status 0.
void print_help() {
  namespace bench = execbench::bench;
  const auto own = bench::own_flags_help(bench::runtime_names<runtimes>(),
                                         bench::over_budget_help<runtimes>(planned));
  std::fwrite(own.data(), 1, own.size(), stdout);
  benchmark::PrintDefaultHelp();
}

// argv with execbench's measurement flags (measurement.hpp) added where the user gave none.
std::vector<char*> with_measurement_flags(int argc, char** argv,
                                          const execbench::bench::options& opts) {
  static std::vector<std::string> added;
  added = execbench::bench::measurement_flags(opts);
  std::vector<char*> args(argv, argv + argc);
  for (auto& flag : added) args.push_back(flag.data());
  args.push_back(nullptr);
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  namespace bench = execbench::bench;
  bench::options opts;
  try {
    opts = bench::take_options(argc, argv);
    const auto known = bench::runtime_names<runtimes>();
    bench::check_runtime_names(opts.runtimes, known);
    planned = bench::load_workloads(opts);
  } catch (const bench::usage_error& e) {
    std::fprintf(stderr, "execbench: %s\n", e.what());
    return 2;
  }

  std::string filter;
  bool lists_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--benchmark_filter=")) filter = arg.substr(19);
    if (arg == "--benchmark_list_tests" || arg == "--benchmark_list_tests=true") lists_only = true;
    if (arg == "--benchmark_list_tests=false") lists_only = false;
  }
  std::vector<char*> args = with_measurement_flags(argc, argv, opts);
  argc = static_cast<int>(args.size()) - 1;
  argv = args.data();
  benchmark::Initialize(&argc, argv, print_help);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  // A user's workload file replaces the presets and the primitives: the run is about that file.
  // A sweep (--tune) is about the workloads too.
  std::size_t rows = 0;
  if (opts.workloads.empty() && !opts.tune) rows += bench::register_primitives<runtimes>(opts);
  rows += bench::register_workloads<runtimes>(planned, opts);
  if (rows == 0) {
    // e.g. --runtimes=loop --workers=2: say so rather than run an empty suite.
    std::fprintf(stderr,
                 "execbench: --runtimes and --workers select no rows (see --help for the worker "
                 "counts each runtime runs at)\n");
    return 2;
  }
  if (lists_only) {  // nothing runs: no calibration to settle
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
  }
  bench::add_context_to_report();
  // Calibrated once, before any row runs (and outside every timed region): from
  // --calibration=FILE, the cache, or measured now.
  try {
    benchmark::AddCustomContext("calibration_source", bench::settle_calibration(opts));
  } catch (const bench::usage_error& e) {
    std::fprintf(stderr, "execbench: %s\n", e.what());
    return 2;
  }
  bench::add_calibration_to_report();
  benchmark::AddCustomContext("measurement", bench::measurement_summary(opts));
  if (opts.quick) benchmark::AddCustomContext("quick", "true");
  bench::run_progress::get().select(filter);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
