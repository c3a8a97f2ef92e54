// execbench's main over a set of runtimes: Google Benchmark's main, with execbench's own flags
// taken out of argv first.
#include "execbench/bench/driver.hpp"

#include <cstdio>
#include <cstdlib>
#include <optional>
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
#include "execbench/bench/run_output.hpp"
#include "execbench/bench/workload_catalog.hpp"

namespace {

// The runtimes of this run (run_main's argument), for print_help.
const execbench::bench::runtime_set* runtimes = nullptr;

// The workloads of this run, planned before benchmark::Initialize so that --help can list the
// rows the time budget leaves out.
std::vector<execbench::bench::planned_workload> planned;
// Under --metg, what it sweeps instead: the built-in families, or the user's files.
std::vector<execbench::bench::metg_family> metg;

// Called by benchmark::Initialize for --help, which then exits with status 0.
void print_help() {
  namespace bench = execbench::bench;
  const auto own =
      bench::own_flags_help(runtimes->entries, runtimes->over_budget_help(planned));
  std::fwrite(own.data(), 1, own.size(), stdout);
  benchmark::PrintDefaultHelp();
}

// argv with execbench's measurement flags (measurement.hpp) added where the user gave none, and
// no colour when NO_COLOR asks for none (https://no-color.org) and --benchmark_color is not given.
std::vector<char*> with_default_flags(int argc, char** argv, const execbench::bench::options& opts) {
  static std::vector<std::string> added;
  added = execbench::bench::measurement_flags(opts);
  bool gives_color = false;
  for (int i = 1; i < argc; ++i) {
    gives_color = gives_color || std::string_view(argv[i]).starts_with("--benchmark_color");
  }
  const char* no_color = std::getenv("NO_COLOR");
  if (!gives_color && no_color != nullptr && *no_color != '\0') {
    added.emplace_back("--benchmark_color=false");
  }
  std::vector<char*> args(argv, argv + argc);
  for (auto& flag : added) args.push_back(flag.data());
  args.push_back(nullptr);
  return args;
}

// --resume=REPORT: the report's own arguments in place of the command line's, with the
// report's calibration, so that the rows it lacks do the same work as the rows it has.
execbench::bench::options resumed_options(const execbench::bench::options& given,
                                          const execbench::bench::resume_plan& plan,
                                          const char* program, int& argc, char**& argv) {
  namespace bench = execbench::bench;
  static std::vector<std::string> args;
  static std::vector<char*> pointers;
  args = {program};
  for (const auto& a : plan.arguments) {
    if (a.starts_with("--calibration=") || a == "--recalibrate") continue;
    args.push_back(a);
  }
  args.push_back("--calibration=" + plan.path);
  pointers.clear();
  for (auto& a : args) pointers.push_back(a.data());
  pointers.push_back(nullptr);
  argc = static_cast<int>(args.size());
  argv = pointers.data();
  auto opts = bench::take_options(argc, argv);
  opts.out = given.out;
  opts.out_format = given.out_format;
  opts.resume = given.resume;
  opts.arguments = plan.arguments;  // the report keeps the arguments it was started with
  return opts;
}

// A JSON list of strings, as the report's context keeps the run's arguments.
std::string json_list(const std::vector<std::string>& items) {
  std::string text = "[";
  for (const auto& item : items) {
    if (text.size() > 1) text += ", ";
    text += '"';
    for (const char c : item) {
      if (c == '"' || c == '\\') text += '\\';
      if (static_cast<unsigned char>(c) < 0x20) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
        text += escaped;
        continue;
      }
      text += c;
    }
    text += '"';
  }
  return text + "]";
}

int fail(const std::string& message) {
  std::fprintf(stderr, "execbench: %s\n", message.c_str());
  return 2;
}

}  // namespace

