// event_loop: an asyncio-like single-threaded event loop for task<T> coroutines.
//
// One thread runs the loop (whichever thread calls run_until_complete / run_forever); tasks
// spawned on it run there, one step at a time. Each iteration, like asyncio's _run_once:
//   1. wait in epoll for descriptor readiness, a cross-thread wake-up (eventfd) or the earliest
//      timer (nanosecond timeout with epoll_pwait2, a timerfd where the kernel lacks it);
//   2. move due timers and ready descriptors' waiters to the ready queue;
//   3. run every callback that was ready at the start of the drain (work they post waits for
//      the next iteration, so a task that keeps yielding cannot starve descriptors or timers).
// Work posted from the loop thread takes no lock; other threads post into a mutex-guarded
// queue and write the eventfd only when the loop may be asleep.
//
// Threads: schedule, post, call_soon, call_soon_threadsafe, stop, create_task and the
// cancellation of tasks work from any thread. call_later / call_at and the awaitables are for the
// loop thread (or before the loop runs). Statistics (lag_stats, slow_callback_count) are read
// while the loop is not running, or from its thread.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "execbench/runtime/loop/callback_queue.hpp"
#include "execbench/runtime/loop/executor_pool.hpp"
#include "execbench/runtime/loop/lag_histogram.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/spin_lock.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt {

class event_loop;

// Thrown by wait_for when its task did not finish in time (the task was cancelled and awaited).
class timeout_error : public std::runtime_error {
 public:
  timeout_error() : std::runtime_error("operation timed out") {}
};

// What the debug mode reports about one callback or task step that held the loop too long.
struct slow_callback_info {
  std::chrono::nanoseconds duration{0};
  std::chrono::nanoseconds threshold{0};
  bool task_step = false;  // a coroutine resumption rather than a plain callback
};

// Construction options, for tests and the curious.
struct event_loop_options {
  // Wait with epoll_wait + a timerfd even where epoll_pwait2 exists (the fallback path).
  bool force_timerfd = false;
  // A timer due sooner than this is waited for by polling (checking descriptors and timers
  // without sleeping) rather than by sleeping: the kernel takes about that long to wake a
  // sleeping thread (about 60 us on the 2-core VMs this suite runs on, with the loop's timer slack
  // at 1 ns), so a shorter sleep ends late. Polls spend CPU for at most this long per wait.
  // Zero: always sleep.
  std::chrono::nanoseconds poll_below{std::chrono::microseconds(50)};
};

namespace loop_detail {

// The loop whose thread this is, while it runs: lets posts from the loop thread skip the lock.
inline constinit thread_local event_loop* current_loop = nullptr;

// A wait_slot's state word: a generation count above two status bits, so that a late cancel
// naming an old generation fails instead of touching the slot's next use.
enum slot_status : std::uint64_t {
  slot_free = 0,
  slot_armed = 1,
  slot_fired = 2,
  slot_cancelled = 3
};

// One pending timer or descriptor wait. Slots live in blocks owned by the loop that never
// move, so another thread may cancel one through a pointer while the loop keeps running.
struct wait_slot {
  std::atomic<std::uint64_t> state{0};
  callback_item callback;  // what runs when it fires (resumes a coroutine for awaitables)
  wait_slot* next_free = nullptr;
  // Only the loop's thread changes its state: a task's own timer, whose cancellation reaches
  // it on that thread (the loop confines its tasks). A timer_handle's slot may be cancelled
  // from any thread.
  bool loop_thread_only = false;

