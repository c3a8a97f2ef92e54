#include "execbench/bench/command_line.hpp"

#include <algorithm>
#include <charconv>
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
    if (const auto v = flag_value(arg, "runtimes")) {
      opts.runtimes.clear();
      for (const auto name : split_commas(*v)) {
        if (name.empty()) throw usage_error("--runtimes=" + std::string(*v) + ": empty name");
        opts.runtimes.emplace_back(name);
      }
    } else if (const auto w = flag_value(arg, "workers")) {
      opts.workers = parse_worker_list(*w);
    } else if (const auto f = flag_value(arg, "workload")) {
      opts.workload = std::string(*f);
    } else {
      argv[kept++] = argv[i];
    }
  }
  if (kept < argc) argv[kept] = nullptr;
  argc = kept;
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

std::string own_flags_help(std::span<const std::string_view> runtimes) {
  std::string names;
  for (const auto name : runtimes) {
    if (!names.empty()) names += ", ";
    names += name;
  }
  std::string text =
      R"(execbench: which concurrency runtime, with how many workers, for a mix of I/O and CPU work.

Rows are named primitive/<primitive>/<runtime>/workers:<N> (runtime primitives) and
<workload>/<runtime>/workers:<N>, to which Google Benchmark appends /process_time/real_time;
select them with --benchmark_filter=REGEX, list them with --benchmark_list_tests.

execbench's own flags:
  --runtimes=a,b       only these runtimes' rows (default: all), out of:
                       @RUNTIMES@
  --workers=LIST       worker counts to run, comma-separated, e.g. --workers=1,2,4
                       (default for the primitives: 1,2). `loop` has exactly one thread: its rows
                       exist only for workers:1. Blocking runtimes run timers_1k only at >= 64
                       workers (default: 64), since each sleep holds a thread, and no
                       timers_100k; thread_per_task has no post_* rows (a thread per post).
  --workload=FILE      a workload description (JSON) to run instead of the presets
                       (not available in this build yet).

Exit status: 0 on success, 2 on a command-line mistake (one line on stderr says which).

Google Benchmark's flags:
)";
  text.replace(text.find("@RUNTIMES@"), 10, names);
  return text;
}

}  // namespace execbench::bench
