// Executing a workload on a runtime: the one step program every runtime runs, and the driver
// that releases tasks as the graph and the release mode allow.
//
// prepared_workload is built once per workload, outside any timed region: the plan, its ideal
// makespan, each CPU step's iteration count, each task's expected checksum, and the fixtures
// (the loopback server, the file). workload_executor<R> then runs the whole workload once per
// call, on runtime R, recording per task its latency, its time in I/O waits and its CPU time,
// in arrays allocated once: the task path takes no lock and allocates nothing of its own.
//
// Release: a task becomes ready when its predecessors have completed (and, in an open loop, its
// scheduled arrival has passed); a ready work task is spawned when its group has a free slot
// (closed loop: at most `concurrency` in flight). A tree's inner node has no work: it completes
// as soon as its children have. Latency is measured from release (open loop: from the
// scheduled arrival, so a runtime that falls behind cannot hide its backlog) to completion.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "execbench/runtime/event.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/spin_lock.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/workloads/disk.hpp"
#include "execbench/workloads/ideal.hpp"
#include "execbench/workloads/kernels.hpp"
#include "execbench/workloads/plan.hpp"
#include "execbench/workloads/tcp.hpp"

namespace execbench::workloads {

using clock = std::chrono::steady_clock;

inline std::int64_t thread_cpu_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Everything about a workload that does not depend on the runtime, computed once.
class prepared_workload {
 public:
  // `cores` is P of the ideal makespan (the machine's hardware threads).
  prepared_workload(workload_spec spec, unsigned cores)
      : plan_(materialize(spec)), ideal_(compute_ideal_makespan(plan_, cores)) {
    const auto& cal = kernels::calibrate();
    const auto steps = plan_.all_steps();
    iterations_.resize(steps.size());
    expected_.assign(plan_.tasks().size(), 0);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const auto& s = steps[i];
      if (is_cpu(s.op)) {
        iterations_[i] =
            kernels::iterations_for(kernel_of(s.op), std::chrono::nanoseconds(s.ns), cal);
      }
    }
    // Each task's checksum: the sum of its CPU kernels' results and its disk reads' checksums.
    // Hash results are recomputed once per distinct (iterations, seed).
    std::vector<std::pair<std::pair<std::uint64_t, std::uint64_t>, std::uint64_t>> hash_cache;
    for (std::size_t t = 0; t < plan_.tasks().size(); ++t) {
      const auto& task = plan_.tasks()[t];
      std::uint64_t sum = 0;
      for (std::uint32_t k = 0; k < task.step_count; ++k) {
        const std::size_t i = task.first_step + k;
        const auto& s = steps[i];
        if (s.op == step_op::hash) {
          const auto key = std::pair{iterations_[i], s.arg};
          auto it = std::find_if(hash_cache.begin(), hash_cache.end(),
                                 [&](const auto& e) { return e.first == key; });
          if (it == hash_cache.end()) {
            hash_cache.push_back(
                {key, kernels::expected_result(cpu_kernel::hash, iterations_[i], s.arg)});
            it = hash_cache.end() - 1;
          }
          sum += it->second;
        } else if (is_cpu(s.op)) {
          sum += kernels::expected_result(kernel_of(s.op), iterations_[i], s.arg);
        } else if (s.op == step_op::disk) {
          sum += disk_expected_checksum(s.arg, s.size);
        }
      }
      expected_[t] = sum;
    }
    bool tcp = false;
    for (const auto& s : steps) tcp = tcp || s.op == step_op::tcp;
    if (tcp) server_ = std::make_unique<loopback_server>();
    if (plan_.disk_file_bytes() > 0)
      disk_ = std::make_unique<disk_fixture>(plan_.disk_file_bytes());
    locks_ = std::make_unique<lock_slot[]>(std::max<std::size_t>(1, plan_.spec().locks.size()));
  }

  const plan& the_plan() const noexcept { return plan_; }
  const ideal_makespan& ideal() const noexcept { return ideal_; }
  std::uint64_t iterations(std::size_t step_index) const noexcept {
    return iterations_[step_index];
  }
  std::uint64_t expected_checksum(std::size_t task) const noexcept { return expected_[task]; }
  loopback_server* server() const noexcept { return server_.get(); }
  const disk_fixture* disk() const noexcept { return disk_.get(); }

