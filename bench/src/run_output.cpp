#include "execbench/bench/run_output.hpp"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "execbench/bench/context.hpp"
#include "execbench/reports/atomic_file.hpp"
#include "execbench/reports/report.hpp"

namespace execbench::bench {
namespace {

// Ordered: a rewritten report keeps Google Benchmark's order of keys.
using json = nlohmann::ordered_json;

std::atomic<bool> stopping{false};
std::atomic<int> stopping_signal{0};
std::atomic<report_keeper*> the_keeper{nullptr};

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

// Google Benchmark writes non-finite numbers as the bare tokens NaN and Infinity; nlohmann
// reads them once quoted (reports::quote_non_finite_tokens) and this puts them back as they
// were, so that a rewritten report reads like any other.
std::string unquote_non_finite(std::string text) {
  for (const char* token : {"NaN", "Infinity", "-Infinity"}) {
    const std::string quoted = std::string(": \"") + token + "\"";
    const std::string bare = std::string(": ") + token;
    for (auto at = text.find(quoted); at != std::string::npos; at = text.find(quoted, at)) {
      text.replace(at, quoted.size(), bare);
      at += bare.size();
    }
  }
  return text;
}

// A METG row's counter without a value (metg_us where the runtime never reached the threshold;
// a range's end beyond the sweep) is JSON null in the report: "never" is an answer, and null
// says so to any JSON reader, where Google Benchmark's bare NaN is not JSON. Other rows keep
// Google Benchmark's tokens.
void metg_non_finite_to_null(json& doc) {
  for (auto& row : doc["benchmarks"]) {
    if (!row.is_object() || !row.value("name", std::string()).starts_with("metg/")) continue;
    for (auto& item : row.items()) {
      json& value = item.value();
      if (value.is_string() && (value == "NaN" || value == "Infinity" || value == "-Infinity"))
        value = nullptr;
    }
  }
}

json parse_report_text(const std::string& text, const std::string& path) {
  json doc = json::parse(reports::quote_non_finite_tokens(text), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("benchmarks") ||
      !doc["benchmarks"].is_array() || !doc.contains("context") || !doc["context"].is_object()) {
    throw usage_error(path + ": not a report execbench wrote (JSON with \"context\" and "
                             "\"benchmarks\" expected)");
  }
  return doc;
}

std::string now_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32] = {};
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

// ---- stopping ----

void handle_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (const int sig : {SIGINT, SIGTERM}) {
    // A signal the caller ignores stays ignored: a shell starts background jobs with SIGINT
    // ignored so that the terminal's Ctrl-C does not reach them.
    struct sigaction current {};
    if (sigaction(sig, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) continue;
    sigaddset(&set, sig);
  }
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (!stopping.exchange(true)) {
        stopping_signal.store(sig);
        std::fprintf(stderr,
                     "\nexecbench: %s: stopping after the repetition in progress; the report "
                     "keeps every finished row (a second signal stops at once)\n",
                     signal_name(sig));
        std::fflush(stderr);
        continue;
      }
      write_report_before_exit(std::string(signal_name(sig)) + " twice");
      std::_Exit(128 + stopping_signal.load());
    }
  }).detach();
}

bool stop_requested() noexcept { return stopping.load(std::memory_order_relaxed); }
int stop_signal() noexcept { return stopping_signal.load(); }

std::string stop_reason() { return stop_requested() ? signal_name(stop_signal()) : ""; }

void request_stop(int signal_number) noexcept {
  stopping_signal.store(signal_number);
  stopping.store(true);
}

void write_report_before_exit(const std::string& why) noexcept {
  report_keeper* keeper = report_keeper::current();
  if (keeper == nullptr) return;
  try {
    keeper->write(why);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "execbench: %s\n", e.what());
  }
}

// ---- resuming ----

