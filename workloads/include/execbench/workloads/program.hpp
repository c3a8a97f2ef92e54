// The step program: what one task of a plan does, written once for every runtime.
//
// step_program awaits only what the runtime contract provides (rt::runtime: sleep, readable,
// writable, cpu, blocking). On the async runtimes those awaits suspend; on the blocking ones
// they block the worker thread and complete at once: the same code is a coroutine program on
// the former and ordinary blocking code on the latter.
//   cpu      -> r.cpu(kernel): inline, or on loop_offload's pool; the time inside the kernel
//               counts as CPU, the rest of the await (queueing) as wait;
//   timer    -> r.sleep_until(step start + latency);
//   blocking -> r.blocking(sleep_for(latency)): a call that holds its thread;
//   tcp      -> a connection per task, opened at its first tcp step; tcp_advance, awaiting
//               r.readable / r.writable between calls;
//   disk     -> r.read_at where the runtime reads files asynchronously (traits.async_file_reads:
//               io_uring), else r.blocking(pread + checksum): regular files have no readiness;
//   lock     -> on runtimes whose waits block the thread, a std::mutex (the thread blocks on it,
//               as blocking code does); on the async ones an async_mutex (the task suspends; a
//               blocked thread would stall the loop or deadlock it against the holder). Inside:
//               read the counter, sleep hold_us, write it back plus one.
// Requires the runtime's headers (link execbench::runtime).
#pragma once

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <concepts>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

#include "execbench/runtime/runtime.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_context.hpp"
#include "execbench/workloads/disk.hpp"
#include "execbench/workloads/kernels.hpp"
#include "execbench/workloads/plan.hpp"
#include "execbench/workloads/run_state.hpp"
#include "execbench/workloads/tcp.hpp"

namespace execbench::workloads {

namespace program_detail {

using clock = std::chrono::steady_clock;

inline std::uint64_t ns_between(clock::time_point from, clock::time_point to) noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count());
}

inline std::uint64_t ns_since(clock::time_point t0) noexcept {
  return ns_between(t0, clock::now());
}

// Awaits an async_mutex; the lock is held when it resumes. The waiter is resumed through the
// scheduler of the task that waits, so it continues on its own runtime.
struct async_lock_awaiter : async_mutex::waiter {
  explicit async_lock_awaiter(async_mutex& m) noexcept : mutex(&m) {}
  async_mutex* mutex;

  bool await_ready() noexcept { return mutex->try_lock(); }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) noexcept {
    rt::task_context* ctx = rt::detail::context_of(h);
    handle = h;
    resumer = &ctx->sched();
    resume = [](async_mutex::waiter& w) noexcept {
      static_cast<rt::scheduler*>(w.resumer)->schedule(w.handle);
    };
    return mutex->lock_or_enqueue(*this);
  }
  void await_resume() const noexcept {}
};

struct async_unlock_on_exit {
  async_mutex& m;
  ~async_unlock_on_exit() { m.unlock(); }
};

// A task's connection to the loopback server, opened by its first tcp step and closed with the
// task. Held through a pointer: most tasks have no tcp step, and every byte of the step
// program's frame costs (see step_program).
struct tcp_connection {
  int fd = -1;
  tcp_exchange ex;
  tcp_connection() = default;
  tcp_connection(const tcp_connection&) = delete;
  tcp_connection& operator=(const tcp_connection&) = delete;
  ~tcp_connection() { tcp_close(fd); }
};

// What a step yields: its result, folded into the task's checksum for the kinds that have one
// (has_result, step_kinds.hpp), and the wall time spent inside a CPU kernel.
struct step_outcome {
  std::uint64_t result = 0;
  std::uint64_t in_kernel_ns = 0;
};

// The end of step s of task i, which began at t0: one clock read, returned as the next step's
// start. The step's time inside a CPU kernel counts as CPU, the rest of it as waiting (for a
// CPU step on loop_offload, its queueing for the pool). A plain function, so that none of this
// takes room in the step program's frame.
inline clock::time_point end_step(run_state& state, std::uint32_t i, const planned_step& s,
                                  clock::time_point t0, const step_outcome& o) noexcept {
  const auto end = clock::now();
  const std::uint64_t total = ns_between(t0, end);
  if (has_result(s.op)) state.add_result(i, o.result);
  state.add_step(i, o.in_kernel_ns, total > o.in_kernel_ns ? total - o.in_kernel_ns : 0);
  return end;
}

inline std::size_t step_count(const run_state& state, std::uint32_t i) noexcept {
  return state.the_plan().steps(state.the_plan().tasks()[i]).size();
}
inline const planned_step& step_at(const run_state& state, std::uint32_t i,
                                   std::size_t k) noexcept {
  return state.the_plan().steps(state.the_plan().tasks()[i])[k];
}

