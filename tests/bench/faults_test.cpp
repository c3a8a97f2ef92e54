// Faults a run must survive (issue 14, "Hardening"): registered workload rows run in-process over
// the real runtimes, as the execbench binary runs them, while a task throws, hangs, cannot get a
// thread, runs out of file descriptors, loses its server or its file. Each fault must end in its
// row being errored with a reason that names the row and the fault, never in a crash or a hang;
// the rows around it must be measured as usual, and the fault must leave nothing behind (threads,
// descriptors, a thread burning CPU). Nothing here is timed as a speed assertion: the time
// bounds are generous, and a watchdog per test turns a hang into a failure within a minute.
#include "execbench/bench/register_workloads.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <gtest/gtest.h>

#include "capture_runs.hpp"
#include "execbench/bench/watchdog.hpp"
#include "execbench/bench/workload_catalog.hpp"
#include "execbench/runtime/adapter_support.hpp"
#include "execbench/runtime/all_runtimes.hpp"
#include "execbench/workloads/presets.hpp"
#include "execbench/workloads/spec.hpp"
#include "execbench/workloads/tcp.hpp"
#include "execbench/testing/watchdog.hpp"

namespace execbench::bench {
namespace {

namespace wl = execbench::workloads;
namespace fs = std::filesystem;
using runs_by_name = std::map<std::string, benchmark::BenchmarkReporter::Run>;
using namespace std::chrono_literals;

planned_workload planned(std::string_view json) {
  return plan_workload(wl::parse_workload_text(json, "faults_test"));
}
planned_workload named(std::string name, std::string_view json) {
  auto spec = wl::parse_workload_text(json, "faults_test");
  spec.name = std::move(name);
  return plan_workload(std::move(spec));
}

// A short, verified run of every kind of step but sockets and files: the rows around a fault.
constexpr std::string_view quick = R"({"name": "quick", "graph": {"shape": "independent",
  "tasks": 20}, "release": {"concurrency": 4}, "task": [{"io": "timer", "latency_us": 200},
  {"cpu": "spin", "us": 10}, {"lock": "l", "hold_us": 5}]})";
// Disk reads, each after a 20 ms wait: a file changed as soon as it exists is changed before the
// first read of the run (and of the warm-up run).
constexpr std::string_view disk = R"({"name": "disk", "graph": {"shape": "independent",
  "tasks": 48}, "release": {"concurrency": 4}, "task": [{"io": "timer", "latency_us": 20000},
  {"io": "disk", "bytes": 65536, "file_bytes": 1048576}]})";
// Round trips to the loopback server.
constexpr std::string_view tcp = R"({"name": "tcp", "graph": {"shape": "independent",
  "tasks": 40}, "release": {"concurrency": 8}, "task": [{"io": "tcp", "request_bytes": 64,
  "response_bytes": 64, "server_delay_us": 50, "repeat": 5}]})";
// A request the server answers after 5 s: far beyond the tests' stall limit, a hang.
constexpr std::string_view hangs = R"({"name": "hangs", "graph": {"shape": "independent",
  "tasks": 4}, "task": [{"io": "tcp", "request_bytes": 64, "response_bytes": 64,
  "server_delay_us": 5000000}]})";
// 128 tasks of 20 ms, all released at once: thread_per_task at 64 workers starts 64 threads.
constexpr std::string_view threads = R"({"name": "threads", "graph": {"shape": "independent",
  "tasks": 128}, "task": [{"io": "timer", "latency_us": 20000}]})";

const std::vector<runtime_entry> entries = runtime_entries<rt::all_runtimes>();
const std::vector<std::string> all_runtimes = [] {
  std::vector<std::string> names;
  for (const auto& r : entries) names.emplace_back(r.name);
  return names;
}();

// The worker count of runtime r's rows: its fixed count, if it has one, else `workers`.
std::string workers_of(const std::string& r, int workers) {
  for (const auto& e : entries) {
    if (e.name == r && e.traits.fixed_workers != 0) return std::to_string(e.traits.fixed_workers);
  }
  return std::to_string(workers);
}
// The row of workload w on runtime r.
std::string row(const std::string& w, const std::string& r, int workers = 2) {
  return w + "/" + r + "/workers:" + workers_of(r, workers);
}
// A filter for the rows of workloads `ws` (a regex alternative) on runtime r.
std::string rows_of(const std::string& ws, const std::string& r, int workers = 2) {
  return "^(" + ws + ")/" + r + "/workers:" + workers_of(r, workers) + "/";
}

