// event_loop: an asyncio-like single-threaded event loop for task<T> coroutines.
//
// One thread runs the loop (whichever thread calls run_until_complete / run_forever); tasks
// spawned on it run there, one step at a time. Each iteration, like asyncio's _run_once:
//   1. wait in the reactor for descriptor readiness, a cross-thread wake-up or the earliest
//      timer (polling instead of sleeping when that timer is nearer than poll_below);
//   2. move due timers and ready descriptors' waiters to the ready queue;
//   3. run every callback that was ready at the start of the drain (work they post waits for
//      the next iteration, so a task that keeps yielding cannot starve descriptors or timers).
//
// This header is the façade; the parts, one file each under execbench/runtime/loop/:
//   ready_queue.hpp       the work ready to run, and posts from other threads
//   timer_queue.hpp       pending timers (a FIFO for in-order deadlines, a heap for the rest)
//   wait_slot.hpp         the cancellable slot behind each timer and descriptor wait
//   reactor.hpp           the interface the loop waits in; epoll_reactor.hpp is the default
//   descriptor_table.hpp  who waits for which descriptor
//   sleep.hpp             sleep, sleep_until and yield
//   readiness.hpp         readable and writable
//   futures.hpp           gather (as a member) and wait_for
//   executor.hpp          run_in_executor (on an executor_pool.hpp, or the default one)
//   running.hpp           get_running_loop, and sleep, create_task, timeout, to_thread for code
//                         that does not carry the loop around
//
// Threads: schedule, post, call_soon, call_soon_threadsafe, call_later, call_at, stop,
// create_task and the cancellation of tasks work from any thread. The awaitables are for tasks on
// the loop. Statistics (lag_stats, slow_callback_count) are read
// while the loop is not running, or from its thread.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <source_location>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "execbench/runtime/loop/descriptor_table.hpp"
#include "execbench/runtime/loop/executor_pool.hpp"
#include "execbench/runtime/loop/lag_histogram.hpp"
#include "execbench/runtime/loop/reactor.hpp"
#include "execbench/runtime/loop/ready_queue.hpp"
#include "execbench/runtime/loop/timer_queue.hpp"
#include "execbench/runtime/loop/wait_slot.hpp"
#include "execbench/runtime/gather.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt {

class event_loop;

// Construction options, for tests and the curious.
struct event_loop_options {
  // Wait with epoll_wait + a timerfd even where epoll_pwait2 exists (the fallback path of the
  // default reactor).
  bool force_timerfd = false;
  // A timer due sooner than this is waited for by polling (checking descriptors and timers
  // without sleeping) rather than by sleeping: waking a sleeping thread takes the kernel about
  // the default's time on the machines this suite runs on (with the loop's timer slack at
  // 1 ns), so a shorter sleep ends late. Polls spend CPU for at most this long per wait. Zero:
  // always sleep.
  std::chrono::nanoseconds poll_below{std::chrono::microseconds(50)};
  // Makes the reactor the loop waits in; empty: an epoll_reactor (with force_timerfd).
  reactor_factory make_reactor;
};

namespace loop_detail {

// The loop whose thread this is, while it runs: lets posts from the loop thread skip the lock.
inline constinit thread_local event_loop* current_loop = nullptr;

template <class T>
using value_or_monostate_t = rt::value_or_monostate_t<T>;

}  // namespace loop_detail

// Handle on a call_later / call_at callback; cancel() keeps it from running. Must not outlive
// its loop. Cancelling is thread-safe.
class timer_handle {
 public:
  timer_handle() noexcept = default;
  // True when this call cancelled the callback (it had neither run nor been cancelled).
  bool cancel() noexcept;
  bool valid() const noexcept { return slot_ != nullptr || remote_ != nullptr; }

 private:
  friend class event_loop;
  timer_handle(event_loop* l, loop_detail::wait_slot* s, std::uint64_t gen) noexcept
      : loop_(l), slot_(s), gen_(gen) {}
  explicit timer_handle(std::shared_ptr<std::atomic<bool>> settled) noexcept
      : remote_(std::move(settled)) {}
  event_loop* loop_ = nullptr;
  loop_detail::wait_slot* slot_ = nullptr;
  std::uint64_t gen_ = 0;
  // A timer set from another thread while the loop runs: whether it has run or been cancelled
  // (the loop's thread arms it later; the first to settle it wins).
  std::shared_ptr<std::atomic<bool>> remote_;
};