using kernels::thread_cpu_ns;

// The step kinds other than timers, each a coroutine of its own, all of one type: a frame holds
// a slot for every awaiter of its function, so with one await for all of them step_program's
// frame stays small (it is live for every waiting task: 10,000 of them in sleep_fanout), and a
// step's state exists only while it runs.

// A CPU kernel: its result and the wall time inside it; a sampled step
// (run_state::should_sample_kernel) also records the time its thread spent computing in it.
template <rt::runtime R>
rt::task<step_outcome> cpu_step(R& r, run_state& state, const planned_step& s) {
  const cpu_kernel k = kernel_of(s.op);
  const std::uint64_t n =
      kernels::iterations_for(k, std::chrono::nanoseconds(s.ns), state.fixtures().calibration());
  const std::uint64_t arg = s.arg;
  const bool sample = run_state::should_sample_kernel(s.ns);
  struct outcome {
    std::uint64_t result, wall_ns, thread_cpu_ns;
  };
  const outcome o = co_await r.cpu([k, n, arg, sample] {
    const std::uint64_t c0 = sample ? thread_cpu_ns() : 0;
    const auto k0 = clock::now();
    const std::uint64_t v = kernels::run(k, n, arg);
    const std::uint64_t wall = ns_since(k0);
    return outcome{v, wall, sample ? std::max<std::uint64_t>(1, thread_cpu_ns() - c0) : 0};
  });
  if (sample) {
    // The smaller of the wall time in the kernel (a cheap clock, exact unless the thread lost
    // its core meanwhile) and the thread's CPU time less the clock reads' median cost (right
    // when it lost its core, but off by the system calls' jitter, a microsecond or so here).
    const std::uint64_t cost = state.fixtures().cpu_clock_cost_ns();
    const std::uint64_t cpu = o.thread_cpu_ns > cost ? o.thread_cpu_ns - cost : 1;
    state.add_kernel_sample(s.ns, std::max<std::uint64_t>(1, std::min(o.wall_ns, cpu)));
  }
  co_return step_outcome{o.result, o.wall_ns};
}

template <rt::runtime R>
rt::task<step_outcome> blocking_step(R& r, const planned_step& s) {
  const auto d = std::chrono::nanoseconds(s.ns);
  co_await r.blocking([d] {
    std::this_thread::sleep_for(d);
    return 0;
  });
  co_return step_outcome{};
}

// One request and its response on the task's connection (opened by its first tcp step). A
// socket error is restated with the server's reason when the server stopped accepting
// connections (throw_if_server_failed): its client only sees the connection reset.
template <rt::runtime R>
rt::task<step_outcome> tcp_step(R& r, run_state& state, const planned_step& s,
                                std::unique_ptr<tcp_connection>& conn) {
  try {
    if (!conn) {
      conn = std::make_unique<tcp_connection>();
      conn->fd = tcp_connect(state.fixtures().tcp_port(), conn->ex);
    }
    tcp_exchange& ex = conn->ex;
    tcp_begin(ex, s.size, s.size2, static_cast<std::uint32_t>(s.ns / 1000));
    for (;;) {
      const io_wait w = tcp_advance(conn->fd, ex);
      if (w == io_wait::none) break;
      if (w == io_wait::readable)
        co_await r.readable(conn->fd);
      else
        co_await r.writable(conn->fd);
    }
  } catch (const std::system_error&) {
    throw_if_server_failed(state.fixtures().server());
    throw;
  }
  state.add_tcp(conn->ex.sent, conn->ex.received);
  co_return step_outcome{};
}

// Its result: the checksum of the bytes read.
template <rt::runtime R>
rt::task<step_outcome> disk_step(R& r, run_state& state, const planned_step& s) {
  const int fd = state.fixtures().disk_fd();
  const std::uint64_t offset = s.arg, bytes = s.size;
  std::uint64_t sum = 0;
  if constexpr (R::traits.async_file_reads) {
    // The runtime reads without holding a thread (io_uring): the bytes into a buffer of the
    // step's own, since other reads are in flight meanwhile.
    read_buffer buffer(static_cast<std::size_t>(bytes));
    for (std::uint64_t done = 0; done < bytes;) {
      const std::size_t n = co_await r.read_at(fd, buffer.data() + done,
                                               static_cast<std::size_t>(bytes - done), offset + done);
      if (n == 0) {
        throw std::system_error(EIO, std::generic_category(),
                                "disk read: file shorter than expected");
      }
      done += n;
    }
    sum = disk_checksum_of(buffer.data(), offset, static_cast<std::size_t>(bytes));
  } else {
    sum = co_await r.blocking(
        [fd, offset, bytes] { return disk_read_checksum(fd, offset, bytes); });
  }
  state.add_disk(bytes);
  co_return step_outcome{sum, 0};
}