int thread_count() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

int open_fd_count() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    closedir(d);
  }
  return n;
}

double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The CPU the process burns while its test thread sleeps for `window`: nothing of a finished
// row may still run. A thread left spinning (a server looping on a failing accept, a worker
// never stopped) burns the whole window.
double cpu_while_idle_s(std::chrono::milliseconds window = 400ms) {
  const double before = process_cpu_s();
  std::this_thread::sleep_for(window);
  return process_cpu_s() - before;
}

// Threads that end shortly after their row (TBB's workers, once told to exit) are waited for.
int thread_count_settled(int expected) {
  int n = thread_count();
  for (int i = 0; i < 100 && n != expected; ++i) {
    std::this_thread::sleep_for(20ms);
    n = thread_count();
  }
  return n;
}

void expect_measured(const runs_by_name& runs, const std::string& name) {
  const auto it = runs.find(name);
  ASSERT_NE(it, runs.end()) << name << " did not run";
  EXPECT_FALSE(it->second.error_occurred) << name << ": " << it->second.error_message;
  EXPECT_EQ(it->second.counters.count("tasks_per_s"), 1U) << name;
  EXPECT_EQ(it->second.counters.count("efficiency"), 1U) << name;
}

// The row errored, its message starting with its name and containing one of `reasons`.
void expect_errored(const runs_by_name& runs, const std::string& name,
                    const std::vector<std::string>& reasons) {
  const auto it = runs.find(name);
  ASSERT_NE(it, runs.end()) << name << " did not run";
  EXPECT_TRUE(it->second.error_occurred) << name;
  const std::string& message = it->second.error_message;
  EXPECT_EQ(message.rfind(name + ": ", 0), 0U) << "does not name the row: " << message;
  const bool found = std::any_of(reasons.begin(), reasons.end(), [&](const std::string& r) {
    return message.find(r) != std::string::npos;
  });
  EXPECT_TRUE(found) << name << ": '" << message << "' gives none of the expected reasons";
}

// A directory of its own as the system's temporary directory (TMPDIR), where the rows' disk
// fixtures are made, and a thread that does `change` once to each fixture file that has reached
// its full size, while the rows run.
class disk_file_saboteur {
 public:
  template <class Change>
  explicit disk_file_saboteur(Change change)
      : dir_(fs::temp_directory_path() /
             ("execbench-faults-" + std::to_string(getpid()) + "-" + std::to_string(++made_))),
        old_tmpdir_(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "") {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    setenv("TMPDIR", dir_.c_str(), 1);
    thread_ = std::thread([this, change] {
      std::set<std::string> done;
      while (!stop_.load()) {
        std::error_code ec;
        for (const auto& d : fs::directory_iterator(dir_, ec)) {
          const fs::path file = d.path() / "data.bin";
          if (done.count(file.string()) != 0) continue;
          std::error_code size_ec;
          if (fs::file_size(file, size_ec) != 1048576 || size_ec) continue;
          change(file);
          done.insert(file.string());
          changed_.fetch_add(1);
        }
        std::this_thread::sleep_for(1ms);
      }
    });
  }
  ~disk_file_saboteur() {
    stop_.store(true);
    thread_.join();
    if (old_tmpdir_.empty()) {
      unsetenv("TMPDIR");
    } else {
      setenv("TMPDIR", old_tmpdir_.c_str(), 1);
    }
    fs::remove_all(dir_);
  }
  int changed() const { return changed_.load(); }
  // What the rows left in the directory: each fixture removes its own when its row ends.
  std::size_t entries_left() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& d : fs::directory_iterator(dir_)) ++n;
    return n;
  }

 private:
  static inline int made_ = 0;
  fs::path dir_;
  std::string old_tmpdir_;
  std::atomic<bool> stop_{false};
  std::atomic<int> changed_{0};
  std::thread thread_;
};

// Whether this build has UndefinedBehaviorSanitizer's dynamic type check (-fsanitize=vptr, in
// the asan-ubsan preset): its runtime's handler is then linked in.
extern "C" void __ubsan_handle_dynamic_type_cache_miss() __attribute__((weak));
bool ubsan_checks_dynamic_types() { return &__ubsan_handle_dynamic_type_cache_miss != nullptr; }

