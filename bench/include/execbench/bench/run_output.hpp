// What a run leaves behind, whatever stops it: the report of every row that finished.
//
// execbench writes --benchmark_out itself rather than letting Google Benchmark stream into it:
// the rows are kept in memory as they finish and the file is written whole at the end (a
// temporary file beside it, then a rename), so that a reader never finds half a report. The
// same write happens when the run is stopped early:
//   - SIGINT or SIGTERM: the run stops after the repetition in progress (rows not started are
//     left out, not errored), writes the report with "interrupted": true in its context, and
//     exits 130 or 143; a second signal writes the finished rows at once and exits;
//   - the watchdog's last resort (a row that does not stop when cancelled): the finished rows
//     are written before the process exits with status 3.
// --resume=REPORT runs only the rows REPORT lacks, with REPORT's arguments and calibration, and
// writes REPORT's rows and the new ones as one report.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "execbench/bench/command_line.hpp"

namespace execbench::bench {

// ---- stopping ----

// Blocks SIGINT and SIGTERM in the calling thread (call it first in main, before any thread
// starts, so that every thread inherits the mask) and starts the thread that takes them.
void handle_stop_signals();

// Whether a stop was asked for (a signal, or request_stop); rows not yet started then skip.
bool stop_requested() noexcept;
// The signal that asked for the stop (0: none, or asked otherwise).
int stop_signal() noexcept;
// The signal's name ("SIGINT", "SIGTERM"), or "" when no stop was asked for.
std::string stop_reason();
// Asks for a stop as a signal would (tests).
void request_stop(int signal_number) noexcept;

// The error message of a repetition skipped because the run is stopping or resuming: the
// report leaves such repetitions out.
inline constexpr const char* not_run_message = "execbench: not run (the run is stopping)";

// Called by the watchdog just before it ends the process: writes what finished (the report
// says why it stopped). Does nothing when no report is being kept.
void write_report_before_exit(const std::string& why) noexcept;

// ---- the rows of a report being resumed ----

// What --resume=REPORT reads from REPORT.
struct resume_plan {
  std::string path;
  std::string text;                    // the report as read
  std::vector<std::string> arguments;  // the run's own arguments, from its context
  std::set<std::string> done;          // run names whose rows are complete (or errored)
  std::set<std::string> partial;       // run names with fewer repetitions than asked
};

// Reads REPORT; throws usage_error naming it when it cannot be resumed (unreadable, not an
// execbench report, no "arguments" in its context, written by another build).
resume_plan read_resume_plan(const std::string& path);

// ---- the report ----

// The reporter execbench runs with: it shows each finished row as Google Benchmark's own
// display reporter would (--benchmark_format) and keeps it for the report file. Repetitions
// with not_run_message are neither shown nor kept.
class report_keeper : public benchmark::BenchmarkReporter {
 public:
  // `out`: --benchmark_out (empty: no file) in `format` (json, console or csv). Throws
  // usage_error when the file's folder cannot be written: better now than after the run.
  report_keeper(std::string out, std::string format, const resume_plan* resume);
  ~report_keeper() override;

  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

  // Writes the report file (a no-op without --benchmark_out). `stopped_by` is empty for a run
  // that finished, else why it stopped ("SIGTERM", "watchdog: ..."). Throws std::runtime_error
  // naming the file when it cannot be written.
  void write(const std::string& stopped_by);

  // The rows kept so far, in words: "12 rows (9 with every repetition, 3 with some)".
  std::string rows_kept() const;

  // The one keeper of this run, for write_report_before_exit (nullptr: none).
  static report_keeper* current() noexcept;

 private:
  std::string text_locked(const std::string& stopped_by) const;

  std::string out_, format_;
  const resume_plan* resume_;
  std::unique_ptr<benchmark::BenchmarkReporter> display_;
  std::ostringstream buffer_;
  std::unique_ptr<benchmark::BenchmarkReporter> file_;
  mutable std::mutex mutex_;
  // Per run name kept: its finished repetitions and the repetitions asked for.
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> rows_;
  bool finalized_ = false;
  bool written_ = false;
};

}  // namespace execbench::bench
