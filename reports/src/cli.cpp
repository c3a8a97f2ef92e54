#include "execbench/reports/cli.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "execbench/reports/atomic_file.hpp"
#include "execbench/reports/compare.hpp"
#include "execbench/reports/summary.hpp"
#include "execbench/reports/tune.hpp"

namespace execbench::reports {

namespace {

constexpr std::string_view program = "execbench-report";

/// A mistake on the command line: reported with a pointer to --help.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

constexpr std::string_view general_help =
    R"(execbench-report: compare and summarise execbench reports (Google Benchmark JSON).

Usage:
  execbench-report compare [OPTIONS] BASE NEW
  execbench-report summary [OPTIONS] REPORT
  execbench-report tune [OPTIONS] SWEEP
  execbench-report help [COMMAND]          (or: execbench-report COMMAND --help)

Commands:
  compare   match two reports (or runs, or paired rounds) benchmark by benchmark: change,
            interval, test, verdict (faster, slower, same, inconclusive) and a regression gate
  summary   per workload, the runtimes ranked by throughput, with p99 and efficiency
  tune      per workload x runtime of a worker-count sweep: the worker count to use and why
            (measured optimum, Universal Scalability Law fit, Goetz estimate)

Reports are what `execbench --benchmark_out=FILE --benchmark_out_format=json` writes;
NaN and Infinity values are accepted. `execbench-report COMMAND --help` gives a command's
options: output formats (console, markdown, csv, json), --output FILE, metric selection,
pooling several files per side, and the statistics used.

Exit status: 0 success; 1 compare --fail-on-regression found a slower row;
2 bad input (one line on stderr naming the file and the problem, no output file
written) or a usage error. Bad input: a missing, unreadable or empty file, a directory,
truncated or non-JSON text, JSON that is not a Google Benchmark report (no "benchmarks"
array, a row without a name, a field of the wrong type), or a report whose every row errored.
)";

constexpr std::string_view compare_help = R"(Usage: execbench-report compare [OPTIONS] BASE NEW
       execbench-report compare [OPTIONS] --base FILE [--base FILE...] --new FILE [--new FILE...]
       execbench-report compare --paired [OPTIONS] B1,B2,...,Bn N1,N2,...,Nn

Compares every benchmark present in both BASE and NEW (matched by run name), for real time and
the counters, each in its direction (higher is better for tasks_per_s, efficiency,
items_per_second, bytes_per_second; lower for times, latencies, overhead_ms, context switches,
memory; counters without a known direction are shown with "unknown" and get no verdict).
overhead_ms = makespan_ms - ideal_ms is derived per run.

Samples (the unit of replication):
  one report a side    its repetitions. They ran in one process (one calibration, heap layout,
                       minute of machine speed) and understate the spread between runs: the
                       header says so, and the drift-cancelling metric and the threshold carry
                       the decision.
  several reports      each report's per-row median is one sample: the process is the unit.
                       Separate them with commas, `compare b1.json,b2.json n1.json,n2.json`, or
                       repeat --base and --new. Mann-Whitney U test.
  --paired             report i of BASE and report i of NEW form round i (scripts/ab writes
                       them). Per row, the log ratio NEW/BASE of the round's two medians;
                       Wilcoxon signed-rank test (exact up to 50 rounds without ties, else
                       normal with tie and continuity correction); Hodges-Lehmann estimate over
                       Walsh averages with its interval, shown as a percentage.

The gate (--fail-on-regression) judges what the runtime is responsible for:
  workload rows (with efficiency)  the primary metric, --gate-metric (default efficiency;
                 or overhead_ms); real_time is shown beside it, gated only in paired rounds.
                 When kernel_cpu_ms moves beyond the threshold the row says so: a slowdown of
                 the kernels themselves is hidden from the primary metric, and shows in time.
  primitive/...  gated only in paired rounds (on real_time); otherwise shown, not gated.
  other rows     real_time.
  --metric M     also gates M on every row (primitives only when paired).
Holm's step-down correction over all gated tests keeps the family-wise error rate at alpha;
the rows that are not gated are corrected within a family of their own.

Verdicts:
  faster/slower  significant after Holm and |change| beyond the threshold
  same           the Hodges-Lehmann interval lies inside +-threshold
  inconclusive   anything else, with the reason computed for the row: too few runs to reach
                 the corrected level (and how many a side it needs: the smallest n whose
                 best possible p, 2/C(2n,n), or 2/2^n paired, is <= alpha/k), p above its
                 Holm level, or an interval reaching beyond the threshold
  no verdict     metrics without a direction (ideal_ms, cpu_util, wait_compute_ratio,
                 kernel_cpu_ms, workers, unknown counters)

Options:
  --format FMT        console (default; aligned, coloured when stdout is a terminal),
                      markdown (for a pull request), csv, or json
  --metric M[,M...]   metrics to show and gate; repeatable. Default: real_time plus the
                      execbench counters present (tasks_per_s ... loop_lag_p99_us, overhead_ms,
                      kernel_cpu_ms) and items_per_second/bytes_per_second, none gated but the
                      primary metric. `all`: show every metric, cpu_time and unknown counters
                      included (gates nothing more)
  --gate-metric M     the primary metric of workload rows: efficiency (default) or overhead_ms
  --paired            pair BASE report i with NEW report i (as many on each side)
  --threshold PCT     changes within +-PCT percent are noise (default 5; "5%" also accepted)
  --alpha A           family-wise error rate of the gate, in (0, 1); intervals are at 1 - A
                      (default 0.05: 95% intervals)
  --fail-on-regression
                      exit 1 when a gated row is slower
  --output FILE, -o FILE
                      write to FILE (atomically: a temporary file renamed into place)
  --color WHEN        auto (default: only on a terminal, and not when NO_COLOR is set
                      to a non-empty value),
                      always, never
  -h, --help          this help

Columns: change = median(NEW) / median(BASE) - 1 (paired: the estimate of the per-round
ratio); interval = Hodges-Lehmann shift (median of all pairwise differences NEW - BASE) with
its distribution-free interval, divided by median(BASE); p = two-sided, uncorrected; Holm p =
adjusted within its family. Geometric mean: of the changes per metric over matched rows only.
The header flags reports whose calibrations (context calibration_ns_per_iteration_<kernel>) or
speed probes (median speed_probe_ns over the rows) differ by more than 10%, quick runs
(context quick = true), and context mismatches (host, CPU, build type, library versions, ...).
Benchmarks only in BASE, only in NEW, or errored are listed, never dropped.
)";