  std::uint64_t generation() const noexcept { return state.load(std::memory_order_relaxed) >> 2; }
  bool transition(std::uint64_t gen, slot_status from, slot_status to) noexcept {
    std::uint64_t expected = (gen << 2) | from;
    return state.compare_exchange_strong(expected, (gen << 2) | to, std::memory_order_acq_rel,
                                         std::memory_order_relaxed);
  }
  // Armed to fired, by the loop: false when it was cancelled. Without a locked instruction
  // when no other thread can change the state meanwhile. (A stale timer_handle of an earlier
  // use of the slot may still try: its generation is older, so its compare-and-swap fails
  // without writing.)
  bool fire() noexcept {
    if (!loop_thread_only) return transition(generation(), slot_armed, slot_fired);
    const std::uint64_t current = state.load(std::memory_order_relaxed);
    if ((current & 3) != slot_armed) return false;
    state.store((current & ~std::uint64_t{3}) | slot_fired, std::memory_order_relaxed);
    return true;
  }
};

struct timer_entry {
  std::int64_t deadline;  // steady_clock nanoseconds
  std::uint64_t seq;      // insertion order: equal deadlines fire in order
  wait_slot* slot;
};
inline bool fires_before(const timer_entry& a, const timer_entry& b) noexcept {
  return a.deadline != b.deadline ? a.deadline < b.deadline : a.seq < b.seq;
}

// Readiness waits on one descriptor (at most one reader and one writer, as in asyncio).
struct fd_state {
  int fd = -1;
  bool registered = false;  // in the epoll set
  wait_slot* reader = nullptr;
  std::uint64_t reader_gen = 0;
  wait_slot* writer = nullptr;
  std::uint64_t writer_gen = 0;
};

template <class T>
using value_or_monostate_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// Awaiting this yields the context of the awaiting task (nullptr outside a spawned task).
struct current_context {
  task_context* ctx = nullptr;
  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) noexcept {
    ctx = detail::context_of(h);
    return false;
  }
  task_context* await_resume() const noexcept { return ctx; }
};

}  // namespace loop_detail

// Handle on a call_later / call_at callback; cancel() keeps it from running. Must not outlive
// its loop. Cancelling is thread-safe.
class timer_handle {
 public:
  timer_handle() noexcept = default;
  // True when this call cancelled the callback (it had neither run nor been cancelled).
  bool cancel() noexcept;
  bool valid() const noexcept { return slot_ != nullptr; }

 private:
  friend class event_loop;
  timer_handle(event_loop* l, loop_detail::wait_slot* s, std::uint64_t gen) noexcept
      : loop_(l), slot_(s), gen_(gen) {}
  event_loop* loop_ = nullptr;
  loop_detail::wait_slot* slot_ = nullptr;
  std::uint64_t gen_ = 0;
};

