// What running a plan needs besides a runtime: the fixtures (calibration, loopback server,
// disk file), set up once outside timed regions; the per-run state the step program writes
// (results, per-task CPU and wait time, the locks and their counters), preallocated so that the
// task path allocates nothing; and the check of a finished run against the plan.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "execbench/workloads/disk.hpp"
#include "execbench/workloads/kernels.hpp"
#include "execbench/workloads/plan.hpp"
#include "execbench/workloads/random.hpp"
#include "execbench/workloads/tcp.hpp"

namespace execbench::workloads {

// The fixtures a plan's steps use: calibrates the kernels; starts the loopback server when the
// plan has tcp steps; creates the disk file (and opens it) when it has disk steps.
class workload_fixtures {
 public:
  explicit workload_fixtures(const plan& p);
  ~workload_fixtures();
  workload_fixtures(const workload_fixtures&) = delete;
  workload_fixtures& operator=(const workload_fixtures&) = delete;

  const kernels::calibration& calibration() const noexcept { return *calibration_; }
  loopback_server* server() noexcept { return server_ ? &*server_ : nullptr; }
  const loopback_server* server() const noexcept { return server_ ? &*server_ : nullptr; }
  std::uint16_t tcp_port() const noexcept { return server_ ? server_->port() : 0; }
  int disk_fd() const noexcept { return disk_fd_; }
  // What a sampled CPU step's two reads of the thread's CPU clock add to its sample (measured
  // once per process, outside the timed region): subtracted from every sample.
  std::uint64_t cpu_clock_cost_ns() const noexcept { return cpu_clock_cost_ns_; }

 private:
  const kernels::calibration* calibration_;
  std::uint64_t cpu_clock_cost_ns_ = 0;
  std::optional<kernels::memory_buffer_hold> memory_;  // for a workload with memory steps
  std::optional<loopback_server> server_;
  std::optional<disk_fixture> disk_;
  int disk_fd_ = -1;
};

// A lock whose waiters suspend instead of blocking their thread: what a lock must be on the
// async runtimes (a waiting task that blocked the thread would stall the event loop, or
// deadlock it against the holder). FIFO; unlock hands the lock straight to the first waiter
// and has it resumed by whatever `resume` its awaiter set (its runtime's scheduler).
// Waiters are nodes in the awaiting frames: locking allocates nothing.
class async_mutex {
 public:
  struct waiter {
    std::coroutine_handle<> handle;
    void (*resume)(waiter&) noexcept = nullptr;
    void* resumer = nullptr;  // for `resume`: typically the waiter's scheduler
    waiter* next = nullptr;
  };

  bool try_lock() noexcept;
  // Take the lock if it is free (returns false: do not suspend), else queue w (returns true).
  bool lock_or_enqueue(waiter& w) noexcept;
  void unlock() noexcept;

 private:
  std::mutex guard_;  // held for a few instructions
  bool locked_ = false;
  waiter* head_ = nullptr;
  waiter* tail_ = nullptr;
};

// One named lock of the workload. `counter` is shared state on purpose not atomic: only the
// critical section touches it, so a final count equal to the number of acquisitions shows
// the lock excluded (the step reads it, holds, then writes it back plus one).
struct workload_lock {
  std::mutex blocking;  // for the runtimes whose waits block their thread
  async_mutex async;    // for the others
  std::uint64_t counter = 0;
};

// The state of one run of a plan. reset() before each run (outside the timed region: it is
// O(tasks)); each task writes only its own slots.
class run_state {
 public:
  run_state(const plan& p, const workload_fixtures& f);

  void reset() noexcept;

  const plan& the_plan() const noexcept { return *plan_; }
  const workload_fixtures& fixtures() const noexcept { return *fixtures_; }
  workload_lock& lock(std::uint32_t id) noexcept { return locks_[id]; }
  const workload_lock& lock(std::uint32_t id) const noexcept { return locks_[id]; }

  using clock = std::chrono::steady_clock;

  // The run's time origin (the runner sets it as the run starts): release and finish times
  // are nanoseconds after it.
  void set_start(clock::time_point t) noexcept { start_ = t; }
  clock::time_point start() const noexcept { return start_; }
  std::uint64_t ns_since_start(clock::time_point t) const noexcept {
    return t > start_
               ? static_cast<std::uint64_t>(
                     std::chrono::duration_cast<std::chrono::nanoseconds>(t - start_).count())
               : 0;
  }

  // Called by the step program as each step of task i ends: the step's time inside CPU kernels
  // and its other (waiting) time, and for the kinds that have one (has_result) its result,
  // folded into the task's checksum. The totals live here rather than in the task's frame.
  void add_step(std::uint32_t i, std::uint64_t cpu_ns, std::uint64_t wait_ns) noexcept {
    cpu_ns_[i] += cpu_ns;
    wait_ns_[i] += wait_ns;
  }
  void add_result(std::uint32_t i, std::uint64_t result) noexcept;  // after fold_checksum
  // Called by the step program when task i has run all its steps, finishing `end_ns` after the
  // start (the clock read that ended its last step), and by the runner for tree inner nodes.
  void finish_task(std::uint32_t i, std::uint64_t end_ns) noexcept;
  void add_tcp(std::uint64_t sent, std::uint64_t received) noexcept {
    tcp_sent_.fetch_add(sent, std::memory_order_relaxed);
    tcp_received_.fetch_add(received, std::memory_order_relaxed);
  }
  void add_disk(std::uint64_t bytes) noexcept {
    disk_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }

  // How many tasks have finished: O(tasks), for after a run.
  std::uint64_t tasks_finished() const noexcept;
  // Whether a run has started since the last reset (the runner set its start).
  bool has_run() const noexcept { return start_ != clock::time_point{}; }
  bool finished(std::uint32_t i) const noexcept { return done_[i] != 0; }
  std::uint64_t checksum(std::uint32_t i) const noexcept { return checksum_[i]; }
  // Per task: time inside CPU kernels, and wall time in every other step (waits).
  std::uint64_t cpu_ns(std::uint32_t i) const noexcept { return cpu_ns_[i]; }
  std::uint64_t wait_ns(std::uint32_t i) const noexcept { return wait_ns_[i]; }
  // Measured W/C over the whole run: sum of waits / sum of CPU; +infinity when the run waited
  // and never computed (no bound on the workers follows from it), 0 when it did neither.
  double wait_compute_ratio() const noexcept;
  // How much CPU time the kernels needed in this run against the start-up calibration: over
  // the sampled CPU steps (should_sample_kernel), the CPU time their threads spent in them
  // (CLOCK_THREAD_CPUTIME_ID: time waiting for a core is not counted) over their planned time;
  // 1 when no step was sampled. The machine's speed drifts, so this is what the run's CPU work
  // really took: at that rate, its total over the cores is a bound no schedule beats
  // (ideal.hpp, cpu_scale).
  double kernel_time_ratio() const noexcept;
  // CPU steps are sampled at every grain: about one per kernel_sample_period_ns of planned CPU
  // work on each thread (every step of at least that size, every k-th of smaller ones), so
  // that the clock's own cost (two system calls) stays a few percent of the work whatever the
  // steps' size. A sample is the smaller of the kernel's wall time and its thread CPU time
  // less that cost (workload_fixtures::cpu_clock_cost_ns; program.hpp, cpu_step).
  static constexpr std::uint64_t kernel_sample_period_ns = 50'000;
  // Whether the calling thread samples its next CPU step of planned_ns.
  static bool should_sample_kernel(std::uint64_t planned_ns) noexcept;
  // Called by a sampled CPU step: its planned time and its thread's CPU time in the kernel.
  void add_kernel_sample(std::uint64_t planned_ns, std::uint64_t thread_cpu_ns) noexcept {
    sampled_planned_ns_.fetch_add(planned_ns, std::memory_order_relaxed);
    sampled_cpu_ns_.fetch_add(thread_cpu_ns, std::memory_order_relaxed);
  }
  // Latency bookkeeping, written by the runner (runner.hpp), in ns after the run's start:
  // release is when the task was let in (open loop: its scheduled arrival), finish when it ended.
  void set_release(std::uint32_t i, std::uint64_t ns) noexcept { release_ns_[i] = ns; }
  void set_finish(std::uint32_t i, std::uint64_t ns) noexcept { finish_ns_[i] = ns; }
  std::uint64_t release_ns(std::uint32_t i) const noexcept { return release_ns_[i]; }
  std::uint64_t finish_ns(std::uint32_t i) const noexcept { return finish_ns_[i]; }
  // finish - release of every work task (tree inner nodes excluded), in task order.
  std::vector<std::uint64_t> work_latencies_ns() const;
  void set_makespan(std::uint64_t ns) noexcept { makespan_ns_ = ns; }
  std::uint64_t makespan_ns() const noexcept { return makespan_ns_; }

  std::uint64_t tcp_sent() const noexcept { return tcp_sent_.load(); }
  std::uint64_t tcp_received() const noexcept { return tcp_received_.load(); }
  std::uint64_t disk_bytes() const noexcept { return disk_bytes_.load(); }

 private:
  const plan* plan_;
  const workload_fixtures* fixtures_;
  std::unique_ptr<workload_lock[]> locks_;
  std::vector<std::uint64_t> checksum_, cpu_ns_, wait_ns_, release_ns_, finish_ns_;
  std::uint64_t makespan_ns_ = 0;
  clock::time_point start_{};
  std::vector<std::uint8_t> done_;
  std::atomic<std::uint64_t> tcp_sent_{0}, tcp_received_{0}, disk_bytes_{0};
  std::atomic<std::uint64_t> sampled_planned_ns_{0}, sampled_cpu_ns_{0};
};

// The fold of one step's result into its task's checksum (the step program and the check
// share it).
constexpr std::uint64_t fold_checksum(std::uint64_t acc, std::uint64_t result) noexcept {
  return mix64(acc + result + 0x9e3779b97f4a7c15ULL);
}

inline void run_state::add_result(std::uint32_t i, std::uint64_t result) noexcept {
  checksum_[i] = fold_checksum(checksum_[i], result);
}

struct run_check {
  bool ok = true;
  std::string problem;  // the first problem found, one line
};

// Check a finished run against its plan: every task finished (tree inner nodes included: the
// runner finishes them with checksum 0), each task's checksum of kernel results and disk reads
// is the expected one, every lock's counter equals its acquisitions, and the bytes the tcp
// steps sent and received and the disk steps read are the plan's totals.
run_check verify_run(const run_state& state);

}  // namespace execbench::workloads