  // A lock step's shared state: the mutex and the counter it protects.
  struct lock_slot {
    std::mutex mutex;
    std::uint64_t counter = 0;  // only touched under `mutex`: the check of mutual exclusion
  };
  lock_slot& lock(std::size_t id) const noexcept { return locks_[id]; }
  std::size_t lock_count() const noexcept { return plan_.spec().locks.size(); }

 private:
  plan plan_;
  ideal_makespan ideal_;
  std::vector<std::uint64_t> iterations_;
  std::vector<std::uint64_t> expected_;
  std::unique_ptr<loopback_server> server_;
  std::unique_ptr<disk_fixture> disk_;
  std::unique_ptr<lock_slot[]> locks_;
};

// What one run of a workload measured. Arrays are indexed by task; only work tasks have values.
struct run_record {
  std::int64_t makespan_ns = 0;
  std::vector<std::int64_t> latency_ns;
  std::vector<std::int64_t> wait_ns;  // wall time in I/O waits
  std::vector<std::int64_t> cpu_ns;   // CPU time of CPU steps (thread CPU clock)
  std::vector<std::uint64_t> checksum;
  std::string error;  // empty when the run completed and every check passed
};

template <rt::runtime R>
class workload_executor {
 public:
  workload_executor(R& runtime, prepared_workload& w)
      : rt_(runtime), w_(w), plan_(w.the_plan()), n_(plan_.tasks().size()) {
    remaining_ = std::make_unique<std::atomic<std::uint32_t>[]>(n_);
    release_ns_.assign(n_, 0);
    rec_.latency_ns.assign(n_, 0);
    rec_.wait_ns.assign(n_, 0);
    rec_.cpu_ns.assign(n_, 0);
    rec_.checksum.assign(n_, 0);
    for (const auto& g : plan_.groups()) {
      auto& gs = groups_.emplace_back();
      gs.limit = g.release.mode == release_mode::closed ? g.release.concurrency : UINT32_MAX;
      gs.ready.reserve(g.task_count);
      open_loop_ = open_loop_ || g.release.mode == release_mode::open;
    }
    watchdog_ = std::thread([this] { watchdog_main(); });
    if (open_loop_) {
      for (std::size_t t = 0; t < n_; ++t) {
        if (plan_.tasks()[t].work &&
            plan_.groups()[plan_.tasks()[t].group].release.mode == release_mode::open) {
          arrivals_.push_back(static_cast<std::uint32_t>(t));
        }
      }
      std::sort(arrivals_.begin(), arrivals_.end(), [&](auto a, auto b) {
        return plan_.tasks()[a].arrival_ns < plan_.tasks()[b].arrival_ns;
      });
      releaser_ = std::thread([this] { releaser_main(); });
    }
  }
  workload_executor(const workload_executor&) = delete;
  workload_executor& operator=(const workload_executor&) = delete;
  ~workload_executor() {
    {
      std::lock_guard lk(control_mutex_);
      quit_ = true;
    }
    control_cv_.notify_all();
    if (releaser_.joinable()) releaser_.join();
    watchdog_.join();
  }

  // One run in three parts, so that only `execute` need be timed: `prepare` resets the state,
  // `execute` runs the whole workload (with a watchdog: past `limit`, every task is cancelled
  // and the run reports an error), `finish` waits for stragglers and checks every result. The
  // record stays valid until the next prepare.
  void prepare() { reset(); }

  void execute(std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    start_ = clock::now();
    arm(limit);
    try {
      rt_.run(drive());
    } catch (const std::exception& e) {
      fail(std::string("the run failed: ") + e.what());
    }
    rec_.makespan_ns = (clock::now() - start_).count();
    disarm();
  }

  const run_record& finish() {
    wait_quiescent();
    if (rec_.error.empty()) verify();
    return rec_;
  }

  const run_record& run_once(std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    prepare();
    execute(limit);
    return finish();
  }

 private:
  struct group_state {
    rt::spin_lock lock;
    std::uint32_t limit = 0;
    std::uint32_t in_flight = 0;
    std::vector<std::uint32_t> ready;  // FIFO via `head`
    std::size_t head = 0;
  };

  // The watchdog: a thread of the executor's own, armed for each run, that cancels a run
  // which takes too long.
  void arm(std::chrono::milliseconds limit) {
    {
      std::lock_guard lk(control_mutex_);
      deadline_ = clock::now() + limit;
      limit_ = limit;
      armed_ = true;
      if (open_loop_) {
        releaser_go_ = true;
        releaser_done_ = false;
      }
    }
    control_cv_.notify_all();
  }