class [[nodiscard]] sleep_awaiter;
class [[nodiscard]] yield_awaiter;
class [[nodiscard]] fd_awaiter;
class [[nodiscard]] file_read_awaiter;
template <class F>
class [[nodiscard]] executor_awaiter;

class event_loop : public scheduler {
 public:
  using clock = std::chrono::steady_clock;
  using duration = std::chrono::nanoseconds;

  event_loop() : event_loop(event_loop_options{}) {}
  explicit event_loop(event_loop_options options);
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;
  // With tasks still pending: drops queued work without resuming anything, then destroys every
  // pending task's frame (their join_handles report cancelled_error). Not while running.
  virtual ~event_loop();

  // ---- scheduler ----
  void schedule(std::coroutine_handle<> h) noexcept override { post_resume(h); }
  // Its tasks run on the loop's thread only (scheduler::confines_tasks): their waits are
  // registered without a lock, and a cancellation requested from another thread (a join
  // handle's cancel(), roots().cancel_all() from a watchdog) reaches them on the loop thread.
  bool on_task_thread() const noexcept override { return in_loop_thread(); }
  void deliver_cancels_later() noexcept override;

  // ---- running ----

  // Run the loop until `t` (spawned on this loop) completes; its value, or its exception.
  // Throws std::runtime_error if stop() ends the loop first (the task stays pending).
  template <class T>
  T run_until_complete(task<T> t,
                       std::source_location created = std::source_location::current()) {
    return run_until_complete(create_task(std::move(t), created));
  }
  template <class T>
  T run_until_complete(join_handle<T> h) {
    run_until([](const void* p) { return static_cast<const join_handle<T>*>(p)->done(); }, &h);
    if (!h.done()) throw std::runtime_error("event loop stopped before the task completed");
    return std::move(h).get();
  }
  // Run until stop() is called.
  void run_forever();
  // Make run_forever / run_until_complete return after the current iteration. Any thread;
  // returns at once. Called while the loop is not running, the next run does one iteration.
  void stop() noexcept;
  bool is_running() const noexcept { return running_.load(std::memory_order_acquire); }
  bool in_loop_thread() const noexcept { return loop_detail::current_loop == this; }
  // Graceful: cancel every pending task and run the loop until they have all ended. From outside
  // the loop; from a task on the loop it only requests the cancellations.
  void shutdown();

  // ---- tasks and callbacks ----

  // Start `t` on this loop (rt::spawn). Any thread. `created`: where, for debug mode.
  template <class T>
  join_handle<T> create_task(task<T> t,
                             std::source_location created = std::source_location::current()) {
    return spawn(*this, std::move(t), created);
  }

  // Run `f` in a later iteration. Any thread: from the loop thread no lock is taken.
  template <class F>
  void call_soon(F&& f) {
    if (in_loop_thread()) {
      ready_.push(std::forward<F>(f));
    } else {
      call_soon_threadsafe(std::forward<F>(f));
    }
  }
  template <class F>
  void post(F&& f) {
    call_soon(std::forward<F>(f));
  }
  // Run `f` in a later iteration; from any thread, waking the loop if it sleeps.
  template <class F>
  void call_soon_threadsafe(F&& f) {
    // Only the first post since the loop last drained has to announce itself: whoever set the
    // flag either is seen by the loop before it sleeps or wakes it.
    if (ready_.push_remote(std::forward<F>(f))) wake_if_sleeping();
  }
  // Resume `h` in a later iteration (what schedule does, without the virtual call).
  void post_resume(std::coroutine_handle<> h) noexcept {
    if (in_loop_thread()) {
      ready_.push_resume(h);
    } else {
      call_soon_threadsafe(h);
    }
  }

  // Run `f` once `delay` has passed (never earlier). Any thread: from another thread while the
  // loop runs, the loop's thread arms the timer soon after (the deadline is taken now).
  template <class F>
  timer_handle call_later(duration delay, F&& f) {
    return call_at_ns(deadline_after(delay), std::forward<F>(f));
  }
  template <class F>
  timer_handle call_at(clock::time_point when, F&& f) {
    return call_at_ns(std::chrono::duration_cast<duration>(when.time_since_epoch()).count(),
                      std::forward<F>(f));
  }
  clock::time_point time() const noexcept { return clock::now(); }

  // ---- awaitables (for tasks running on this loop) ----

