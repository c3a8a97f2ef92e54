// What a runtime is, declared by the runtime itself: `static constexpr runtime_traits traits`
// in its class, checked by the rt::runtime concept (runtime.hpp). The bench, the workload
// catalogue and the tests read these facts; none of them asks for a runtime by its name.
#pragma once

#include <concepts>
#include <cstddef>
#include <string>

namespace execbench::rt {

// How a runtime spends its threads: where a CPU step, a blocking call and a wait (a sleep, a
// socket's readiness) run.
enum class thread_model {
  single_loop,   // one thread, the loop: CPU steps and blocking calls run on it; waits suspend
  offload_loop,  // waits suspend on the loop; CPU steps and blocking calls go to a pool of N
  async_pool,    // N threads; waits suspend; CPU steps and blocking calls hold one of the N
  blocking,      // N threads; every wait, CPU step and blocking call holds one of the N
};

// What one task costs the runtime to schedule, for the bench's estimate of how long a row
// takes (rows estimated over the budget stay out of the default run). Rough on purpose: it
// sorts rows into "seconds" and "minutes", it is not a figure anyone reads.
struct task_cost {
  // Per task, spread over the machine's cores (a queue push and pop, a frame).
  double per_task_us = 2.0;
  // Per task that does work, spread over the runtime's workers (a thread start and join).
  double per_working_task_us = 0;
  // Per task, a floor no number of workers lowers (thread starts do not overlap each other).
  double serial_per_task_us = 0;
};

struct runtime_traits {
  thread_model threads = thread_model::blocking;
  // The number of threads the runtime has whatever its constructor is given (the loop: 1);
  // 0 when it has the number it is given. A row at another count would measure the same
  // runtime under a false name, so the bench registers none.
  std::size_t fixed_workers = 0;
  // Whether it records how late its timers fire: lag_stats() and reset_lag_stats() (the
  // concept requires them when this is true); the timer rows report loop_lag_p99_us.
  bool records_loop_lag = false;
  // Whether every post(f) starts a thread of its own: the post_* primitives (a million posts
  // an iteration) are too slow to run by default.
  bool thread_per_post = false;
  // Whether file reads go to the kernel without holding a thread (io_uring): the concept then
  // requires read_at(fd, buffer, size, offset), an awaitable yielding the bytes read, and the
  // disk step awaits it instead of a blocking call.
  bool async_file_reads = false;
  task_cost cost{};
};

// Whether R's waits (sleeps, descriptor waits) hold one of its threads for their whole
// duration, rather than suspend the task.
template <class R>
inline constexpr bool waits_block_thread = R::traits.threads == thread_model::blocking;

// Whether R runs CPU steps and blocking calls on a pool apart from the thread that awaits them.
template <class R>
inline constexpr bool offloads = R::traits.threads == thread_model::offload_loop;

// Why runtime R cannot run on this machine (its static unavailable_reason(), for a runtime that
// depends on something the kernel may refuse, as io_uring), or "" when it can. The bench
// registers no rows for an unavailable runtime and says why; the typed suite skips it.
template <class R>
std::string unavailable_reason() {
  if constexpr (requires { { R::unavailable_reason() } -> std::convertible_to<std::string>; }) {
    return R::unavailable_reason();
  } else {
    return {};
  }
}

// Whether R has exactly one thread whatever it is given.
template <class R>
inline constexpr bool has_one_thread = R::traits.fixed_workers == 1;

}  // namespace execbench::rt