class sleep_awaiter;
class yield_awaiter;
class fd_awaiter;
template <class F>
class executor_awaiter;

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
  T run_until_complete(task<T> t) {
    return run_until_complete(create_task(std::move(t)));
  }
  template <class T>
  T run_until_complete(join_handle<T> h) {
    run_until([](const void* p) { return static_cast<const join_handle<T>*>(p)->done(); }, &h);
    if (!h.done()) throw std::runtime_error("event loop stopped before the task completed");
    return h.get();
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

  // Start `t` on this loop (rt::spawn). Any thread.
  template <class T>
  join_handle<T> create_task(task<T> t) {
    return spawn(*this, std::move(t));
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
    bool first = false;
    {
      std::lock_guard<std::mutex> lock(remote_mutex_);
      remote_.push(std::forward<F>(f));
      // Only the first post since the loop last drained has to announce itself: whoever set
      // the flag either is seen by the loop before it sleeps or wakes it.
      first = !remote_pending_.load(std::memory_order_relaxed);
      if (first) remote_pending_.store(true, std::memory_order_seq_cst);
    }
    if (first) wake_if_sleeping();
  }
  // Resume `h` in a later iteration (what schedule does, without the virtual call).
  void post_resume(std::coroutine_handle<> h) noexcept {
    if (in_loop_thread()) {
      ready_.push_resume(h);
    } else {
      call_soon_threadsafe(h);
    }
  }

  // Run `f` once `delay` has passed (never earlier). Loop thread, or while it is not running.
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

  // Resume no earlier than `d` from now; d <= 0 yields. Cancellable.
  sleep_awaiter sleep(duration d) noexcept;
  sleep_awaiter sleep_until(clock::time_point t) noexcept;
  // Let every other ready callback run first. A cancelled task sees cancelled_error here.
  yield_awaiter yield() noexcept;
  // Resume once the non-blocking descriptor is readable / writable (or has an error or hang-up).
  // Cancellable. One reader and one writer per descriptor at a time (else std::system_error
  // with EBUSY). A descriptor epoll cannot watch (a regular file) counts as always ready.
  fd_awaiter readable(int fd) noexcept;
  fd_awaiter writable(int fd) noexcept;
  // Before closing a descriptor that was waited on: forget it (no wait may be pending on it).
  void forget_fd(int fd) noexcept;

  // Run `fn()` on `pool`; the awaiting task resumes on this loop with its value or exception.
  // Cancelling the task resumes it at once (fn still runs to its end on the pool).
  template <class F>
  executor_awaiter<std::decay_t<F>> run_in_executor(executor_pool& pool, F&& fn);

  // Spawn every task, await them all, yield their values (std::monostate for void tasks). On the
  // first failure the others are cancelled and awaited, then it is rethrown: no child outlives
  // the gather.
  template <class... Ts>
  task<std::tuple<loop_detail::value_or_monostate_t<Ts>...>> gather(task<Ts>... ts);

  // Await `t`; if it has not finished after `timeout`, cancel it, wait for it to end and throw
  // timeout_error.
  template <class T>
  task<T> wait_for(task<T> t, duration timeout);
  template <class T>
  task<T> wait_for(join_handle<T> h, duration timeout);

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
  std::size_t pending_timers() const noexcept {
    const std::size_t cancelled = cancelled_timers_.load(std::memory_order_relaxed);
    const std::size_t entries = timer_entries();
    return entries > cancelled ? entries - cancelled : 0;
  }

 private:
  friend class timer_handle;
  friend class sleep_awaiter;
  friend class fd_awaiter;

  // Timer entries, cancelled ones included until their deadline passes or they are purged.
  std::size_t timer_entries() const noexcept {
    return timer_heap_.size() + (timer_fifo_.size() - fifo_head_);
  }
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
    check_timer_thread();
    loop_detail::wait_slot* s = alloc_slot();
    try {
      s->callback.emplace(std::forward<F>(f));
    } catch (...) {
      free_slot(s);
      throw;
    }
    add_timer(deadline, s);
    return timer_handle(this, s, s->generation());
  }

  // A timer that resumes `h`; returns its slot (armed).
  loop_detail::wait_slot* arm_resume_timer(std::int64_t deadline, std::coroutine_handle<> h) {
    loop_detail::wait_slot* s = alloc_slot();
    s->loop_thread_only = true;  // the awaiting task's cancellation is delivered on this thread
    s->callback.emplace_resume(h);
    add_timer(deadline, s);
    return s;
  }

  loop_detail::wait_slot* alloc_slot() {
    if (free_slots_ == nullptr) grow_slots();
    loop_detail::wait_slot* s = free_slots_;
    free_slots_ = s->next_free;
    s->state.store((s->generation() << 2) | loop_detail::slot_armed, std::memory_order_relaxed);
    s->loop_thread_only = false;
    return s;
  }
  void free_slot(loop_detail::wait_slot* s) noexcept {
    s->state.store(((s->generation() + 1) << 2) | loop_detail::slot_free,
                   std::memory_order_release);
    s->next_free = free_slots_;
    free_slots_ = s;
  }
  void grow_slots();

  void add_timer(std::int64_t deadline, loop_detail::wait_slot* s) {
    const loop_detail::timer_entry e{deadline, timer_seq_++, s};
    // Timers of one duration arrive in deadline order: they queue in O(1), the rest go to
    // the heap.
    if (fifo_head_ == timer_fifo_.size()) {
      timer_fifo_.clear();
      fifo_head_ = 0;
      timer_fifo_.push_back(e);
    } else if (deadline >= timer_fifo_.back().deadline) {
      timer_fifo_.push_back(e);
    } else {
      timer_heap_.push_back(e);
      std::push_heap(timer_heap_.begin(), timer_heap_.end(), heap_order{});
    }
  }
  struct heap_order {
    bool operator()(const loop_detail::timer_entry& a,
                    const loop_detail::timer_entry& b) const noexcept {
      return loop_detail::fires_before(b, a);
    }
  };
  void note_cancelled_timer() noexcept {
    cancelled_timers_.fetch_add(1, std::memory_order_relaxed);
  }

  void check_timer_thread() const;
  void run_until(bool (*done)(const void*), const void* arg);
  void run_once();
  void poll(std::int64_t timeout_ns, std::int64_t deadline_ns);
  void fire_due_timers();
  void purge_cancelled_timers();
  void run_ready();
  void run_ready_debug();
  void drain_remote();
  void wake_if_sleeping() noexcept;
  void report_exception(std::exception_ptr e) noexcept;
  void discard_pending_work() noexcept;

  // descriptor waits (loop thread)
  int arm_fd_wait(int fd, bool write, std::coroutine_handle<> h, loop_detail::fd_state*& st,
                  loop_detail::wait_slot*& slot, std::uint64_t& gen);
  void release_fd_wait(loop_detail::fd_state* st, bool write, loop_detail::wait_slot* slot,
                       std::uint64_t gen) noexcept;
  void dispatch_fd(loop_detail::fd_state* st, std::uint32_t revents);
  int update_interest(loop_detail::fd_state* st) noexcept;

  // ---- loop-thread state ----
  loop_detail::callback_queue ready_;     // posted during this iteration
  loop_detail::callback_queue draining_;  // being run now
  std::vector<loop_detail::timer_entry> timer_heap_;
  std::vector<loop_detail::timer_entry> timer_fifo_;
  std::size_t fifo_head_ = 0;
  std::uint64_t timer_seq_ = 0;
  std::vector<std::unique_ptr<loop_detail::wait_slot[]>> slot_blocks_;
  loop_detail::wait_slot* free_slots_ = nullptr;
  std::unordered_map<int, std::unique_ptr<loop_detail::fd_state>> fds_;
  std::size_t fd_waits_ = 0;  // armed descriptor waits: the loop polls each iteration while > 0
  bool debug_ = false;
  duration slow_threshold_ = std::chrono::milliseconds(100);
  std::uint64_t slow_count_ = 0;
  std::function<void(const slow_callback_info&)> slow_handler_;
  std::function<void(std::exception_ptr)> exception_handler_;
  lag_histogram lag_;

  // ---- shared with other threads ----
  std::mutex remote_mutex_;
  loop_detail::callback_queue remote_;  // guarded by remote_mutex_
  std::atomic<bool> remote_pending_{false};
  std::atomic<bool> sleeping_{false};        // the loop may be blocked in epoll
  std::atomic<bool> wake_signalled_{false};  // the eventfd was written and not yet read
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> running_{false};
  std::atomic<std::size_t> cancelled_timers_{0};
  std::atomic<bool> cancel_delivery_posted_{false};  // deliver_cancels_later's callback is queued

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int timer_fd_ = -1;  // only when epoll_pwait2 is unavailable
  bool use_timerfd_ = false;
  std::int64_t poll_below_ns_ = 0;  // event_loop_options::poll_below
};