  // Resume no earlier than `d` from now; d <= 0 yields. Cancellable. Any std::chrono duration
  // (sleep(250ms), sleep(0.25s)), rounded up to the nanosecond: never shorter than asked.
  sleep_awaiter sleep(duration d) noexcept;
  template <class Rep, class Period>
  sleep_awaiter sleep(std::chrono::duration<Rep, Period> d) noexcept;
  sleep_awaiter sleep_until(clock::time_point t) noexcept;
  // Let every other ready callback run first. A cancelled task sees cancelled_error here.
  yield_awaiter yield() noexcept;
  // Resume once the non-blocking descriptor is readable / writable (or has an error or hang-up).
  // Cancellable. One reader and one writer per descriptor at a time (else std::system_error
  // with EBUSY). A descriptor the reactor cannot watch (a regular file under epoll) counts as
  // always ready.
  fd_awaiter readable(int fd) noexcept;
  fd_awaiter writable(int fd) noexcept;
  // Before closing a descriptor that was waited on: forget it (no wait may be pending on it).
  void forget_fd(int fd) noexcept;
  // Read up to `size` bytes at `offset` of `fd` (as pread does); yields the count read (0 at the
  // end of the file) or throws std::system_error. On a reactor that runs reads itself
  // (io_uring), the task suspends while the kernel reads; on the others the loop's thread reads,
  // blocking the loop as a blocking call would. A read in flight is not cut short: a
  // cancellation reaches the task at its next await.
  file_read_awaiter read_at(int fd, void* buffer, std::size_t size, std::uint64_t offset) noexcept;

  // Run `fn()` on `pool`; the awaiting task resumes on this loop with its value or exception.
  // Cancelling the task resumes it at once (fn still runs to its end on the pool).
  template <class F>
  executor_awaiter<std::decay_t<F>> run_in_executor(executor_pool& pool, F&& fn);
  // The same on the loop's default executor (asyncio's run_in_executor(None, fn)).
  template <class F>
  executor_awaiter<std::decay_t<F>> run_in_executor(F&& fn) {
    return run_in_executor(default_executor(), std::forward<F>(fn));
  }
  // asyncio's default executor: a pool of min(32, cores + 4) threads (ThreadPoolExecutor's
  // default), started on first use, stopped (its jobs finished) when the loop is destroyed.
  // Any thread.
  executor_pool& default_executor();

  // Spawn every task on this loop, await them all, yield their values (std::monostate for void
  // tasks): rt::gather (gather.hpp), with asyncio's semantics.
  template <class... Ts>
  task<std::tuple<value_or_monostate_t<Ts>...>> gather(task<Ts>... ts);

  // asyncio.timeout: run `t` in the awaiting task; if it has not finished after `delay`, cancel
  // it (at its current await) and throw timeout_error once it has ended. A cancellation of the
  // task from outside stays a cancellation.
  template <class T>
  task<T> timeout(duration delay, task<T> t);

  // Await `t` (or the task of `h`) in the awaiting task; if it has not finished after `limit`,
  // cancel it, wait for it to end and throw timeout_error: timeout(limit, t).
  template <class T>
  task<T> wait_for(task<T> t, duration limit);
  template <class T>
  task<T> wait_for(join_handle<T> h, duration limit);

  // ---- debug mode and statistics ----

  // Debug mode times every callback and task step and reports those that held the loop longer
  // than slow_callback_duration() (asyncio's slow_callback_duration, 100 ms by default).
  void set_debug(bool on) noexcept { debug_ = on; }
  bool debug() const noexcept { return debug_; }
  void set_slow_callback_duration(duration d) noexcept { slow_threshold_ = d; }
  duration slow_callback_duration() const noexcept { return slow_threshold_; }
  // Called (on the loop thread) for each slow callback; the default writes one line to stderr.
  void set_slow_callback_handler(std::function<void(const slow_callback_info&)> handler);
  std::uint64_t slow_callback_count() const noexcept { return slow_count_; }

  // Called (on the loop thread) with the exception a plain callback threw; the default writes
  // one line to stderr. The loop carries on.
  void set_exception_handler(std::function<void(std::exception_ptr)> handler);

  // Loop lag: how late each timer fired past its deadline (always recorded, in a preallocated
  // histogram).
  lag_summary lag_stats() const noexcept { return lag_.summary(); }
  const lag_histogram& lag() const noexcept { return lag_; }
  void reset_lag_stats() noexcept { lag_.reset(); }