  void disarm() {
    std::unique_lock lk(control_mutex_);
    armed_ = false;
    control_cv_.notify_all();
    // The releaser's pass must be over before the next reset.
    control_cv_.wait(lk, [this] { return !open_loop_ || releaser_done_; });
  }

  void watchdog_main() {
    std::unique_lock lk(control_mutex_);
    for (;;) {
      control_cv_.wait(lk, [this] { return armed_ || quit_; });
      if (quit_) return;
      if (control_cv_.wait_until(lk, deadline_, [this] { return !armed_ || quit_; })) continue;
      armed_ = false;
      lk.unlock();
      fail("watchdog: the run took longer than " + std::to_string(limit_.count()) +
           " ms and was cancelled");
      aborting_.store(true);
      control_cv_.notify_all();  // the releaser stops waiting for arrivals
      rt_.roots().cancel_all();
      all_done_->set();
      lk.lock();
    }
  }

  void reset() {
    rec_.error.clear();
    for (std::size_t t = 0; t < n_; ++t) {
      const auto& task = plan_.tasks()[t];
      const bool arrives =
          task.work && plan_.groups()[task.group].release.mode == release_mode::open;
      remaining_[t].store(task.dep_count + (arrives ? 1u : 0u), std::memory_order_relaxed);
      rec_.latency_ns[t] = rec_.wait_ns[t] = rec_.cpu_ns[t] = 0;
      rec_.checksum[t] = 0;
    }
    for (auto& g : groups_) {
      g.in_flight = 0;
      g.ready.clear();
      g.head = 0;
    }
    all_done_ = std::make_unique<rt::event>();
    completed_.store(0, std::memory_order_relaxed);
    in_flight_total_.store(0, std::memory_order_relaxed);
    aborting_.store(false);
    if (w_.server() != nullptr) w_.server()->reset_stats();
    for (std::size_t l = 0; l < w_.lock_count(); ++l) w_.lock(l).counter = 0;
    disk_fd_ = w_.disk() != nullptr ? w_.disk()->open_for_reading() : -1;
  }

  rt::task<void> drive() {
    // Every task with nothing to wait for is ready now; open-loop arrivals come from the
    // releaser thread.
    for (std::size_t t = 0; t < n_; ++t) {
      if (remaining_[t].load(std::memory_order_relaxed) == 0)
        make_ready(static_cast<std::uint32_t>(t));
    }
    if (completed_.load(std::memory_order_acquire) < n_) co_await all_done_->wait();
  }

  // Task t's predecessors (and arrival) are all done: queue it, start what its group allows.
  void make_ready(std::uint32_t t) {
    // Inner tree nodes have no work: they complete at once, which may ready their parent.
    std::uint32_t stack[64];
    std::size_t depth = 0;
    stack[depth++] = t;
    while (depth > 0) {
      const std::uint32_t x = stack[--depth];
      const auto& task = plan_.tasks()[x];
      if (task.work) {
        release_ns_[x] = task.arrival_ns > 0 ? task.arrival_ns : since_start();
        enqueue(x);
        continue;
      }
      for (std::uint32_t s : plan_.successors(task)) {
        if (remaining_[s].fetch_sub(1, std::memory_order_acq_rel) == 1) {
          if (depth < 64) {
            stack[depth++] = s;
          } else {
            make_ready(s);
          }
        }
      }
      count_completion();
    }
  }

  void enqueue(std::uint32_t t) {
    auto& g = groups_[plan_.tasks()[t].group];
    std::uint32_t start = UINT32_MAX;
    {
      std::lock_guard<rt::spin_lock> lk(g.lock);
      if (g.in_flight < g.limit && g.head == g.ready.size()) {
        ++g.in_flight;
        start = t;
      } else {
        g.ready.push_back(t);
      }
    }
    if (start != UINT32_MAX) launch(start);
  }

  void launch(std::uint32_t t) {
    if (aborting_.load(std::memory_order_relaxed)) {
      count_completion();
      return;
    }
    in_flight_total_.fetch_add(1, std::memory_order_relaxed);
    (void)rt::spawn(rt_, run_task(t));
  }

  std::int64_t since_start() const noexcept { return (clock::now() - start_).count(); }