resume_plan read_resume_plan(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file || std::filesystem::is_directory(path)) {
    throw usage_error("--resume=" + path + ": cannot read the report (" +
                      (std::filesystem::is_directory(path) ? std::string("a folder")
                                                           : std::strerror(errno)) +
                      ")");
  }
  std::ostringstream text;
  text << file.rdbuf();
  resume_plan plan;
  plan.path = path;
  plan.text = text.str();
  const json doc = parse_report_text(plan.text, "--resume=" + path);
  const json& context = doc["context"];
  if (!context.contains("arguments") || !context["arguments"].is_string()) {
    throw usage_error("--resume=" + path +
                      ": its context has no \"arguments\" (the report is not from an execbench "
                      "that can resume it)");
  }
  const json arguments = json::parse(context["arguments"].get<std::string>(), nullptr, false);
  if (!arguments.is_array()) {
    throw usage_error("--resume=" + path + ": its context's \"arguments\" is not a JSON list");
  }
  for (const auto& a : arguments) {
    if (!a.is_string()) throw usage_error("--resume=" + path + ": an argument is not a string");
    plan.arguments.push_back(a.get<std::string>());
  }
  // The rows must be measured by the same code as the rest of the report.
  for (const auto& entry : collect_context()) {
    if (entry.key != "git_sha" && entry.key != "compiler" && entry.key != "build_type") continue;
    const std::string theirs = context.value(entry.key, std::string("(none)"));
    if (theirs != entry.value) {
      throw usage_error("--resume=" + path + ": the report's " + entry.key + " is '" + theirs +
                        "' and this execbench's is '" + entry.value +
                        "': resume it with the build that started it");
    }
  }
  // Per run name: finished repetitions, errored ones, and how many were asked for.
  struct tally {
    std::size_t finished = 0, errored = 0, asked = 1;
  };
  std::map<std::string, tally> rows;
  for (const auto& b : doc["benchmarks"]) {
    if (!b.is_object() || !b.contains("run_name") || !b["run_name"].is_string()) continue;
    if (b.value("run_type", std::string("iteration")) != "iteration") continue;
    auto& t = rows[b["run_name"].get<std::string>()];
    if (b.value("error_occurred", false)) ++t.errored;
    else ++t.finished;
    if (b.contains("repetitions") && b["repetitions"].is_number_integer()) {
      t.asked = std::max<std::size_t>(1, b["repetitions"].get<std::size_t>());
    }
  }
  for (const auto& [name, t] : rows) {
    // An errored row finished: running it again would fail the same way.
    if (t.errored > 0 || t.finished >= t.asked) plan.done.insert(name);
    else plan.partial.insert(name);
  }
  return plan;
}

// ---- the report ----

report_keeper::report_keeper(std::string out, std::string format, const resume_plan* resume)
    : out_(std::move(out)),
      format_(std::move(format)),
      resume_(resume),
      display_(benchmark::CreateDefaultDisplayReporter()) {
  if (format_ == "json") file_ = std::make_unique<benchmark::JSONReporter>();
  else if (format_ == "console") file_ = std::make_unique<benchmark::ConsoleReporter>(benchmark::ConsoleReporter::OO_None);
  else if (format_ == "csv") {
    BENCHMARK_DISABLE_DEPRECATED_WARNING
    file_ = std::make_unique<benchmark::CSVReporter>();
    BENCHMARK_RESTORE_DEPRECATED_WARNING
  } else {
    throw usage_error("--benchmark_out_format=" + format_ + ": not a format (json, console, csv)");
  }
  if (resume_ != nullptr && format_ != "json") {
    throw usage_error("--resume writes a JSON report: --benchmark_out_format=" + format_ +
                      " cannot hold it");
  }
  file_->SetOutputStream(&buffer_);
  file_->SetErrorStream(&buffer_);
  if (!out_.empty()) {
    // Find out now whether the report can be written there, not after the run.
    namespace fs = std::filesystem;
    const fs::path target(out_);
    if (fs::is_directory(target)) throw usage_error("--benchmark_out=" + out_ + ": is a folder");
    const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string probe = (folder / ".execbench-probe.XXXXXX").string();
    const int fd = ::mkstemp(probe.data());
    if (fd < 0) {
      throw usage_error("--benchmark_out=" + out_ + ": cannot write in " + folder.string() + " (" +
                        std::strerror(errno) + ")");
    }
    ::close(fd);
    ::unlink(probe.c_str());
  }
  the_keeper.store(this);
}

report_keeper::~report_keeper() {
  std::lock_guard lock(mutex_);
  the_keeper.store(nullptr);
}

