#include "execbench/bench/command_line.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>

namespace execbench::bench {
namespace {

std::vector<std::string_view> split_commas(std::string_view text) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto comma = text.find(',');
    parts.push_back(text.substr(0, comma));
    if (comma == std::string_view::npos) return parts;
    text.remove_prefix(comma + 1);
  }
}

// The value of `--name=value` when `arg` is that flag; throws when the flag has no value.
std::optional<std::string_view> flag_value(std::string_view arg, std::string_view name) {
  if (!arg.starts_with("--") || arg.substr(2, name.size()) != name) return std::nullopt;
  const auto rest = arg.substr(2 + name.size());
  if (rest.empty()) {
    throw usage_error("--" + std::string(name) + " needs a value, e.g. --" + std::string(name) +
                      "=...");
  }
  if (rest.front() != '=') return std::nullopt;  // a longer flag, such as --workersx
  if (rest.size() == 1) throw usage_error("--" + std::string(name) + "= is empty");
  return rest.substr(1);
}

// Google Benchmark's flags whose values it takes without complaint or dies on (a repetition
// count of -1 aborts; "maybe" is a true boolean; an unknown --benchmark_format ends the run
// after the calibration): checked here, so that a wrong value is one line and status 2.
enum class value_kind { count, positive_seconds, seconds, boolean, color, format, time_unit };

struct benchmark_flag {
  std::string_view name;
  value_kind kind;
};

constexpr benchmark_flag checked_benchmark_flags[] = {
    {"benchmark_repetitions", value_kind::count},
    {"benchmark_min_time", value_kind::positive_seconds},
    {"benchmark_min_warmup_time", value_kind::seconds},
    {"benchmark_list_tests", value_kind::boolean},
    {"benchmark_enable_random_interleaving", value_kind::boolean},
    {"benchmark_report_aggregates_only", value_kind::boolean},
    {"benchmark_display_aggregates_only", value_kind::boolean},
    {"benchmark_counters_tabular", value_kind::boolean},
    {"benchmark_color", value_kind::color},
    {"benchmark_format", value_kind::format},
    {"benchmark_time_unit", value_kind::time_unit},
};

bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
  std::string lower(value);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(allowed.begin(), allowed.end(), lower) != allowed.end();
}

// Throws usage_error when `arg` is one of checked_benchmark_flags with a value it cannot take.
void check_benchmark_flag(std::string_view arg) {
  for (const auto& flag : checked_benchmark_flags) {
    const std::string prefix = "--" + std::string(flag.name);
    if (!arg.starts_with(prefix)) continue;
    const auto rest = arg.substr(prefix.size());
    if (!rest.empty() && rest.front() != '=') continue;  // a longer flag's name
    if (rest.empty() && flag.kind == value_kind::boolean) return;  // --flag alone is true
    const auto value = rest.empty() ? std::string_view() : rest.substr(1);
    const auto bad = [&](std::string_view expected) {
      throw usage_error(std::string(arg) + ": expected " + std::string(expected));
    };
    switch (flag.kind) {
      case value_kind::count: {
        int n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || n < 1) {
          bad("a whole number of at least 1");
        }
        return;
      }
      case value_kind::positive_seconds:
      case value_kind::seconds: {
        char* end = nullptr;
        const std::string text(value);
        const double s = std::strtod(text.c_str(), &end);
        const bool positive = flag.kind == value_kind::positive_seconds;
        if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(s) ||
            (positive ? s <= 0 : s < 0)) {
          bad(positive ? "seconds, a number above 0" : "seconds, a number of at least 0");
        }
        return;
      }
      case value_kind::boolean:
        if (!one_of(value, {"true", "false", "yes", "no", "on", "off", "1", "0"})) {
          bad("true or false");
        }
        return;
      case value_kind::color:
        if (!one_of(value, {"auto", "true", "false", "yes", "no", "on", "off", "1", "0"})) {
          bad("auto, true or false");
        }
        return;
      case value_kind::format:
        if (!one_of(value, {"console", "json", "csv"})) bad("console, json or csv");
        return;
      case value_kind::time_unit:
        if (!one_of(value, {"ns", "us", "ms", "s"})) bad("ns, us, ms or s");
        return;
    }
  }
}

}  // namespace

