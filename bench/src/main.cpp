// execbench: Google Benchmark's main, with execbench's own flags taken out of argv first.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <regex>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "execbench/bench/command_line.hpp"
#include "execbench/bench/context.hpp"
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

// --tune's display: Google Benchmark's console rows, plus a line per finished point on stderr
// with the time spent and an estimate of the time left (from the mean time per point so far).
class sweep_progress final : public benchmark::ConsoleReporter {
 public:
  explicit sweep_progress(std::size_t points) : points_(points) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    if (runs.empty() || runs.front().run_type != Run::RT_Iteration) return;
    ++done_;
    const double spent =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double left =
        done_ < points_ ? spent / static_cast<double>(done_) * static_cast<double>(points_ - done_)
                        : 0.0;
    std::fprintf(stderr, "-- point %zu/%zu done: %s; %.0f s spent, about %.0f s left\n", done_,
                 points_, runs.front().run_name.str().c_str(), spent, left);
    std::fflush(stderr);
  }

 private:
  std::size_t points_;
  std::size_t done_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// How many registered workload rows --benchmark_filter selects, matched as Google Benchmark
// matches them (a search; a leading '-' negates).
std::size_t points_selected(std::string filter) {
  const auto& names = execbench::bench::registered_workload_rows();
  if (filter.empty() || filter == "all" || filter == ".") return names.size();
  const bool negate = filter.front() == '-';
  if (negate) filter.erase(0, 1);
  try {
    const std::regex re(filter, std::regex::extended);
    std::size_t n = 0;
    for (const auto& name : names) n += std::regex_search(name, re) != negate ? 1 : 0;
    return n;
  } catch (const std::regex_error&) {
    return names.size();  // Google Benchmark reports the bad filter itself
  }
}

// --tune wants each point repeated: at least 3 repetitions unless the user set them.
std::vector<char*> with_tune_repetitions(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  static char repetitions[] = "--benchmark_repetitions=3";
  bool given = false;
  for (int i = 1; i < argc; ++i) {
    given = given || std::strncmp(argv[i], "--benchmark_repetitions", 23) == 0;
  }
  if (!given) args.push_back(repetitions);
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
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--benchmark_filter=", 19) == 0) filter = argv[i] + 19;
  }
  std::vector<char*> tune_args;
  if (opts.tune) {
    tune_args = with_tune_repetitions(argc, argv);
    argc = static_cast<int>(tune_args.size()) - 1;
    argv = tune_args.data();
  }
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
  bench::add_context_to_report();
  // Calibrated once, before any row runs (and outside every timed region).
  bench::add_calibration_to_report();
  if (opts.tune) {
    sweep_progress progress(points_selected(filter));
    benchmark::RunSpecifiedBenchmarks(&progress);
  } else {
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  return 0;
}