  rt::task<void> run_task(std::uint32_t t) {
    const auto& task = plan_.tasks()[t];
    try {
      co_await run_steps(t);
    } catch (const rt::cancelled_error&) {
      fail("task " + std::to_string(t) + " was cancelled");
    } catch (const std::exception& e) {
      fail("task " + std::to_string(t) + ": " + e.what());
    } catch (...) {
      fail("task " + std::to_string(t) + ": unknown exception");
    }
    rec_.latency_ns[t] = since_start() - static_cast<std::int64_t>(release_ns_[t]);
    on_complete(t, task);
    in_flight_total_.fetch_sub(1, std::memory_order_release);
  }

  void on_complete(std::uint32_t t, const planned_task& task) {
    // Free the slot, start the next ready task of the group.
    auto& g = groups_[task.group];
    std::uint32_t next = UINT32_MAX;
    {
      std::lock_guard<rt::spin_lock> lk(g.lock);
      if (g.head < g.ready.size()) {
        next = g.ready[g.head++];
      } else {
        --g.in_flight;
      }
    }
    for (std::uint32_t s : plan_.successors(task)) {
      if (remaining_[s].fetch_sub(1, std::memory_order_acq_rel) == 1) make_ready(s);
    }
    if (next != UINT32_MAX) launch(next);
    (void)t;
    count_completion();
  }

  void count_completion() {
    if (completed_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) all_done_->set();
  }

  // The step program: the same for every runtime; each runtime decides what an await means.
  rt::task<void> run_steps(std::uint32_t t) {
    const auto& task = plan_.tasks()[t];
    int conn = -1;
    tcp_exchange ex;
    struct closer {
      int& fd;
      ~closer() {
        if (fd >= 0) tcp_close(fd);
      }
    } close_conn{conn};
    std::uint64_t sum = 0;
    std::int64_t wait = 0, cpu = 0;
    for (std::uint32_t k = 0; k < task.step_count; ++k) {
      const std::size_t i = task.first_step + k;
      const planned_step& s = plan_.all_steps()[i];
      switch (s.op) {
        case step_op::spin:
        case step_op::compute:
        case step_op::memory:
        case step_op::hash: {
          const auto iters = w_.iterations(i);
          auto [value, used] = co_await rt_.cpu([op = s.op, iters, arg = s.arg] {
            const auto c0 = thread_cpu_ns();
            const auto v = kernels::run(kernel_of(op), iters, arg);
            return std::pair<std::uint64_t, std::int64_t>{v, thread_cpu_ns() - c0};
          });
          sum += value;
          cpu += used;
          break;
        }
        case step_op::timer: {
          const auto w0 = clock::now();
          co_await rt_.sleep(std::chrono::nanoseconds(s.ns));
          wait += (clock::now() - w0).count();
          break;
        }
        case step_op::blocking: {
          const auto w0 = clock::now();
          co_await rt_.blocking([ns = s.ns] {
            std::this_thread::sleep_for(std::chrono::nanoseconds(ns));
            return 0;
          });
          wait += (clock::now() - w0).count();
          break;
        }
        case step_op::tcp: {
          const auto w0 = clock::now();
          if (conn < 0) conn = tcp_connect(w_.server()->port(), ex);
          tcp_begin(ex, s.size, s.size2, static_cast<std::uint32_t>(s.ns / 1000));
          for (;;) {
            const io_wait next = tcp_advance(conn, ex);
            if (next == io_wait::none) break;
            if (next == io_wait::readable) {
              co_await rt_.readable(conn);
            } else {
              co_await rt_.writable(conn);
            }
          }
          if (ex.received != s.size2) {
            throw std::runtime_error("tcp: expected " + std::to_string(s.size2) +
                                     " response bytes, got " + std::to_string(ex.received));
          }
          wait += (clock::now() - w0).count();
          break;
        }
        case step_op::disk: {
          const auto w0 = clock::now();
          sum += co_await rt_.blocking([fd = disk_fd_, off = s.arg, bytes = s.size] {
            return disk_read_checksum(fd, off, bytes);
          });
          wait += (clock::now() - w0).count();
          break;
        }
        case step_op::lock: {
          auto& slot = w_.lock(s.size2);
          cpu += co_await rt_.cpu([&slot, ns = s.ns] {
            const auto c0 = thread_cpu_ns();
            std::lock_guard lk(slot.mutex);
            // The critical section: a read-modify-write that lost updates would expose, held
            // for the step's time.
            const auto before = slot.counter;
            const auto until = clock::now() + std::chrono::nanoseconds(ns);
            while (clock::now() < until) {
            }
            slot.counter = before + 1;
            return thread_cpu_ns() - c0;
          });
          break;
        }
      }
    }
    rec_.checksum[t] = sum;
    rec_.wait_ns[t] = wait;
    rec_.cpu_ns[t] = cpu;
  }