class faults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static const bool registered = [] {
      testing::initialize_quick_benchmarks("faults_test");
      options opts;
      opts.workers = {1, 2};
      // Registration order is run order: "before" rows run before the faulty ones of a filter,
      // "after" rows after them.
      register_workloads<rt::all_runtimes>({named("before", quick), planned(disk), planned(tcp),
                                            planned(hangs), named("after", quick)},
                                           opts);
      opts.workers = {1, 64};
      register_workloads<rt::all_runtimes>({planned(threads)}, opts);
      register_workloads<rt::all_runtimes>({plan_workload(wl::load_preset("tcp_echo"))}, opts);
      return true;
    }();
    (void)registered;
  }
  void SetUp() override {
    guard_ = std::make_unique<test::watchdog>(100s);
    set_stall_limit(20s);  // a refused thread start alone retries for a second
    baseline_threads_ = thread_count();
    baseline_fds_ = open_fd_count();
  }
  void TearDown() override {
    set_stall_limit(60s);
    guard_.reset();
  }
  // Every thread and descriptor of the rows is gone, and nothing of them still runs.
  void expect_nothing_left_behind() {
    EXPECT_EQ(thread_count_settled(baseline_threads_), baseline_threads_) << "threads left";
    EXPECT_EQ(open_fd_count(), baseline_fds_) << "descriptors left";
    EXPECT_LT(cpu_while_idle_s(), 0.15) << "a thread still burns CPU after its row";
  }
  static runs_by_name run(const std::string& filter) { return testing::run_captured(filter); }

  std::unique_ptr<test::watchdog> guard_;
  int baseline_threads_ = 0;
  int baseline_fds_ = 0;
};

// A task that throws (a disk read of a file cut short under it: "disk read: file shorter than
// expected") errors its row with the row's name and the exception's message; the row that
// finished before it is kept, and the row after it, in the same run, measures and verifies.
TEST_F(faults, a_task_that_throws_errors_its_row_and_the_suite_goes_on) {
  {
    disk_file_saboteur truncate([](const fs::path& f) { fs::resize_file(f, 0); });
    for (const auto& r : all_runtimes) {
      const auto runs = run(rows_of("before|disk|after", r));
      ASSERT_EQ(runs.size(), 3U) << r;
      expect_measured(runs, row("before", r));
      expect_errored(runs, row("disk", r), {"disk read: file shorter than expected"});
      expect_measured(runs, row("after", r));
    }
    EXPECT_EQ(truncate.changed(), static_cast<int>(all_runtimes.size()));
    EXPECT_EQ(truncate.entries_left(), 0U) << "a disk fixture was left behind";
  }
  expect_nothing_left_behind();
}

// The disk file removed while its row runs: Linux keeps an unlinked file's data for the
// descriptors open on it, and the fixture reads through the one it opened at the start, so the
// row still works, every read checked against the file's content.
TEST_F(faults, a_disk_file_removed_mid_run_is_still_read_through_its_open_descriptor) {
  {
    disk_file_saboteur remove([](const fs::path& f) { fs::remove(f); });
    runs_by_name runs;
    for (const auto& r : all_runtimes) runs.merge(run(rows_of("disk", r)));
    ASSERT_EQ(runs.size(), all_runtimes.size());
    for (const auto& r : all_runtimes) expect_measured(runs, row("disk", r));
    EXPECT_EQ(remove.changed(), static_cast<int>(all_runtimes.size()));
    EXPECT_EQ(remove.entries_left(), 0U) << "a disk fixture was left behind";
  }
  expect_nothing_left_behind();
}

// A task that hangs (its request answered after 5 s) is cancelled by the row's watchdog, which
// errors the row; the tasks' threads, the server's thread and the sockets are all gone after it
// (the process's thread and descriptor counts are back where they were, and it burns no CPU),
// and the rows after it measure and verify.
TEST_F(faults, a_hung_task_is_cancelled_by_the_watchdog_and_leaves_nothing_behind) {
  // Well below the hang's 5 s, and well above what a healthy row's iteration takes under
  // ThreadSanitizer on a busy machine.
  set_stall_limit(2s);
  for (const auto& r : all_runtimes) {
    const auto runs = run(rows_of("before|hangs|after", r));
    ASSERT_EQ(runs.size(), 3U) << r;
    expect_measured(runs, row("before", r));
    expect_errored(runs, row("hangs", r), {"no progress for 2 s; its tasks were cancelled"});
    expect_measured(runs, row("after", r));
  }
  expect_nothing_left_behind();
}