constexpr std::string_view summary_help = R"(Usage: execbench-report summary [OPTIONS] REPORT

For each workload (benchmark names <workload>/<runtime>/workers:<N>, primitives
primitive/<name>/<runtime>/workers:<N>), the runtimes ranked, each at its best worker count
(the count with the best median; which one, and of how many, is shown):

  ranked by    tasks_per_s, else items_per_second, else runs per second (1 / real time), higher
               is better. Open-loop workloads (rows with the offered_rate_per_s counter) rank by
               lat_p99_us, lower is better: the arrival rate fixes their throughput. A runtime
               whose median efficiency there is below 0.95 fell behind the offered rate and is
               flagged (the open-loop ideal is the arrival schedule's end plus the last task).
  figures      the median over the n samples (repetitions) with a [low-high] range: for n >= 6
               the order-statistic 95% interval of the median (ranks j, n+1-j from
               Binomial(n, 1/2), the narrowest pair covering at least 95%), for 2 <= n < 6 the
               min-max; n = 1 is marked "n=1, no range". p99 latency and efficiency are shown
               beside the ranking figure with their own ranges.
  ties         runtimes whose range overlaps the best's are tied with it ("loop ~ asio") and all
               listed as best; the others rank after every runtime whose whole range is ahead.
  quick runs   a report whose context says quick = true (execbench --quick, one sample per
               row) is marked at the top of every format.
  interrupted  a report whose context says interrupted = true (the run was stopped by a
               signal; the rows it had not started are absent) is said at the top of every
               format (JSON "interrupted": true).

Options:
  --format FMT        console (default), markdown, or json: {file, quick, interrupted,
                      workloads: [{workload, rank_by, higher_is_better, open_loop,
                      offered_rate_per_s, best: [row names], rows: [{name, runtime, workers,
                      median, low, high, n, range, rank, tied_with_best, workers_swept,
                      tasks_per_s, p99_us, efficiency, behind_rate}]}]}; non-finite values as
                      null
  --output FILE, -o FILE
                      write to FILE (atomically)
  -h, --help          this help
)";

constexpr std::string_view tune_help = R"(Usage: execbench-report tune [OPTIONS] SWEEP

