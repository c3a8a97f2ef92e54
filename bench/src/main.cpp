// execbench: Google Benchmark's main, with execbench's own flags taken out of argv first.
#include <cstdio>
#include <string>

#include <benchmark/benchmark.h>

#include "execbench/bench/command_line.hpp"
#include "execbench/bench/context.hpp"
#include "execbench/bench/register_primitives.hpp"
#include "execbench/runtime/all_runtimes.hpp"

namespace {

using runtimes = execbench::rt::all_runtimes;

// Called by benchmark::Initialize for --help, which then exits with status 0.
void print_help() {
  const auto own = execbench::bench::own_flags_help(execbench::bench::runtime_names<runtimes>());
  std::fwrite(own.data(), 1, own.size(), stdout);
  benchmark::PrintDefaultHelp();
}

}  // namespace

int main(int argc, char** argv) {
  namespace bench = execbench::bench;
  bench::options opts;
  try {
    opts = bench::take_options(argc, argv);
    const auto known = bench::runtime_names<runtimes>();
    bench::check_runtime_names(opts.runtimes, known);
    if (opts.workload) {
      throw bench::usage_error("--workload=" + *opts.workload +
                               ": workload files are not supported by this build yet");
    }
  } catch (const bench::usage_error& e) {
    std::fprintf(stderr, "execbench: %s\n", e.what());
    return 2;
  }

  benchmark::Initialize(&argc, argv, print_help);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  bench::add_context_to_report();
  if (bench::register_primitives<runtimes>(opts) == 0) {
    // e.g. --runtimes=loop --workers=2: say so rather than run an empty suite.
    std::fprintf(stderr,
                 "execbench: --runtimes and --workers select no rows (see --help for the worker "
                 "counts each runtime runs at)\n");
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