// ---- awaitables ----

// co_await loop.sleep(d): resumes no earlier than d later; co_await loop.sleep_until(t): no
// earlier than t. Cancellable.
class sleep_awaiter final : public cancellable_wait {
 public:
  sleep_awaiter(event_loop& l, event_loop::duration d) noexcept
      : loop_(&l), delay_(d), deadline_(-1) {}
  sleep_awaiter(event_loop& l, event_loop::clock::time_point t) noexcept
      : loop_(&l),
        delay_(1),
        deadline_(std::max<std::int64_t>(
            0, std::chrono::duration_cast<event_loop::duration>(t.time_since_epoch()).count())) {}
  sleep_awaiter(const sleep_awaiter&) = delete;
  sleep_awaiter& operator=(const sleep_awaiter&) = delete;

  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    ctx_ = detail::context_of(h);
    if (delay_.count() <= 0) {
      if (ctx_ != nullptr && ctx_->cancel_requested()) return false;
      loop_->post_resume(h);
      return true;
    }
    handle_ = h;
    // Armed before registering, so that a cancel arriving in between finds the slot.
    slot_ =
        loop_->arm_resume_timer(deadline_ >= 0 ? deadline_ : event_loop::deadline_after(delay_), h);
    gen_ = slot_->generation();
    if (ctx_ != nullptr && !ctx_->begin_wait(this)) {
      if (slot_->transition(gen_, loop_detail::slot_armed, loop_detail::slot_cancelled)) {
        loop_->note_cancelled_timer();
      }
      return false;
    }
    return true;
  }
  void cancel_wait() noexcept override {
    if (slot_ != nullptr &&
        slot_->transition(gen_, loop_detail::slot_armed, loop_detail::slot_cancelled)) {
      loop_->note_cancelled_timer();
      loop_->post_resume(handle_);
    }
  }
  void await_resume() {
    if (ctx_ == nullptr) return;
    ctx_->end_wait(this);
    ctx_->throw_if_cancelled();
  }

 private:
  event_loop* loop_;
  event_loop::duration delay_;  // used when deadline_ < 0
  std::int64_t deadline_;       // steady_clock nanoseconds, or -1
  task_context* ctx_ = nullptr;
  std::coroutine_handle<> handle_;
  loop_detail::wait_slot* slot_ = nullptr;
  std::uint64_t gen_ = 0;
};