SWEEP is a report of rows <workload>/<runtime>/workers:<N> at several worker counts per
workload x runtime (each usually repeated). For each workload x runtime, with throughput the
median tasks_per_s over the repetitions of a worker count:

  best         the measured worker count with the highest throughput
  recommended  the FEWEST workers whose throughput is within --within percent of the best,
               with the p99 latency there; chosen from the measured points only
  range        the neighbouring counts whose throughput cannot be told apart from the
               recommendation's (their medians' ranges overlap, the summary's rule: the
               order-statistic 95% interval from 6 repetitions on, min-max below), printed
               like 64 (48-96)
  edge         a best point at the largest (or smallest, above 1) count swept is said, with the
               next counts to sweep, e.g. --workers=256,384,512
  open loop    series whose rows carry offered_rate_per_s are tuned by p99 latency (lower is
               better; the arrival rate sets their throughput): best, recommended and range
               by lat_p99_us
  USL fit      X(N) = lambda N / (1 + sigma (N-1) + kappa N (N-1)) by least squares: a grid
               over sigma and kappa (lambda in closed form) picks starts, Levenberg-Marquardt
               refines them with sigma in [0, 1], kappa >= 0. Reported: sigma (contention),
               kappa (coherency), lambda (one worker's throughput), N* = sqrt((1-sigma)/kappa)
               where throughput peaks ("none" when kappa = 0), R^2. Below --min-r2 the fit
               is "unreliable" and the recommendation rests on the measured points only.
  Goetz        cores x (1 + W/C), cores the context's num_cpus (else hardware_concurrency),
               W/C the SMALLEST point median of wait_compute_ratio (queueing inflates the
               waits measured at larger counts), with the count it came from. Tasks that never
               compute have W/C = infinity: shown as the infinity sign, JSON null with
               wait_compute_infinite true, and no Goetz bound.
  reasons      the recommendation explained in words

primitive/... rows are ignored. A series with fewer than 4 distinct worker counts, without
successful rows, with a non-positive tasks_per_s, or open-loop without lat_p99_us is skipped
with its reason (listed in the output); when no series can be tuned: one line on stderr and
exit status 2.

Options:
  --format FMT        console (default), markdown, or json (per series: recommended_workers,
                      recommended_low, recommended_high, edge ("max", "min" or null),
                      next_sweep, tuned_by, open_loop, best_workers, goetz_workers,
                      wait_compute_ratio, wait_compute_infinite, wait_compute_workers, n_star,
                      sigma, kappa, lambda, r2, reliable, reasons, points; non-finite values as
                      null)
  --within PCT        the recommendation's tolerance below the best (default 5; "5%" accepted)
  --min-r2 R          fits with R^2 below R are unreliable (default 0.9)
  --output FILE, -o FILE
                      write to FILE (atomically)
  -h, --help          this help
)";

/// Command-line arguments as a queue of options and positionals.
class argument_reader {
 public:
  explicit argument_reader(const std::vector<std::string>& args) : args_(args) {}
  bool done() const { return index_ >= args_.size(); }
  const std::string& next() { return args_[index_++]; }

  /// The value of `option`: "--option=value" or "--option value".
  std::string value(const std::string& argument, const std::string& option) {
    if (argument.size() > option.size() && argument[option.size()] == '=')
      return argument.substr(option.size() + 1);
    if (done()) throw usage_error("option " + option + " needs a value");
    return next();
  }

  /// Whether `argument` is `option` or `option=...`.
  static bool is(const std::string& argument, std::string_view option) {
    return argument == option || (argument.starts_with(option) && argument.size() > option.size() &&
                                  argument[option.size()] == '=');
  }

 private:
  const std::vector<std::string>& args_;
  std::size_t index_ = 0;
};

double parse_number(const std::string& text, const std::string& option) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(value))
    throw usage_error("bad number '" + text + "' for " + option);
  return value;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (!part.empty()) parts.push_back(std::move(part));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

/// Where and how a command writes its result.
struct output_target {
  std::optional<std::string> path;

  void write(const std::string& content, std::ostream& out) const {
    if (path)
      write_file_atomically(*path, content);
    else
      out << content;
  }
};

std::vector<report> read_all(const std::vector<std::string>& paths) {
  std::vector<report> reports;
  for (const auto& path : paths) reports.push_back(read_report(path));
  return reports;
}