std::vector<std::size_t> parse_worker_list(std::string_view text) {
  std::vector<std::size_t> counts;
  for (const auto part : split_commas(text)) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
    if (part.empty() || ec != std::errc{} || end != part.data() + part.size() || n == 0 ||
        n > max_workers) {
      throw usage_error("--workers=" + std::string(text) + ": '" + std::string(part) +
                        "' is not a worker count (a comma-separated list of integers 1.." +
                        std::to_string(max_workers) + ", e.g. --workers=1,2,4)");
    }
    if (std::find(counts.begin(), counts.end(), n) != counts.end()) {
      throw usage_error("--workers=" + std::string(text) + ": " + std::to_string(n) +
                        " is listed twice");
    }
    counts.push_back(n);
  }
  return counts;
}

options take_options(int& argc, char** argv) {
  options opts;
  int kept = argc > 0 ? 1 : 0;  // argv[0] stays
  for (int i = kept; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (const auto o = flag_value(arg, "benchmark_out")) {
      opts.out = std::string(*o);
      continue;
    }
    if (const auto f = flag_value(arg, "benchmark_out_format")) {
      if (*f != "json" && *f != "console" && *f != "csv") {
        throw usage_error("--benchmark_out_format=" + std::string(*f) +
                          ": not a format (json, console or csv)");
      }
      opts.out_format = std::string(*f);
      continue;
    }
    if (const auto r = flag_value(arg, "resume")) {
      opts.resume = std::string(*r);
      continue;
    }
    opts.arguments.emplace_back(arg);
    if (const auto v = flag_value(arg, "runtimes")) {
      opts.runtimes.clear();
      for (const auto name : split_commas(*v)) {
        if (name.empty()) throw usage_error("--runtimes=" + std::string(*v) + ": empty name");
        opts.runtimes.emplace_back(name);
      }
    } else if (const auto w = flag_value(arg, "workers")) {
      opts.workers = parse_worker_list(*w);
    } else if (const auto f = flag_value(arg, "workload")) {
      opts.workloads.emplace_back(*f);
    } else if (arg == "--tune") {
      opts.tune = true;
    } else if (arg == "--metg") {
      opts.metg = true;
    } else if (const auto m = flag_value(arg, "metg")) {
      opts.metg = true;
      opts.metg_files.emplace_back(*m);
    } else if (const auto t = flag_value(arg, "metg-threshold")) {
      double value = 0;
      const auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), value);
      if (ec != std::errc{} || end != t->data() + t->size() || !(value > 0 && value < 1)) {
        throw usage_error("--metg-threshold=" + std::string(*t) +
                          ": not an efficiency between 0 and 1 (exclusive), e.g. 0.5");
      }
      opts.metg_threshold = value;
      opts.gives_metg_threshold = true;
    } else if (arg == "--quick") {
      opts.quick = true;
    } else if (arg == "--recalibrate") {
      opts.recalibrate = true;
    } else if (const auto c = flag_value(arg, "calibration")) {
      opts.calibration = std::string(*c);
    } else {
      check_benchmark_flag(arg);
      const auto gives = [&](std::string_view flag) {
        return arg.starts_with(flag) && (arg.size() == flag.size() || arg[flag.size()] == '=');
      };
      if (gives("--benchmark_repetitions")) {
        opts.gives_repetitions = true;
        const auto eq = arg.find('=');
        int n = 0;
        if (eq != std::string_view::npos &&
            std::from_chars(arg.data() + eq + 1, arg.data() + arg.size(), n).ec == std::errc{} &&
            n > 0) {
          opts.repetitions_given = n;
        }
      }
      opts.gives_min_time = opts.gives_min_time || gives("--benchmark_min_time");
      opts.gives_warm_up = opts.gives_warm_up || gives("--benchmark_min_warmup_time");
      opts.gives_interleaving =
          opts.gives_interleaving || gives("--benchmark_enable_random_interleaving");
      argv[kept++] = argv[i];
    }
  }
  if (kept < argc) argv[kept] = nullptr;
  argc = kept;
  if (opts.gives_metg_threshold && !opts.metg) {
    throw usage_error("--metg-threshold goes with --metg (the METG sweep)");
  }
  if (opts.metg && (opts.tune || !opts.workloads.empty())) {
    throw usage_error(std::string("--metg runs the METG sweep alone: it does not go with ") +
                      (opts.tune ? "--tune" : "--workload (--metg=FILE sweeps a file)"));
  }
  if (opts.recalibrate && !opts.calibration.empty()) {
    throw usage_error("--recalibrate and --calibration=" + opts.calibration +
                      " contradict each other: measure anew, or take the report's calibration");
  }
  return opts;
}