// co_await loop.yield(): every other ready callback runs first.
class yield_awaiter {
 public:
  explicit yield_awaiter(event_loop& l) noexcept : loop_(&l) {}
  bool await_ready() const noexcept { return false; }
  template <class Promise>
  void await_suspend(std::coroutine_handle<Promise> h) noexcept {
    ctx_ = detail::context_of(h);
    loop_->post_resume(h);
  }
  void await_resume() const {
    if (ctx_ != nullptr) ctx_->throw_if_cancelled();
  }

 private:
  event_loop* loop_;
  task_context* ctx_ = nullptr;
};

// co_await loop.readable(fd) / loop.writable(fd); cancellable.
class fd_awaiter final : public cancellable_wait {
 public:
  fd_awaiter(event_loop& l, int fd, bool write) noexcept : loop_(&l), fd_(fd), write_(write) {}
  fd_awaiter(const fd_awaiter&) = delete;
  fd_awaiter& operator=(const fd_awaiter&) = delete;

  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    ctx_ = detail::context_of(h);
    handle_ = h;
    if (ctx_ != nullptr && ctx_->cancel_requested()) return false;
    error_ = loop_->arm_fd_wait(fd_, write_, h, state_, slot_, gen_);
    if (error_ != 0) {
      if (error_ == EPERM) error_ = 0;  // not pollable (a regular file): always ready
      return false;
    }
    if (ctx_ != nullptr && !ctx_->begin_wait(this)) {
      slot_->transition(gen_, loop_detail::slot_armed, loop_detail::slot_cancelled);
      loop_->release_fd_wait(state_, write_, slot_, gen_);
      return false;
    }
    return true;
  }
  void cancel_wait() noexcept override;
  void await_resume() {
    if (ctx_ != nullptr) {
      ctx_->end_wait(this);
      ctx_->throw_if_cancelled();
    }
    if (error_ != 0) {
      throw std::system_error(error_, std::generic_category(),
                              write_ ? "event_loop::writable" : "event_loop::readable");
    }
  }

 private:
  event_loop* loop_;
  int fd_;
  bool write_;
  int error_ = 0;
  task_context* ctx_ = nullptr;
  std::coroutine_handle<> handle_;
  loop_detail::fd_state* state_ = nullptr;
  loop_detail::wait_slot* slot_ = nullptr;
  std::uint64_t gen_ = 0;
};

// co_await loop.run_in_executor(pool, fn): fn runs on the pool, the task resumes on the loop.
template <class F>
class executor_awaiter final : public cancellable_wait {
  using result_type = std::invoke_result_t<F&>;
  using stored_type = loop_detail::value_or_monostate_t<result_type>;
  enum status { pending, done, cancelled, abandoned };

  // Shared by the awaiter and the job: the job may outlive the awaiting frame.
  struct operation {
    explicit operation(F f) : fn(std::move(f)) {}
    F fn;
    event_loop* loop = nullptr;
    std::coroutine_handle<> waiter;
    spin_lock lock;
    status state = pending;  // guarded by lock
    std::optional<stored_type> value;
    std::exception_ptr error;