int run_compare(argument_reader& args, std::ostream& out, bool out_is_terminal) {
  compare_options options;
  compare_format format = compare_format::console;
  std::vector<std::string> base_paths, new_paths, positionals;
  output_target output;
  bool fail_on_regression = false;
  std::string colour_mode = "auto";
  while (!args.done()) {
    const std::string argument = args.next();
    if (argument == "-h" || argument == "--help") {
      out << compare_help;
      return exit_ok;
    } else if (argument_reader::is(argument, "--format")) {
      const std::string name = args.value(argument, "--format");
      if (name == "console")
        format = compare_format::console;
      else if (name == "markdown" || name == "md")
        format = compare_format::markdown;
      else if (name == "csv")
        format = compare_format::csv;
      else if (name == "json")
        format = compare_format::json;
      else
        throw usage_error("unknown format '" + name + "' (console, markdown, csv, json)");
    } else if (argument_reader::is(argument, "--metric")) {
      for (auto& metric : split_commas(args.value(argument, "--metric")))
        options.metrics.push_back(std::move(metric));
    } else if (argument_reader::is(argument, "--threshold")) {
      std::string text = args.value(argument, "--threshold");
      if (!text.empty() && text.back() == '%') text.pop_back();
      const double percent = parse_number(text, "--threshold");
      if (percent < 0 || percent >= 100)
        throw usage_error("--threshold must be a percentage in [0, 100), got '" + text + "'");
      options.threshold = percent / 100;
    } else if (argument_reader::is(argument, "--alpha")) {
      const std::string text = args.value(argument, "--alpha");
      options.alpha = parse_number(text, "--alpha");
      if (options.alpha <= 0 || options.alpha >= 1)
        throw usage_error("--alpha must be in (0, 1), got '" + text + "'");
    } else if (argument == "--fail-on-regression") {
      fail_on_regression = true;
    } else if (argument == "--paired") {
      options.paired = true;
    } else if (argument_reader::is(argument, "--gate-metric")) {
      options.gate_metric = args.value(argument, "--gate-metric");
      const auto& choices = gate_metric_choices();
      if (std::find(choices.begin(), choices.end(), options.gate_metric) == choices.end())
        throw usage_error("--gate-metric must be efficiency or overhead_ms, got '" +
                          options.gate_metric + "'");
    } else if (argument_reader::is(argument, "--output") || argument == "-o") {
      output.path = args.value(argument, argument == "-o" ? "-o" : "--output");
    } else if (argument_reader::is(argument, "--color") ||
               argument_reader::is(argument, "--colour")) {
      colour_mode = args.value(argument, argument.starts_with("--colour") ? "--colour" : "--color");
      if (colour_mode != "auto" && colour_mode != "always" && colour_mode != "never")
        throw usage_error("--color must be auto, always or never");
    } else if (argument_reader::is(argument, "--base")) {
      for (auto& path : split_commas(args.value(argument, "--base"))) base_paths.push_back(path);
    } else if (argument_reader::is(argument, "--new")) {
      for (auto& path : split_commas(args.value(argument, "--new"))) new_paths.push_back(path);
    } else if (argument.size() > 1 && argument[0] == '-') {
      throw usage_error("unknown option '" + argument + "' for compare");
    } else {
      positionals.push_back(argument);
    }
  }
  // Positionals fill whichever side has no --base / --new.
  std::size_t next_positional = 0;
  if (base_paths.empty() && next_positional < positionals.size())
    base_paths = split_commas(positionals[next_positional++]);
  if (new_paths.empty() && next_positional < positionals.size())
    new_paths = split_commas(positionals[next_positional++]);
  if (next_positional < positionals.size())
    throw usage_error("unexpected argument '" + positionals[next_positional] + "'");
  if (base_paths.empty() || new_paths.empty())
    throw usage_error("compare needs a BASE and a NEW report");

  const std::vector<report> base = read_all(base_paths);
  const std::vector<report> next = read_all(new_paths);
  comparison result;
  try {
    result = compare_reports(base, next, options);
  } catch (const std::invalid_argument& e) {
    throw usage_error(e.what());
  }
  // https://no-color.org: a NO_COLOR that is set and not empty turns colour off.
  const char* no_colour_value = std::getenv("NO_COLOR");
  const bool no_colour_env = no_colour_value != nullptr && no_colour_value[0] != '\0';
  const bool colour = colour_mode == "always" ||
                      (colour_mode == "auto" && out_is_terminal && !output.path && !no_colour_env);
  output.write(render_comparison(result, format, colour), out);
  return fail_on_regression && result.has_regression() ? exit_regression : exit_ok;
}

int run_summary(argument_reader& args, std::ostream& out) {
  summary_format format = summary_format::console;
  output_target output;
  std::vector<std::string> positionals;
  while (!args.done()) {
    const std::string argument = args.next();
    if (argument == "-h" || argument == "--help") {
      out << summary_help;
      return exit_ok;
    } else if (argument_reader::is(argument, "--format")) {
      const std::string name = args.value(argument, "--format");
      if (name == "console")
        format = summary_format::console;
      else if (name == "markdown" || name == "md")
        format = summary_format::markdown;
      else if (name == "json")
        format = summary_format::json;
      else
        throw usage_error("unknown format '" + name + "' for summary (console, markdown, json)");
    } else if (argument_reader::is(argument, "--output") || argument == "-o") {
      output.path = args.value(argument, argument == "-o" ? "-o" : "--output");
    } else if (argument.size() > 1 && argument[0] == '-') {
      throw usage_error("unknown option '" + argument + "' for summary");
    } else {
      positionals.push_back(argument);
    }
  }
  if (positionals.size() != 1) throw usage_error("summary needs exactly one REPORT");
  const report input = read_report(positionals.front());
  output.write(render_summary(summarise(input), format), out);
  return exit_ok;
}