// The loopback server closing every connection mid-request (after it has answered 30 requests):
// each row is errored with the socket's reason, within seconds, on every runtime; with the
// server fixed, the same rows measure again.
TEST_F(faults, a_server_closing_connections_mid_request_errors_the_row) {
  wl::testing::drop_connections_mid_request(30);
  const auto start = std::chrono::steady_clock::now();
  runs_by_name runs;
  for (const auto& r : all_runtimes) runs.merge(run(rows_of("tcp", r)));
  const auto took = std::chrono::steady_clock::now() - start;
  wl::testing::drop_connections_mid_request(wl::testing::never);
  ASSERT_EQ(runs.size(), all_runtimes.size());
  for (const auto& r : all_runtimes) {
    expect_errored(
        runs, row("tcp", r),
        {"tcp: recv: Connection reset by peer", "tcp: send: Connection reset by peer",
         "tcp: send: Broken pipe", "tcp: the server closed the connection mid-response"});
  }
  // Not hung: each row ends at its first dropped request, not at its stall limit (20 s).
  EXPECT_LT(took, 30s);
  runs_by_name again;
  for (const auto& r : all_runtimes) again.merge(run(rows_of("tcp", r)));
  for (const auto& r : all_runtimes) expect_measured(again, row("tcp", r));
  expect_nothing_left_behind();
}

// No thread can be started past the first 10 (the hook rt::testing::refuse_thread_starts_after
// refuses them as RLIMIT_NPROC does, with EAGAIN): thread_per_task at 64 workers fails its run,
// the pools fail their start-up (tbb, whose workers TBB starts itself, when it checks that 64
// threads can be started), each row errored with the reason and nothing crashing (no
// std::terminate from an unjoined thread or an exception escaping one); once threads can be
// started again, the same rows measure.
TEST_F(faults, a_refused_thread_start_errors_the_row) {
  rt::testing::refuse_thread_starts_after(10);
  const std::string pools =
      "^threads/(thread_per_task|thread_pool|asio|loop_offload|tbb)/workers:64/";
  const auto runs = run(pools);
  rt::testing::allow_thread_starts();
  ASSERT_EQ(runs.size(), 5U);
  expect_errored(runs, "threads/thread_per_task/workers:64",
                 {"thread_per_task: cannot start a thread: Resource temporarily unavailable"});
  for (const char* r : {"thread_pool", "asio", "loop_offload"}) {
    expect_errored(runs, std::string("threads/") + r + "/workers:64",
                   {"starting the runtime: Resource temporarily unavailable"});
  }
  expect_errored(runs, "threads/tbb/workers:64",
                 {"starting the runtime: tbb: cannot start 64 threads: Resource temporarily "
                  "unavailable"});
  const auto again = run(pools);
  ASSERT_EQ(again.size(), 5U);
  for (const auto& [name, r] : again) expect_measured(again, name);
  expect_nothing_left_behind();
}

// The process out of file descriptors (RLIMIT_NOFILE's soft limit a few above those open):
// tcp_echo's 200 connections, 32 at a time, error their row, naming EMFILE ("Too many open
// files") whether the client's socket or the server's accept hit it; every descriptor of the row
// is closed after it; with the limit restored, tcp_echo runs. (The first loopback server of the
// process raises the soft limit to the hard one; a server is built first, so that the rows' own
// servers leave the lowered limit alone.)
TEST_F(faults, descriptors_exhausted_error_the_row_and_leak_nothing) {
  if (ubsan_checks_dynamic_types()) {
    GTEST_SKIP() << "UndefinedBehaviorSanitizer's check of dynamic types opens a pipe when its "
                    "cache misses; out of descriptors it reports every such object as invalid";
  }
  { wl::loopback_server first; }
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  for (const auto& r : all_runtimes) {
    rlimit lowered = saved;
    lowered.rlim_cur = static_cast<rlim_t>(open_fd_count() + 16);
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
    const auto runs = run(rows_of("tcp_echo", r, 64));
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
    ASSERT_EQ(runs.size(), 1U) << r;
    expect_errored(runs, row("tcp_echo", r, 64), {"Too many open files"});
    EXPECT_EQ(open_fd_count(), baseline_fds_) << r << " left descriptors open";
  }
  expect_measured(run(rows_of("tcp_echo", "loop")), "tcp_echo/loop/workers:1");
  expect_nothing_left_behind();
}

}  // namespace
}  // namespace execbench::bench