    void run() noexcept {
      {
        // A job whose awaiter was cancelled before it started is dropped, as asyncio cancels a
        // pending executor future: its task has moved on.
        std::lock_guard<spin_lock> guard(lock);
        if (state != pending) return;
      }
      try {
        if constexpr (std::is_void_v<result_type>) {
          fn();
          value.emplace();
        } else {
          value.emplace(fn());
        }
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard<spin_lock> guard(lock);
      if (state == pending) {
        state = done;
        loop->schedule(waiter);
      }
    }
  };

 public:
  executor_awaiter(event_loop& l, executor_pool& pool, F fn)
      : op_(std::make_shared<operation>(std::move(fn))), pool_(&pool) {
    op_->loop = &l;
  }
  executor_awaiter(const executor_awaiter&) = delete;
  executor_awaiter& operator=(const executor_awaiter&) = delete;
  ~executor_awaiter() {
    // The frame is destroyed while the job may still finish: it must not resume it.
    if (!op_) return;
    std::lock_guard<spin_lock> guard(op_->lock);
    if (op_->state == pending) op_->state = abandoned;
  }

  bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    ctx_ = detail::context_of(h);
    op_->waiter = h;
    if (ctx_ != nullptr && !ctx_->begin_wait(this)) {
      op_->state = cancelled;  // never submitted: no other thread sees op_ yet
      return false;
    }
    try {
      pool_->submit([op = op_]() noexcept { op->run(); });
    } catch (...) {
      op_->state = done;
      op_->error = std::current_exception();
      return false;
    }
    return true;
  }
  void cancel_wait() noexcept override {
    std::lock_guard<spin_lock> guard(op_->lock);
    if (op_->state == pending) {
      op_->state = cancelled;
      op_->loop->schedule(op_->waiter);
    }
  }
  result_type await_resume() {
    if (ctx_ != nullptr) ctx_->end_wait(this);
    status s;
    {
      std::lock_guard<spin_lock> guard(op_->lock);
      s = op_->state;
    }
    if (s == cancelled) throw cancelled_error{};
    if (ctx_ != nullptr) ctx_->throw_if_cancelled();
    if (op_->error) std::rethrow_exception(op_->error);
    if constexpr (!std::is_void_v<result_type>) return std::move(*op_->value);
  }

 private:
  std::shared_ptr<operation> op_;
  executor_pool* pool_;
  task_context* ctx_ = nullptr;
};

// ---- gather over join handles ----

namespace loop_detail {

template <class T, class CancelAll>
task<void> gather_one(join_handle<T>& h, std::optional<value_or_monostate_t<T>>& out,
                      std::exception_ptr& first_error, const CancelAll& cancel_all) {
  if (first_error) h.cancel();
  try {
    if constexpr (std::is_void_v<T>) {
      co_await h;
      out.emplace();
    } else {
      out.emplace(co_await h);
    }
  } catch (...) {
    if (!first_error) {
      first_error = std::current_exception();
      cancel_all();
    }
  }
}

// Run the steps side by side, as tasks spawned on the awaiting task's scheduler (so that the
// first failure is seen when it happens, not when its turn comes), and await them all.
template <class Steps>
task<void> run_side_by_side(Steps& steps) {
  task_context* self = co_await current_context{};
  if (self == nullptr) {  // not in a spawned task: one after the other
    for (auto& step : steps) co_await std::move(step);
    co_return;
  }
  std::vector<join_handle<void>> watchers;
  watchers.reserve(steps.size());
  for (auto& step : steps) watchers.push_back(spawn(self->sched(), std::move(step)));
  for (auto& w : watchers) co_await w;  // gather_one never throws
}

}  // namespace loop_detail