void check_runtime_names(const std::vector<std::string>& requested,
                         std::span<const std::string_view> known) {
  for (const auto& name : requested) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string valid;
    for (const auto k : known) {
      if (!valid.empty()) valid += ", ";
      valid += k;
    }
    throw usage_error("--runtimes: unknown runtime '" + name + "' (valid: " + valid + ")");
  }
}

bool wants_runtime(const options& opts, std::string_view runtime_name) {
  return opts.runtimes.empty() ||
         std::find(opts.runtimes.begin(), opts.runtimes.end(), runtime_name) != opts.runtimes.end();
}

std::string describe(const rt::runtime_traits& traits) {
  std::string text;
  switch (traits.threads) {
    case rt::thread_model::single_loop:
      text = "one loop thread; waits suspend; CPU steps and blocking calls run on the loop";
      break;
    case rt::thread_model::offload_loop:
      text = "a loop thread and a pool of N (N = workers; the loop is not counted); waits "
             "suspend on the loop; CPU steps and blocking calls run on the pool";
      break;
    case rt::thread_model::async_pool:
      text = "N threads; waits suspend; CPU steps and blocking calls hold a thread";
      break;
    case rt::thread_model::blocking:
      text = "N threads; every wait, CPU step and blocking call holds a thread";
      break;
  }
  if (traits.fixed_workers != 0) {
    text += "; always " + std::to_string(traits.fixed_workers) + " (rows at workers:" +
            std::to_string(traits.fixed_workers) + " only)";
  }
  if (traits.thread_per_post) text += "; a thread per task and per post";
  if (traits.async_file_reads) text += "; file reads go to the kernel without holding a thread";
  if (traits.records_loop_lag) text += "; reports loop_lag_p99_us";
  return text;
}

std::string own_flags_help(std::span<const runtime_entry> runtimes,
                           std::string_view over_budget) {
  std::string names, table;
  for (const auto& r : runtimes) {
    if (!names.empty()) names += ", ";
    names += r.name;
    // "  name  description", wrapped at the rest of the help's width (95 columns) under the
    // description's start.
    std::string line = "  " + std::string(r.name);
    line.resize(std::max<std::size_t>(line.size() + 2, 19), ' ');
    const std::size_t indent = line.size();
    const std::string words =
        describe(r.traits) + (r.unavailable.empty() ? "" : "; NOT AVAILABLE HERE: " + r.unavailable);
    std::size_t col = indent;
    std::size_t start = 0;
    while (start < words.size()) {
      std::size_t end = words.find(' ', start);
      if (end == std::string::npos) end = words.size();
      const std::size_t len = end - start;
      if (col > indent && col + 1 + len > 95) {
        line += '\n';
        line.append(indent, ' ');
        col = indent;
      } else if (col > indent) {
        line += ' ';
        ++col;
      }
      line.append(words, start, len);
      col += len;
      start = end + 1;
    }
    table += line + "\n";
  }
  std::string text =
      R"(execbench: which concurrency runtime, with how many workers, for a mix of I/O and CPU work.

Rows are named primitive/<primitive>/<runtime>/workers:<N> (runtime primitives) and
<workload>/<runtime>/workers:<N>, to which Google Benchmark appends /process_time/real_time;
select them with --benchmark_filter=REGEX, list them with --benchmark_list_tests.

execbench's own flags:
  --runtimes=a,b       only these runtimes' rows (default: all), out of:
                       @RUNTIMES@
  --workers=LIST       worker counts to run, comma-separated, e.g. --workers=1,2,4.
                       Workload rows: by default 1,2,64, minus the rows estimated to take
                       over 2 s per run (below); an explicit --workers runs exactly the counts
                       listed, those rows included. A runtime that always has the same number
                       of threads (below) has rows at that number only.
                       Primitives: by default 1,2. A runtime whose waits hold a thread runs
                       timers_1k only at >= 64 workers (default: 64) and no timers_100k; one
                       that starts a thread per post has no post_* rows.
  --workload=FILE      a workload description (JSON, see workloads/README.md) to run INSTEAD
                       of the presets and the primitives; repeat it for several files. A file
                       that cannot be run (syntax, unknown key, wrong type, value out of range)
                       is one line on stderr naming the file and the JSON path, exit status 2,
                       nothing run.
  --tune               a worker-count sweep of the workload rows, for `execbench-report tune`:
                       the pools at 1,2,3,4,6,8,12,16,24,32,48,64,96,128,192,256 workers
                       (within the 2 s budget; --workers overrides), no primitives, each point
                       measured as a workload row (below), and a progress line per point on
                       stderr with the time left. Narrow it with --benchmark_filter, --runtimes
                       or --workload, and write the sweep with
                       --benchmark_out=SWEEP.json --benchmark_out_format=json.
  --metg               instead of the suite, Task Bench's METG (minimum effective task
                       granularity) per runtime and worker count (--workers, else the cores):
                       rows metg/cpu/... (independent spin tasks) and metg/wait/... (100
                       tasks each waiting the grain on a timer, again and again), each a
                       sweep of the grain from 10 ms halving towards 1 us, 3 measured runs
                       a grain, until efficiency falls below the threshold. Counter metg_us:
                       the grain where it crosses (NaN: never reached); metg_own_us: against
                       the runtime's own best efficiency; the points in the row's label.
  --metg=FILE          the same sweep over a workload file instead (repeat it for several):
                       rows metg/<its name>/..., the grain the mean duration of its tasks'
                       steps, every duration in the file scaled to it (an open loop's rate
                       too), sizes and the graph unchanged; from the coarsest grain whose run
                       takes about 0.25 s at most, down to 1 us.
  --metg-threshold=E   the efficiency METG is taken at (default 0.5, Task Bench's)
  --quick              a smoke run: one sample (repetition) per row, the warm-ups kept. The
                       report's context says "quick": "true", and so does every summary of it.
  --calibration=FILE   take the CPU kernels' speeds and the host cost floors from an earlier
                       report (its context), so that this run does exactly the same work and
                       reads it against the same ideal (scripts/ab uses it).
  --recalibrate        measure the kernels' speeds and the host cost floors (a loopback TCP
                       round trip, a page-cache read, a timer's and a thread's wake-up, a
                       thread start) anew and refresh the cache. By default they come from a
                       cache per machine, compiler, build type and kernel code (not per commit:
                       two commits' builds do the same work): $EXECBENCH_CACHE_DIR, else
                       ~/.cache/execbench. The report's context says where they came from
                       (calibration_source), how far spin(50 us) now runs from them
                       (calibration_spin_50us_error), and the floors (floors).

How rows are measured, unless Google Benchmark's own flags say otherwise (each of
--benchmark_repetitions, --benchmark_min_time, --benchmark_enable_random_interleaving
replaces its part): 3 repetitions of every row (the samples each figure's range comes from),
each of at least 0.05 s and one whole iteration, after the row's own warm-up on its runtime (a
primitive but thread_start runs its iteration 3 times untimed, or for 0.5 s when that is
shorter; a workload row of 0.1 s or less runs once untimed and verified), the repetitions of
all rows in random interleaving, so that the machine's drift during a run falls on every
runtime alike. speed_probe_ns, spin's speed probed right before each repetition, shows that
drift in the report.