  // Timers still pending and not cancelled.
  std::size_t pending_timers() const noexcept { return timers_.pending(); }

  // The reactor the loop waits in (its name() tells which).
  const reactor& loop_reactor() const noexcept { return *reactor_; }

 private:
  friend class timer_handle;
  friend class sleep_awaiter;
  friend class fd_awaiter;
  friend class file_read_awaiter;

  static std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<duration>(clock::now().time_since_epoch()).count();
  }
  static std::int64_t deadline_after(duration d) noexcept {
    const std::int64_t now = now_ns();
    const std::int64_t delay = d.count() < 0 ? 0 : d.count();
    return delay > INT64_MAX - now ? INT64_MAX : now + delay;
  }

  template <class F>
  timer_handle call_at_ns(std::int64_t deadline, F&& f) {
    if (is_running() && !in_loop_thread()) return call_at_remote(deadline, std::forward<F>(f));
    return arm_at_ns(deadline, std::forward<F>(f));
  }

  // On the loop's thread (or while it is not running).
  template <class F>
  timer_handle arm_at_ns(std::int64_t deadline, F&& f) {
    loop_detail::wait_slot* s = slots_.alloc();
    try {
      s->callback.emplace(std::forward<F>(f));
    } catch (...) {
      slots_.free(s);
      throw;
    }
    timers_.add(deadline, s);
    return timer_handle(this, s, s->generation());
  }

  // From another thread: the loop's thread arms the timer; the handle cancels it through a flag
  // the callback checks.
  template <class F>
  timer_handle call_at_remote(std::int64_t deadline, F&& f) {
    auto settled = std::make_shared<std::atomic<bool>>(false);
    auto fn = std::make_shared<std::decay_t<F>>(std::forward<F>(f));
    call_soon_threadsafe([this, deadline, settled, fn] {
      (void)arm_at_ns(deadline, [settled, fn] {
        if (!settled->exchange(true, std::memory_order_acq_rel)) (*fn)();
      });
    });
    return timer_handle(std::move(settled));
  }

  // A timer that resumes `h`; returns its slot (armed).
  loop_detail::wait_slot* arm_resume_timer(std::int64_t deadline, std::coroutine_handle<> h) {
    loop_detail::wait_slot* s = slots_.alloc();
    s->loop_thread_only = true;  // the awaiting task's cancellation is delivered on this thread
    s->callback.emplace_resume(h);
    timers_.add(deadline, s);
    return s;
  }
  void note_cancelled_timer() noexcept { timers_.note_cancelled(); }

  void run_until(bool (*done)(const void*), const void* arg);
  void run_once();
  void wait_in_reactor(std::int64_t timeout_ns, std::int64_t deadline_ns);
  void wake_if_sleeping() noexcept;
  void discard_pending_work() noexcept;

  // ---- loop-thread state ----
  std::unique_ptr<reactor> reactor_;
  loop_detail::ready_queue ready_;  // its remote half is shared with other threads
  loop_detail::slot_pool slots_;
  loop_detail::timer_queue timers_;
  loop_detail::descriptor_table descriptors_;
  std::size_t operations_ = 0;  // reactor operations started and not yet reported
  bool debug_ = false;
  duration slow_threshold_ = std::chrono::milliseconds(100);
  std::uint64_t slow_count_ = 0;
  std::function<void(const slow_callback_info&)> slow_handler_;
  std::function<void(std::exception_ptr)> exception_handler_;
  lag_histogram lag_;
  std::int64_t poll_below_ns_ = 0;  // event_loop_options::poll_below

  // ---- shared with other threads ----
  std::atomic<bool> sleeping_{false};  // the loop may be blocked in the reactor
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> running_{false};
  std::atomic<bool> cancel_delivery_posted_{false};  // deliver_cancels_later's callback is queued

  std::once_flag default_executor_started_;
  std::unique_ptr<executor_pool> default_executor_;  // stopped first when the loop goes
};

}  // namespace execbench::rt

// The awaitables, one part each; they need the complete event_loop above.
#include "execbench/runtime/loop/executor.hpp"
#include "execbench/runtime/loop/file_read.hpp"
#include "execbench/runtime/loop/futures.hpp"
#include "execbench/runtime/loop/readiness.hpp"
#include "execbench/runtime/loop/running.hpp"
#include "execbench/runtime/loop/sleep.hpp"