// Await every handle; their values (std::monostate for void). On the first failure cancel the
// others, await them all, then rethrow it: no child outlives the gather. Cancelling the
// gathering task cancels every child.
template <class... Ts>
task<std::tuple<loop_detail::value_or_monostate_t<Ts>...>> gather(join_handle<Ts>... hs) {
  std::exception_ptr first_error;
  std::tuple<std::optional<loop_detail::value_or_monostate_t<Ts>>...> results;
  const auto cancel_all = [&]() noexcept { (hs.cancel(), ...); };
  auto steps = [&]<std::size_t... I>(std::index_sequence<I...>) {
    auto refs = std::tie(hs...);
    return std::array<task<void>, sizeof...(Ts)>{loop_detail::gather_one(
        std::get<I>(refs), std::get<I>(results), first_error, cancel_all)...};
  }
  (std::index_sequence_for<Ts...>{});
  co_await loop_detail::run_side_by_side(steps);
  if (first_error) std::rethrow_exception(first_error);
  co_return std::apply(
      [](auto&... r) {
        return std::tuple<loop_detail::value_or_monostate_t<Ts>...>(std::move(*r)...);
      },
      results);
}

// Await every handle of a vector; their values in order (nothing for void). Failure as above.
template <class T>
task<std::conditional_t<std::is_void_v<T>, void, std::vector<T>>> gather(
    std::vector<join_handle<T>> hs) {
  std::exception_ptr first_error;
  std::vector<std::optional<loop_detail::value_or_monostate_t<T>>> results(hs.size());
  const auto cancel_all = [&]() noexcept {
    for (auto& h : hs) h.cancel();
  };
  std::vector<task<void>> steps;
  steps.reserve(hs.size());
  for (std::size_t i = 0; i < hs.size(); ++i) {
    steps.push_back(loop_detail::gather_one(hs[i], results[i], first_error, cancel_all));
  }
  co_await loop_detail::run_side_by_side(steps);
  if (first_error) std::rethrow_exception(first_error);
  if constexpr (!std::is_void_v<T>) {
    std::vector<T> values;
    values.reserve(results.size());
    for (auto& r : results) values.push_back(std::move(*r));
    co_return values;
  }
}

// ---- event_loop members defined after the awaitables ----

inline sleep_awaiter event_loop::sleep(duration d) noexcept {
  return sleep_awaiter(*this, d);
}
inline sleep_awaiter event_loop::sleep_until(clock::time_point t) noexcept {
  return sleep_awaiter(*this, t);
}
inline yield_awaiter event_loop::yield() noexcept {
  return yield_awaiter(*this);
}
inline fd_awaiter event_loop::readable(int fd) noexcept {
  return fd_awaiter(*this, fd, false);
}
inline fd_awaiter event_loop::writable(int fd) noexcept {
  return fd_awaiter(*this, fd, true);
}

template <class F>
executor_awaiter<std::decay_t<F>> event_loop::run_in_executor(executor_pool& pool, F&& fn) {
  return executor_awaiter<std::decay_t<F>>(*this, pool, std::forward<F>(fn));
}

template <class... Ts>
task<std::tuple<loop_detail::value_or_monostate_t<Ts>...>> event_loop::gather(task<Ts>... ts) {
  // Braced initialisation spawns left to right (function arguments have no set order).
  std::tuple<join_handle<Ts>...> handles{create_task(std::move(ts))...};
  co_return co_await std::apply([](auto&... h) { return rt::gather(h...); }, handles);
}

template <class T>
task<T> event_loop::wait_for(task<T> t, duration timeout) {
  co_return co_await wait_for(create_task(std::move(t)), timeout);
}

template <class T>
task<T> event_loop::wait_for(join_handle<T> h, duration timeout) {
  bool timed_out = false;
  timer_handle timer = call_later(timeout, [h, &timed_out]() mutable {
    timed_out = true;
    h.cancel();
  });
  try {
    if constexpr (std::is_void_v<T>) {
      co_await h;
      timer.cancel();
      co_return;
    } else {
      T value = co_await h;
      timer.cancel();
      co_return value;
    }
  } catch (const cancelled_error&) {
    timer.cancel();
    if (!timed_out) throw;
  } catch (...) {
    timer.cancel();
    throw;
  }
  // Only the timeout path gets here: report it, unless this task itself is being cancelled.
  task_context* self = co_await loop_detail::current_context{};
  if (self != nullptr && self->cancel_requested()) throw cancelled_error{};
  throw timeout_error{};
}

}  // namespace execbench::rt