int run_tune(argument_reader& args, std::ostream& out) {
  tune_options options;
  tune_format format = tune_format::console;
  output_target output;
  std::vector<std::string> positionals;
  while (!args.done()) {
    const std::string argument = args.next();
    if (argument == "-h" || argument == "--help") {
      out << tune_help;
      return exit_ok;
    } else if (argument_reader::is(argument, "--format")) {
      const std::string name = args.value(argument, "--format");
      if (name == "console")
        format = tune_format::console;
      else if (name == "markdown" || name == "md")
        format = tune_format::markdown;
      else if (name == "json")
        format = tune_format::json;
      else
        throw usage_error("unknown format '" + name + "' for tune (console, markdown, json)");
    } else if (argument_reader::is(argument, "--within")) {
      std::string text = args.value(argument, "--within");
      if (!text.empty() && text.back() == '%') text.pop_back();
      const double percent = parse_number(text, "--within");
      if (percent < 0 || percent >= 100)
        throw usage_error("--within must be a percentage in [0, 100), got '" + text + "'");
      options.within = percent / 100;
    } else if (argument_reader::is(argument, "--min-r2")) {
      const std::string text = args.value(argument, "--min-r2");
      options.min_r2 = parse_number(text, "--min-r2");
      if (options.min_r2 < 0 || options.min_r2 > 1)
        throw usage_error("--min-r2 must be in [0, 1], got '" + text + "'");
    } else if (argument_reader::is(argument, "--output") || argument == "-o") {
      output.path = args.value(argument, argument == "-o" ? "-o" : "--output");
    } else if (argument.size() > 1 && argument[0] == '-') {
      throw usage_error("unknown option '" + argument + "' for tune");
    } else {
      positionals.push_back(argument);
    }
  }
  if (positionals.size() != 1) throw usage_error("tune needs exactly one SWEEP report");
  const report input = read_report(positionals.front());
  output.write(render_tuning(tune_report(input, options), format), out);
  return exit_ok;
}

/// The subcommands.
struct command {
  std::string_view name;
  std::function<int(argument_reader&, std::ostream&, bool)> run;
  std::string_view help;
};

const std::vector<command>& commands() {
  static const std::vector<command> table = {
      {"compare", [](argument_reader& a, std::ostream& o, bool t) { return run_compare(a, o, t); },
       compare_help},
      {"summary", [](argument_reader& a, std::ostream& o, bool) { return run_summary(a, o); },
       summary_help},
      {"tune", [](argument_reader& a, std::ostream& o, bool) { return run_tune(a, o); }, tune_help},
  };
  return table;
}

}  // namespace

int run_cli(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err,
            bool out_is_terminal) {
  try {
    if (arguments.empty()) throw usage_error("no command given");
    const std::string& name = arguments.front();
    if (name == "-h" || name == "--help") {
      out << general_help;
      return exit_ok;
    }
    if (name == "--version") {
      out << program << " " << EXECBENCH_VERSION << "\n";
      return exit_ok;
    }
    if (name == "help") {
      if (arguments.size() == 1) {
        out << general_help;
        return exit_ok;
      }
      for (const command& c : commands()) {
        if (c.name == arguments[1]) {
          out << c.help;
          return exit_ok;
        }
      }
      throw usage_error("unknown command '" + arguments[1] + "'");
    }
    const std::vector<std::string> rest(arguments.begin() + 1, arguments.end());
    argument_reader reader(rest);
    for (const command& c : commands())
      if (c.name == name) return c.run(reader, out, out_is_terminal);
    throw usage_error("unknown command '" + name + "'");
  } catch (const usage_error& e) {
    err << program << ": " << e.what() << " (see " << program << " --help)\n";
  } catch (const input_error& e) {
    err << program << ": " << e.what() << "\n";
  } catch (const std::exception& e) {
    // Output problems (an unwritable --output path) and anything unexpected: still one line.
    err << program << ": " << e.what() << "\n";
  }
  return exit_bad_input;
}

}  // namespace execbench::reports