Workload rows: each iteration runs the whole workload once; set-up (runtime threads, loopback
server, disk file, calibration, plan) is outside the timed region. Counters: tasks_per_s,
lat_p50_us, lat_p99_us, lat_p999_us, lat_max_us (per-task latency over all iterations of the
row), makespan_ms, ideal_ms (the lower bound on this machine's hardware threads, with CPU
work at the time the row's own kernels took, sampled at every grain, since a shared machine's
speed drifts from the calibration; without CPU steps, the plan's), efficiency (ideal /
makespan), kernel_cpu_ms (the CPU work at that measured speed), cpu_util, wait_compute_ratio
(inf for a workload that waits and never computes), offered_rate_per_s (open loop),
ctx_switches_vol, ctx_switches_invol (per run), max_rss_mb (the row's peak: the peak mark is
reset per repetition through /proc/self/clear_refs), loop_lag_p99_us (the runtimes that
report it),
workers. Every preset runs on every runtime: none of the pairings is meaningless, only some
are slow (a blocking runtime holds a thread per wait).

Runtimes, as each declares itself (its traits: how it spends its threads):
@RUNTIME_TABLE@

Default workload rows left out (estimated run over 2 s: the larger of the ideal makespan, CPU
work over usable cores, and thread-holding time over the threads; --workers brings them back):
@OVER_BUDGET@

Exit status: 0 done; 1 the report could not be written; 2 a usage or input mistake (one line
on stderr says which); 3 the watchdog ended a run that stopped making progress (the report
keeps the finished rows); 130 / 143 stopped by SIGINT / SIGTERM (the same).

Google Benchmark's flags:
)";
  text.replace(text.find("@RUNTIMES@"), 10, names);
  text.replace(text.find("@RUNTIME_TABLE@\n"), 16, table);
  text.replace(text.find("@OVER_BUDGET@\n"), 14, over_budget);
  return text;
}

}  // namespace execbench::bench
