// execbench's own command-line flags. They are taken out of argv before Google Benchmark sees
// it, so that benchmark::Initialize and ReportUnrecognizedArguments handle everything else.
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "execbench/runtime/runtime_traits.hpp"

namespace execbench::bench {

// A mistake on the command line: main prints what() as one line and exits with status 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What execbench's own flags ask for.
struct options {
  std::vector<std::string> runtimes;   // --runtimes=a,b; empty: every runtime
  std::vector<std::size_t> workers;    // --workers=1,2,4; empty: each suite's defaults
  std::vector<std::string> workloads;  // --workload=FILE, repeatable; empty: the presets
  bool tune = false;                   // --tune: a worker-count sweep of the workload rows
  bool metg = false;                   // --metg: the METG sweep instead of the suite
  std::vector<std::string> metg_files;  // --metg=FILE (repeatable): sweep these instead
  double metg_threshold = 0.5;         // --metg-threshold=E
  bool gives_metg_threshold = false;
  bool quick = false;                  // --quick: a smoke run, one sample per row
  bool recalibrate = false;            // --recalibrate: measure the kernels anew, refresh the cache
  std::string calibration;             // --calibration=FILE: the kernels' speeds of a report
  // The report file: execbench writes it itself (run_output.hpp), so these two are taken out of
  // argv rather than left to Google Benchmark.
  std::string out;                     // --benchmark_out=FILE
  std::string out_format = "json";     // --benchmark_out_format=json|console|csv
  std::string resume;                  // --resume=REPORT: run only the rows REPORT lacks
  // Every argument as given but the three above: the report's context keeps them, so that
  // --resume can run the same selection again.
  std::vector<std::string> arguments;
  // Measurement flags given to Google Benchmark itself (left in argv): execbench's own
  // per-row defaults (measurement.hpp) step back for each one given.
  bool gives_repetitions = false;   // --benchmark_repetitions
  int repetitions_given = 1;        // its value (when it is a number)
  bool gives_min_time = false;      // --benchmark_min_time
  bool gives_warm_up = false;       // --benchmark_min_warmup_time
  bool gives_interleaving = false;  // --benchmark_enable_random_interleaving
};

// Parses execbench's flags and removes them from argv (argc shrinks to match); every other
// argument is left, in order, for Google Benchmark. Throws usage_error on a malformed value.
options take_options(int& argc, char** argv);

// "1,2,16" -> {1, 2, 16}: positive, distinct counts up to max_workers.
std::vector<std::size_t> parse_worker_list(std::string_view text);

// Throws usage_error naming the first requested name that is not in `known`, with the valid ones.
void check_runtime_names(const std::vector<std::string>& requested,
                         std::span<const std::string_view> known);

// Whether rows of `runtime_name` are wanted (every runtime when none was named).
bool wants_runtime(const options& opts, std::string_view runtime_name);

// A runtime compiled in: its name and what it declares itself to be.
struct runtime_entry {
  std::string_view name;
  rt::runtime_traits traits;
  std::string unavailable;  // why it cannot run on this machine ("" when it can)
};

// One line on what a runtime's traits mean for its rows, e.g. "one thread (rows at workers:1
// only); waits suspend; CPU steps and blocking calls run on the loop thread; records timer lag".
std::string describe(const rt::runtime_traits& traits);

// The part of --help that describes execbench's own flags, naming the runtimes compiled in
// (with what each declares itself to be) and listing, in `over_budget`, the default workload
// rows left out by the time budget.
std::string own_flags_help(std::span<const runtime_entry> runtimes,
                           std::string_view over_budget = "  (none)\n");

// The largest worker count accepted: beyond it a row would measure the kernel's thread limits.
inline constexpr std::size_t max_workers = 1024;

}  // namespace execbench::bench