  void fail(std::string why) {
    std::lock_guard<rt::spin_lock> lk(error_lock_);
    if (rec_.error.empty()) rec_.error = std::move(why);
  }

  void wait_quiescent() {
    const auto deadline = clock::now() + std::chrono::seconds(30);
    while (in_flight_total_.load(std::memory_order_acquire) != 0) {
      if (clock::now() > deadline) {
        // Tasks that ignore cancellation for 30 s still reference this executor: give up loudly.
        std::fputs("execbench: tasks did not stop within 30 s of cancellation\n", stderr);
        std::abort();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (disk_fd_ >= 0) {
      ::close(disk_fd_);
      disk_fd_ = -1;
    }
  }

  void verify() {
    if (completed_.load() != n_) {
      fail("completed " + std::to_string(completed_.load()) + " of " + std::to_string(n_) +
           " tasks");
      return;
    }
    for (std::size_t t = 0; t < n_; ++t) {
      if (plan_.tasks()[t].work && rec_.checksum[t] != w_.expected_checksum(t)) {
        fail("task " + std::to_string(t) +
             ": checksum mismatch (a CPU kernel or a disk read "
             "returned a wrong result)");
        return;
      }
    }
    const auto& totals = plan_.totals();
    for (std::size_t l = 0; l < w_.lock_count(); ++l) {
      if (w_.lock(l).counter != totals.lock_acquisitions[l]) {
        fail("lock '" + plan_.spec().locks[l] + "': counter is " +
             std::to_string(w_.lock(l).counter) + ", expected " +
             std::to_string(totals.lock_acquisitions[l]) + " (lost updates)");
        return;
      }
    }
    if (w_.server() != nullptr) {
      const auto st = w_.server()->stats();
      if (st.requests != totals.tcp_exchanges || st.bytes_sent != totals.tcp_response_bytes ||
          st.bytes_received != totals.tcp_request_bytes) {
        fail("tcp: the server answered " + std::to_string(st.requests) + " requests (" +
             std::to_string(st.bytes_received) + " bytes in, " + std::to_string(st.bytes_sent) +
             " out), expected " + std::to_string(totals.tcp_exchanges) + " (" +
             std::to_string(totals.tcp_request_bytes) + " in, " +
             std::to_string(totals.tcp_response_bytes) + " out)");
      }
    }
  }

  // Open loop: release each arrival at its scheduled time, from a thread of its own, the same
  // way for every runtime (as requests arriving from a network would).
  void releaser_main() {
    std::unique_lock lk(control_mutex_);
    for (;;) {
      control_cv_.wait(lk, [this] { return releaser_go_ || quit_; });
      if (quit_) return;
      releaser_go_ = false;
      for (std::uint32_t t : arrivals_) {
        const auto at = start_ + std::chrono::nanoseconds(plan_.tasks()[t].arrival_ns);
        control_cv_.wait_until(lk, at, [this] { return aborting_.load() || quit_; });
        const bool aborted = aborting_.load() || quit_;
        lk.unlock();
        if (remaining_[t].fetch_sub(1, std::memory_order_acq_rel) == 1) {
          if (aborted) {
            count_completion();
          } else {
            make_ready(t);
          }
        }
        lk.lock();
      }
      releaser_done_ = true;
      control_cv_.notify_all();
    }
  }

  R& rt_;
  prepared_workload& w_;
  const plan& plan_;
  const std::size_t n_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> remaining_;
  std::vector<std::uint64_t> release_ns_;
  std::deque<group_state> groups_;
  run_record rec_;
  rt::spin_lock error_lock_;
  std::unique_ptr<rt::event> all_done_;
  std::atomic<std::size_t> completed_{0};
  std::atomic<std::size_t> in_flight_total_{0};
  std::atomic<bool> aborting_{false};
  clock::time_point start_;
  int disk_fd_ = -1;

  bool open_loop_ = false;
  std::vector<std::uint32_t> arrivals_;

  // Shared by the watchdog and the releaser, both threads of this executor's own.
  std::mutex control_mutex_;
  std::condition_variable control_cv_;
  bool quit_ = false;
  bool armed_ = false;
  clock::time_point deadline_;
  std::chrono::milliseconds limit_{0};
  bool releaser_go_ = false;
  bool releaser_done_ = true;
  std::thread releaser_;
  std::thread watchdog_;
};

}  // namespace execbench::workloads