report_keeper* report_keeper::current() noexcept { return the_keeper.load(); }

bool report_keeper::ReportContext(const Context& context) {
  std::lock_guard lock(mutex_);
  const bool shown = display_->ReportContext(context);
  return file_->ReportContext(context) && shown;
}

void report_keeper::ReportRuns(const std::vector<Run>& runs) {
  std::vector<Run> kept;
  kept.reserve(runs.size());
  for (const auto& run : runs) {
    if (run.error_occurred && run.error_message == not_run_message) continue;
    kept.push_back(run);
  }
  if (kept.empty()) return;
  std::lock_guard lock(mutex_);
  display_->ReportRuns(kept);
  // Each finished row reaches the terminal, a pipe (execbench | tee) or a log at once, not when
  // stdio's buffer fills or the run ends.
  display_->GetOutputStream().flush();
  file_->ReportRuns(kept);
  for (const auto& run : kept) {
    if (run.run_type != Run::RT_Iteration) continue;
    auto& [finished, asked] = rows_[run.run_name.str()];
    if (!run.error_occurred) ++finished;
    asked = run.repetitions;
  }
}

void report_keeper::Finalize() {
  std::lock_guard lock(mutex_);
  display_->Finalize();
  file_->Finalize();
  finalized_ = true;
}

std::string report_keeper::rows_kept() const {
  std::lock_guard lock(mutex_);
  std::size_t partial = 0;
  for (const auto& [name, counts] : rows_) partial += counts.first < counts.second ? 1 : 0;
  std::string text = std::to_string(rows_.size()) + (rows_.size() == 1 ? " row" : " rows");
  if (partial > 0) {
    text += " (" + std::to_string(rows_.size() - partial) + " with every repetition, " +
            std::to_string(partial) + " with some)";
  }
  return text;
}

std::string report_keeper::text_locked(const std::string& stopped_by) const {
  std::string text = buffer_.str();
  if (format_ != "json") return text;
  const bool started = !text.empty();  // the context is written when the first row starts
  if (started && !finalized_) text += "\n  ]\n}\n";  // what JSONReporter::Finalize writes
  // A METG row may carry NaN counters, which become null: only then is the text rewritten.
  const bool metg_rows = text.find("\"name\": \"metg/") != std::string::npos;
  if (started && stopped_by.empty() && resume_ == nullptr && !metg_rows) return text;

  json doc = started ? parse_report_text(text, out_)
                     : json{{"context", json::object()}, {"benchmarks", json::array()}};
  if (resume_ != nullptr) {
    // The report resumed, its unfinished rows replaced by this run's where this run has them
    // (a resumed run stopped in its turn keeps the old repetitions of a row it did not redo).
    std::set<std::string> redone;
    for (const auto& b : doc["benchmarks"]) redone.insert(b.value("run_name", std::string()));
    json merged = parse_report_text(resume_->text, resume_->path);
    json rows = json::array();
    for (auto& b : merged["benchmarks"]) {
      const std::string name = b.value("run_name", std::string());
      if (resume_->partial.count(name) == 0 || redone.count(name) == 0) rows.push_back(std::move(b));
    }
    for (auto& b : doc["benchmarks"]) rows.push_back(std::move(b));
    merged["benchmarks"] = std::move(rows);
    merged["context"].erase("interrupted");
    merged["context"].erase("interrupted_by");
    merged["context"]["resumed"] = std::to_string(doc["benchmarks"].size()) +
                                   " entries added by --resume at " + now_utc();
    doc = std::move(merged);
  }
  metg_non_finite_to_null(doc);
  if (!stopped_by.empty()) {
    doc["context"]["interrupted"] = true;
    doc["context"]["interrupted_by"] = stopped_by;
  }
  return unquote_non_finite(doc.dump(2)) + "\n";
}

void report_keeper::write(const std::string& stopped_by) {
  std::lock_guard lock(mutex_);
  if (out_.empty() || written_) return;
  const std::string text = text_locked(stopped_by);
  try {
    reports::write_file_atomically(out_, text);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(e.what()) + ": the report was not written");
  }
  written_ = true;
}

}  // namespace execbench::bench