namespace execbench::bench {

int run_main(int argc, char** argv, const runtime_set& run_runtimes) {
  runtimes = &run_runtimes;
  // First, before any thread starts: every thread inherits the blocked signals.
  bench::handle_stop_signals();
  bench::options opts;
  std::optional<bench::resume_plan> resume;
  try {
    opts = bench::take_options(argc, argv);
    if (!opts.resume.empty()) {
      if (!opts.arguments.empty()) {
        throw bench::usage_error("--resume=" + opts.resume + " runs the report's own arguments; '" +
                                 opts.arguments.front() +
                                 "' cannot be added (only --benchmark_out and "
                                 "--benchmark_out_format can)");
      }
      resume = bench::read_resume_plan(opts.resume);
      opts = resumed_options(opts, *resume, argv[0], argc, argv);
    }
    std::vector<std::string_view> known;
    for (const auto& r : run_runtimes.entries) known.push_back(r.name);
    bench::check_runtime_names(opts.runtimes, known);
    if (opts.metg)
      metg = bench::load_metg_families(opts);
    else
      planned = bench::load_workloads(opts);
  } catch (const bench::usage_error& e) {
    return fail(e.what());
  }

  bool lists_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--benchmark_list_tests" || arg == "--benchmark_list_tests=true") lists_only = true;
    if (arg == "--benchmark_list_tests=false") lists_only = false;
  }
  std::vector<char*> args = with_default_flags(argc, argv, opts);
  argc = static_cast<int>(args.size()) - 1;
  argv = args.data();
  benchmark::Initialize(&argc, argv, print_help);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  // A user's workload file replaces the presets and the primitives: the run is about that file.
  // A sweep (--tune) is about the workloads too.
  // --metg replaces the suite with the METG sweep.
  std::size_t rows = 0;
  if (opts.metg) {
    rows += run_runtimes.register_metg(metg, opts);
  } else {
    if (opts.workloads.empty() && !opts.tune) rows += run_runtimes.register_primitives(opts);
    rows += run_runtimes.register_workloads(planned, opts);
  }
  if (rows == 0) {
    // e.g. --runtimes=loop --workers=2: say so rather than run an empty suite.
    for (const auto& r : run_runtimes.entries) {
      if (!r.unavailable.empty() && !opts.runtimes.empty() && bench::wants_runtime(opts, r.name)) {
        return fail("--runtimes: " + std::string(r.name) + " has no rows here: " + r.unavailable);
      }
    }
    return fail("--runtimes and --workers select no rows (see --help for the worker counts each "
                "runtime runs at)");
  }
  auto& progress = bench::run_progress::get();
  if (resume) progress.skip(resume->done);
  const std::string filter = benchmark::GetBenchmarkFilter();
  std::size_t selected = 0;
  try {
    selected = progress.select(filter);
  } catch (const bench::usage_error& e) {
    return fail(e.what());
  }
  if (selected == 0 && !resume) {
    return fail("no benchmark matches '" + filter +
                "'; execbench --benchmark_list_tests lists them");
  }
  if (lists_only) {  // nothing runs: no calibration to settle
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
  }

  // Kept reachable until the process ends: a signal's or the watchdog's last write may come
  // from another thread while main returns.
  static bench::report_keeper* keeper = nullptr;
  try {
    keeper = new bench::report_keeper(opts.out, opts.out_format, resume ? &*resume : nullptr);
  } catch (const bench::usage_error& e) {
    return fail(e.what());
  }
  if (selected > 0) {
    bench::add_context_to_report();
    // A runtime this machine refuses (io_uring disabled, say) has no rows: say so, and why, on
    // stderr and in the report, rather than error every row.
    for (const auto& r : run_runtimes.entries) {
      if (r.unavailable.empty() || !bench::wants_runtime(opts, r.name)) continue;
      std::fprintf(stderr, "execbench: %s: no rows: %s\n", std::string(r.name).c_str(),
                   r.unavailable.c_str());
      benchmark::AddCustomContext("runtime_unavailable_" + std::string(r.name), r.unavailable);
    }
    benchmark::AddCustomContext("arguments", json_list(opts.arguments));
    // Calibrated once, before any row runs (and outside every timed region): from
    // --calibration=FILE, the cache, or measured now.
    try {
      benchmark::AddCustomContext("calibration_source", bench::settle_calibration(opts));
    } catch (const bench::usage_error& e) {
      return fail(e.what());
    }
    bench::add_calibration_to_report();
    benchmark::AddCustomContext("measurement", bench::measurement_summary(opts));
    if (opts.quick) benchmark::AddCustomContext("quick", "true");
    benchmark::RunSpecifiedBenchmarks(keeper);
  } else {
    std::fprintf(stderr, "execbench: --resume=%s: the report has every row its run selects\n",
                 opts.resume.c_str());
  }
  benchmark::Shutdown();

  const std::string stopped_by = bench::stop_reason();
  try {
    keeper->write(stopped_by);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "execbench: %s\n", e.what());
    return 1;
  }
  if (!stopped_by.empty()) {
    std::fprintf(stderr, "execbench: stopped by %s: %s kept%s%s\n", stopped_by.c_str(),
                 keeper->rows_kept().c_str(), opts.out.empty() ? "" : " in ",
                 opts.out.c_str());
    if (!opts.out.empty()) {
      std::fprintf(stderr, "execbench: execbench --resume=%s --benchmark_out=FILE runs the rest\n",
                   opts.out.c_str());
    }
    return 128 + bench::stop_signal();
  }
  return 0;
}

}  // namespace execbench::bench