template <rt::runtime R>
rt::task<step_outcome> lock_step(R& r, run_state& state, const planned_step& s) {
  workload_lock& l = state.lock(s.size2);
  const auto hold = std::chrono::nanoseconds(s.ns);
  if constexpr (rt::waits_block_thread<R>) {
    std::unique_lock<std::mutex> held(l.blocking);
    const std::uint64_t v = l.counter;
    if (hold.count() > 0) co_await r.sleep(hold);
    l.counter = v + 1;
  } else {
    co_await async_lock_awaiter(l.async);
    async_unlock_on_exit held{l.async};
    const std::uint64_t v = l.counter;
    if (hold.count() > 0) co_await r.sleep(hold);
    l.counter = v + 1;
  }
  co_return step_outcome{};
}

// The coroutine of a step that is not a timer (not itself a coroutine: no frame of its own).
// Every op has its case (no default), so that a kind added to step_kinds.hpp without its case
// here is a -Wswitch warning rather than a CPU step.
#define EXECBENCH_KERNEL_CASE(name, ...) case step_op::name:
template <rt::runtime R>
rt::task<step_outcome> other_step(R& r, run_state& state, const planned_step& s,
                                  std::unique_ptr<tcp_connection>& conn) {
  switch (s.op) {
    case step_op::blocking:
      return blocking_step(r, s);
    case step_op::tcp:
      return tcp_step(r, state, s, conn);
    case step_op::disk:
      return disk_step(r, state, s);
    case step_op::lock:
      return lock_step(r, state, s);
    case step_op::timer:  // step_program awaits timers itself: never here
      EXECBENCH_CPU_KERNELS(EXECBENCH_KERNEL_CASE)
      break;
  }
  return cpu_step(r, state, s);
}
#undef EXECBENCH_KERNEL_CASE

}  // namespace program_detail

// The step program itself: run the steps of task `index` of state's plan on runtime r, record
// its results in state (end_step after each step, finish_task at the end), then tell `ending`.
// Written once, it serves as two coroutine types (Coro): an awaited rt::task<void> (run_task
// below) and the runner's detached task (runner.hpp), which is then a single frame per task.
// `ending` provides
//   failed(): called inside the handler of the exception that ended the steps (a socket error,
//             cancellation): rethrow it to the awaiter, or record it; if it returns, the task
//             is finished at the current time, and not counted as done (its totals so far stay
//             in state);
//   ended(r, state, index, finish_ns): the task has finished (or failed) at finish_ns after
//             the start.
// Locks and sockets are released on the way out. Tree inner nodes (no steps) are not run here.
// Its frame is live for every waiting task (10,000 in sleep_fanout), and a burst of frames that
// outgrows the cache costs time (docs/measurements.md, "Figures behind code that was made
// smaller or lock-free"), so it is kept small: one await for every step kind but the timer,
// the tcp state behind a pointer, `ending` a single pointer and the task's totals kept in
// state rather than here.
template <class Coro, rt::runtime R, class Ending>
Coro step_program(R& r, run_state& state, std::uint32_t index, Ending ending) {
  using namespace program_detail;
  std::unique_ptr<tcp_connection> conn;
  bool failed = false;

  // One clock read per step boundary: the read that ends a step starts the next, and the last
  // one is the task's finish time (timers sleep until t0 + latency, with no read of their own).
  // The task's totals go straight to `state` (end_step), not into this frame.
  auto t0 = clock::now();
  try {
    for (std::uint32_t k = 0; k < step_count(state, index); ++k) {
      const planned_step& s = step_at(state, index, k);
      if (s.op == step_op::timer) {
        co_await r.sleep_until(t0 + std::chrono::nanoseconds(s.ns));
        t0 = end_step(state, index, s, t0, step_outcome{});
      } else {
        t0 = end_step(state, index, s, t0, co_await other_step(r, state, s, conn));
      }
    }
  } catch (...) {
    ending.failed();
    failed = true;
  }
  if (failed) {
    state.set_finish(index, state.ns_since_start(clock::now()));
  } else {
    state.finish_task(index, state.ns_since_start(t0));
  }
  ending.ended(r, state, index, state.finish_ns(index));
}

namespace program_detail {
// run_task's ending: errors go to the awaiter.
struct rethrow_to_awaiter {
  [[noreturn]] void failed() const { throw; }
  template <class R>
  void ended(R&, run_state&, std::uint32_t, std::uint64_t) const noexcept {}
};
}  // namespace program_detail

// The step program of task `index` as a task to await: its exceptions (a socket error,
// cancellation) propagate to the awaiter.
template <rt::runtime R>
rt::task<void> run_task(R& r, run_state& state, std::uint32_t index) {
  return step_program<rt::task<void>>(r, state, index, program_detail::rethrow_to_awaiter{});
}

}  // namespace execbench::workloads
