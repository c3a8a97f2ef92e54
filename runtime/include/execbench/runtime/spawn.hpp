// spawn: start a task on a scheduler, concurrently with its caller, and get a join_handle.
//
// A join_handle<T> is awaitable (co_await yields the task's value or rethrows its exception),
// can be waited for from a plain thread (get), and can cancel the task. The scheduler keeps a
// registry of the spawned tasks still alive so that shutdown can cancel them and destruction
// can free their frames.
//
// spawn_detached starts a task nobody joins (see "detached tasks" below): cheaper to start and
// to end, for callers that track many tasks' ends themselves.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdio>
#include <concepts>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <source_location>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "execbench/runtime/spin_lock.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt {

template <class T>
class join_handle;

namespace detail {
class join_state_base;
struct root_promise;
struct handle_access;
}  // namespace detail

// ---- exceptions nobody retrieved ----
//
// A spawned task that ended with an exception (not a cancellation) which nobody read (by
// awaiting its handle, get(), a gather or a task group) is reported when its last handle goes:
// asyncio's "Task exception was never retrieved". The handler is called on the thread that let
// go of the task last; the default writes one line to stderr.
using unretrieved_exception_handler = void (*)(const std::exception_ptr&) noexcept;

namespace detail {
inline void write_unretrieved(const std::exception_ptr& e) noexcept;
inline std::atomic<unretrieved_exception_handler> unretrieved_handler{&write_unretrieved};
}  // namespace detail

// Replaces the handler (nullptr: the default); returns the one it replaces. Any thread.
inline unretrieved_exception_handler set_unretrieved_exception_handler(
    unretrieved_exception_handler h) noexcept {
  return detail::unretrieved_handler.exchange(h != nullptr ? h : &detail::write_unretrieved);
}

namespace detail {

// Told once when a spawned task ends: a task awaiting it (join_awaiter), a gather's slot, a task
// group's member. A node of the task's list of waiters, in the waiter's own storage (waiting
// allocates nothing); told in the order they arrived, as asyncio calls done callbacks. Any
// number of them may wait on one task.
class join_waiter {
 public:
  // The task has ended (its value or exception is set). Called on the thread it ended on,
  // outside the join state's lock; the node may be gone once this returns.
  virtual void on_done() noexcept = 0;
  // The task's runtime destroyed it without letting it end (root_registry::destroy_all): the
  // waiter lets go of what it holds, and is not resumed.
  virtual void on_dropped() noexcept {}

  join_waiter* next_ = nullptr;  // the join state's list (under its lock)

 protected:
  ~join_waiter() = default;
};

// A join_waiter that keeps what it reports to alive while it waits: it lets go when told the
// task was dropped, and its on_done takes `keep` out before reporting, since the node may go
// with what it keeps.
template <class Keep>
class kept_waiter : public join_waiter {
 public:
  void on_dropped() noexcept override { auto k = std::move(keep); }

  std::shared_ptr<Keep> keep;

 protected:
  ~kept_waiter() = default;
};

// The coroutine that owns a spawned task: it awaits it and stores the outcome.
struct root_coro {
  std::coroutine_handle<root_promise> h;
};

class join_state_base : public root_node {
 public:
  using root_node::root_node;

  bool done() const noexcept { return done_.load(std::memory_order_acquire); }

  // Cancel the task unless it has finished (or was dropped): a finished task's scheduler may
  // be gone, and on an event loop a cancellation from another thread goes through it.
  void cancel_unless_done() noexcept {
    if (!done()) request_cancel();
  }

  // Block the calling thread until the task has finished.
  void wait() noexcept {
    if (done_.load(std::memory_order_acquire)) return;
    {
      // Announce the sleeper under the lock that completion takes, so that completion knows
      // to wake it (a notify costs a shared atomic even when nobody waits: skipped otherwise).
      std::lock_guard<spin_lock> lock(join_lock_);
      if (done_.load(std::memory_order_relaxed)) return;
      thread_waiting_ = true;
    }
    while (!done_.load(std::memory_order_acquire)) done_.wait(false, std::memory_order_acquire);
  }

  // Tell `w` when the task ends; false if it has already (then nothing will be told).
  bool add_waiter(join_waiter* w) noexcept {
    std::lock_guard<spin_lock> lock(join_lock_);
    if (done_.load(std::memory_order_relaxed)) return false;  // set under this lock
    w->next_ = waiters_;
    waiters_ = w;
    return true;
  }

  // Reports an exception the task ended with that nobody retrieved (unretrieved_exception).
  ~join_state_base() override;

  void set_error(std::exception_ptr e) noexcept { error_ = std::move(e); }
  // Whether the finished task ended with an exception other than a cancellation. Does not count
  // as retrieving it.
  bool failed() const noexcept { return error_ && !is_cancellation(error_); }
  // The exception the finished task ended with (empty when it returned a value), retrieved.
  std::exception_ptr error() const noexcept {
    retrieved_.store(true, std::memory_order_relaxed);
    return error_;
  }

  // Called by the root frame after it has destroyed itself.
  void complete() noexcept;
  // Called when the runtime destroys the frame instead of letting it finish.
  void abandon() noexcept;
  void drop() noexcept override;

 protected:
  virtual void set_abandoned() noexcept = 0;
  // The destructor's report, out of line: the destructor stays small enough to be inlined
  // where the last handle goes (the common case: no exception).
  [[gnu::cold, gnu::noinline]] void report_if_unretrieved() const noexcept {
    // A cancellation is not a failure to report.
    if (!retrieved_.load(std::memory_order_relaxed) && !is_cancellation(error_)) {
      unretrieved_handler.load()(error_);
    }
  }
  void rethrow_if_error() const {
    if (error_) {
      retrieved_.store(true, std::memory_order_relaxed);
      std::rethrow_exception(error_);
    }
  }

  // The fields are in an order that leaves no padding between them (the one-byte ones last):
  // see the size check below join_state<void>.
  std::exception_ptr error_;

 public:  // for spawn, the registry and the awaiters below, not for users
  void finish() noexcept;

  std::coroutine_handle<root_promise> frame_;

  // Takes the waiters off the list and marks the task done (under the lock); the waiters, oldest
  // first, and whether a thread waits in wait().
  join_waiter* mark_done(bool& notify) noexcept {
    join_waiter* newest_first = nullptr;
    {
      std::lock_guard<spin_lock> lock(join_lock_);
      done_.store(true, std::memory_order_release);
      notify = thread_waiting_;
      newest_first = std::exchange(waiters_, nullptr);
    }
    join_waiter* oldest_first = nullptr;
    while (newest_first != nullptr) {
      join_waiter* next = newest_first->next_;
      newest_first->next_ = oldest_first;
      oldest_first = newest_first;
      newest_first = next;
    }
    return oldest_first;
  }

  // Under join_lock_, newest first (one pointer, where a tail pointer would cost every spawn 8
  // bytes; the list is reversed once, when the task ends).
  join_waiter* waiters_ = nullptr;
  spin_lock join_lock_;  // orders done_ against add_waiter: a waiter is added before it, or not
  std::atomic<bool> done_{false};  // written under join_lock_; read without it by done()
  bool thread_waiting_ = false;    // a thread blocks in wait(): completion must notify

 protected:
  // Whether anyone has read the exception: awaited, get(), gathered, a task group's member.
  mutable std::atomic<bool> retrieved_{false};
};

template <class T>
class join_state final : public join_state_base {
 public:
  using join_state_base::join_state_base;

  template <class U>
  void set_value(U&& v) {
    value_.emplace(std::forward<U>(v));
  }
  // The finished task's value (its exception rethrown), as often as asked.
  const T& value() const {
    rethrow_if_error();
    return *value_;
  }
  // The value moved out: what a handle given up (an rvalue) reads.
  T take() {
    rethrow_if_error();
    return std::move(*value_);
  }

 private:
  void set_abandoned() noexcept override {
    if (!error_ && !value_) error_ = std::make_exception_ptr(cancelled_error{});
  }
  std::optional<T> value_;
};

template <>
class join_state<void> final : public join_state_base {
 public:
  using join_state_base::join_state_base;

  void set_value() noexcept { has_value_ = true; }
  void value() const { rethrow_if_error(); }
  void take() const { value(); }

 private:
  void set_abandoned() noexcept override {
    if (!error_ && !has_value_) error_ = std::make_exception_ptr(cancelled_error{});
  }
  bool has_value_ = false;
};

// A spawn allocates its join state and the shared_ptr's counts (16 bytes) in one block
// (make_shared). For a task<void> that block stays within 120 bytes, so that glibc's malloc
// serves it from its fast bins (chunks of up to 128 bytes), a shorter path than its other bins
// (docs/measurements.md: spawn_many): a field added here must keep to it.
static_assert(sizeof(join_state<void>) <= 104, "a spawn's block would leave malloc's fast bins");

struct root_promise : promise_base {
  std::shared_ptr<join_state_base> state;

  root_coro get_return_object() noexcept {
    return {std::coroutine_handle<root_promise>::from_promise(*this)};
  }
  std::suspend_always initial_suspend() const noexcept { return {}; }
  auto final_suspend() const noexcept {
    struct finisher {
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<root_promise> h) noexcept {
        // Free the frame first, so that whoever the completion wakes sees it gone.
        auto st = std::move(h.promise().state);
        h.destroy();
        st->complete();
      }
      void await_resume() const noexcept {}
    };
    return finisher{};
  }
  void return_void() const noexcept {}
  void unhandled_exception() const noexcept { std::terminate(); }  // run_root catches all
};

template <class T>
root_coro run_root(join_state<T>* s, task<T> t) {
  try {
    s->throw_if_cancelled();  // cancelled before its first step: its body never runs (asyncio)
    if constexpr (std::is_void_v<T>) {
      co_await std::move(t);
      s->set_value();
    } else {
      s->set_value(co_await std::move(t));
    }
  } catch (...) {
    s->set_error(std::current_exception());
  }
}

// What awaiting a handle yields: a reference to the value, or (Moving) the value moved out.
template <class T, bool Moving>
struct join_result {
  using type = const T&;
};
template <class T>
struct join_result<T, true> {
  using type = T;
};
template <>
struct join_result<void, false> {
  using type = void;
};
template <>
struct join_result<void, true> {
  using type = void;
};

// Awaits a spawned task's end. Moving: yields its value moved out (a handle awaited as an
// rvalue); else a reference to it, readable again later.
template <class T, bool Moving>
class join_awaiter final : public cancellable_wait, public join_waiter {
  using result = typename join_result<T, Moving>::type;

 public:
  explicit join_awaiter(join_state<T>* s) noexcept : st_(s) {}
  bool await_ready() const noexcept { return st_->done(); }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> caller) noexcept {
    ctx_ = context_of(caller);
    where_ = ctx_ != nullptr ? &ctx_->sched() : &st_->sched();
    caller_ = caller;
    // Register the wait before joining the waiters: once there, the task may finish and resume
    // the caller on another thread, whose end_wait must not be followed by a late begin_wait.
    if (ctx_ != nullptr && !ctx_->begin_wait(this)) cancel_wait();
    if (!st_->add_waiter(this)) {
      if (ctx_ != nullptr) ctx_->end_wait(this);
      return false;
    }
    return true;
  }
  void on_done() noexcept override { where_->schedule(caller_); }
  void cancel_wait() noexcept override {
    passed_on_ = true;
    st_->cancel_unless_done();
  }
  result await_resume() {
    if (ctx_ != nullptr) {
      ctx_->end_wait(this);
      // The awaiting task's cancellation went to the awaited one, whose outcome is the answer
      // (asyncio's): its cancelled_error, or its value if it caught the cancellation and
      // finished. Either way the request is spent here.
      if (passed_on_) ctx_->take_cancel();
    }
    if constexpr (Moving) {
      return st_->take();
    } else {
      return st_->value();
    }
  }

 private:
  join_state<T>* st_;
  task_context* ctx_ = nullptr;
  scheduler* where_ = nullptr;  // resumes the caller: its own runtime's, else the task's
  std::coroutine_handle<> caller_;
  bool passed_on_ = false;  // the awaiting task's cancellation was passed on to the awaited
};

}  // namespace detail
}  // namespace execbench::rt

template <class... Args>
struct std::coroutine_traits<execbench::rt::detail::root_coro, Args...> {
  using promise_type = execbench::rt::detail::root_promise;
};

namespace execbench::rt {

// Not [[nodiscard]]: a task runs whether or not its handle is kept (the runtime's registry keeps
// it), so dropping one is fine, as a task group's members' handles usually are.
template <class T>
class join_handle {
 public:
  using value_type = T;

  join_handle() noexcept = default;
  explicit join_handle(std::shared_ptr<detail::join_state<T>> st) noexcept : st_(std::move(st)) {}

  bool valid() const noexcept { return static_cast<bool>(st_); }
  bool done() const noexcept { return st_->done(); }

  // Request cancellation: the task sees cancelled_error at its current or next await point.
  // Nothing once it has finished, even when its runtime is gone.
  void cancel() noexcept { st_->cancel_unless_done(); }

  // Block the calling thread until the task finishes; its value, or its exception rethrown.
  // Readable any number of times through the handle; std::move(handle).get() moves the value
  // out. On the thread of an event loop that runs the task, before it has finished, throws
  // std::logic_error instead of waiting forever (the task cannot run while its thread waits:
  // co_await the handle there).
  decltype(auto) get() const& {
    wait_outside_its_loop();
    return st_->value();
  }
  T get() && {
    wait_outside_its_loop();
    return st_->take();
  }

  // Await completion from a task: its value (a reference, readable again; awaiting an rvalue
  // handle moves the value out instead), or its exception rethrown. If the awaiting task is
  // cancelled meanwhile, the cancellation is passed on to this task (as asyncio does).
  auto operator co_await() const& noexcept { return detail::join_awaiter<T, false>(st_.get()); }
  auto operator co_await() && noexcept { return detail::join_awaiter<T, true>(st_.get()); }

 private:
  void wait_outside_its_loop() const {
    if (!st_->done() && st_->sched().confines_tasks() && st_->sched().on_task_thread()) {
      throw std::logic_error(
          "join_handle::get() on the event loop's thread before the task finished: the task "
          "cannot run while this thread waits; co_await the handle instead");
    }
    st_->wait();
  }

  friend struct detail::handle_access;
  std::shared_ptr<detail::join_state<T>> st_;
};

// For the library's awaitables over handles (gather, task groups): a handle's state.
struct detail::handle_access {
  template <class T>
  static const std::shared_ptr<join_state<T>>& state(const join_handle<T>& h) noexcept {
    return h.st_;
  }
};

// Start `t` on `s`: it runs concurrently with the caller, first resumed by `s`. `created`:
// where, for the loop's debug mode (the caller's line by default). Typed on the scheduler, so
// that on a final runtime type its schedule() is a direct call.
template <class T, std::derived_from<scheduler> S>
join_handle<T> spawn(S& s, task<T> t,
                     std::source_location created = std::source_location::current()) {
  auto st = std::make_shared<detail::join_state<T>>(s, created);
  auto frame = detail::run_root<T>(st.get(), std::move(t)).h;
  frame.promise().ctx = st.get();
  frame.promise().state = st;
  st->frame_ = frame;
  s.roots().add(st.get());
  s.schedule(frame);
  return join_handle<T>(std::move(st));
}

// ---- detached tasks ----
//
// A task nobody joins, for a caller that starts many and tracks their ends itself (the workload
// runner): its root frame's promise is its context and its registry node, so starting one
// allocates that frame and nothing else (no join state, no reference count), and its end takes
// no lock but the registry's. Write it as a coroutine returning rt::detached whose first
// parameter is the scheduler (the runtime) it runs on, and start it with spawn_detached.
// Cancellation ends it quietly (cancelled_error escaping it is its normal end); any other
// exception escaping it calls std::terminate: a detached task handles its own errors.
class detached;

namespace detail {

struct detached_promise final : promise_base, root_node {
  template <std::derived_from<scheduler> S, class... A>
  explicit detached_promise(S& s, A&... /*the coroutine's other parameters*/) noexcept
      : root_node(s) {
    ctx = this;
  }

  detached get_return_object() noexcept;
  std::suspend_always initial_suspend() const noexcept { return {}; }
  auto final_suspend() const noexcept {
    struct finisher {
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<detached_promise> h) noexcept {
        detached_promise& p = h.promise();
        p.sched().roots().remove(&p);  // the node is in the frame: out of the registry first
        h.destroy();
      }
      void await_resume() const noexcept {}
    };
    return finisher{};
  }
  void return_void() const noexcept {}
  void unhandled_exception() const noexcept {
    try {
      throw;
    } catch (const cancelled_error&) {
      // cancelled: the task just ends
    } catch (...) {
      std::terminate();
    }
  }
  void drop() noexcept override {
    std::coroutine_handle<detached_promise>::from_promise(*this).destroy();
  }
};

}  // namespace detail

class [[nodiscard]] detached {
 public:
  using promise_type = detail::detached_promise;

  explicit detached(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  detached(detached&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  detached& operator=(detached&&) = delete;
  ~detached() {
    if (h_) h_.destroy();  // never started
  }

 private:
  friend void spawn_detached(detached d) noexcept;
  friend void spawn_detached_eager(detached d) noexcept;
  std::coroutine_handle<promise_type> h_;
};

inline detached detail::detached_promise::get_return_object() noexcept {
  return detached(std::coroutine_handle<detached_promise>::from_promise(*this));
}

// Start a detached task on the scheduler it was created for; it runs concurrently with the
// caller, first resumed by that scheduler.
inline void spawn_detached(detached d) noexcept {
  const auto h = std::exchange(d.h_, {});
  detail::detached_promise& p = h.promise();
  p.sched().roots().add(&p);
  p.sched().schedule(h);
}

// Start a detached task at once, on the calling thread: it runs until its first suspension (or
// its end) before this returns, then its scheduler resumes it as usual (asyncio's eager tasks).
// The caller must be running on a thread its scheduler runs tasks on, and must not mind the
// task running inside this call: this saves a round trip through the scheduler's queue, and a
// task that is about to wait registers its wait while its frame is still in the cache.
inline void spawn_detached_eager(detached d) noexcept {
  const auto h = std::exchange(d.h_, {});
  detail::detached_promise& p = h.promise();
  p.sched().roots().add(&p);
  h.resume();
}

// ---- out-of-line pieces (header-only library) ----

inline void detail::join_state_base::complete() noexcept {
  // Done first, then out of the registry: graceful shutdown returns once the registry is empty,
  // and by then every handle must report done. The registry outlives this call: a runtime stops
  // the thread that runs it before it is destroyed.
  finish();
  sched().roots().remove(this);
}

inline void detail::write_unretrieved(const std::exception_ptr& e) noexcept {
  std::fprintf(stderr, "execbench: a task's exception was never retrieved: %s\n", what_of(e));
}

inline detail::join_state_base::~join_state_base() {
  if (error_) [[unlikely]] report_if_unretrieved();
}

inline void detail::join_state_base::abandon() noexcept {
  set_abandoned();
  bool notify = false;
  // Awaiting frames are being destroyed too, or will never be resumed: none is told it ended.
  for (join_waiter* w = mark_done(notify); w != nullptr;) {
    join_waiter* next = w->next_;  // read first: the node may go with the call
    w->on_dropped();
    w = next;
  }
  if (notify) done_.notify_all();
}

inline void detail::join_state_base::finish() noexcept {
  bool notify = false;
  join_waiter* w = mark_done(notify);
  if (notify) done_.notify_all();
  while (w != nullptr) {
    join_waiter* next = w->next_;  // read first: a resumed waiter may end its node at once
    w->on_done();
    w = next;
  }
}

inline bool root_registry::on_owner_thread() const noexcept {
  return owner_->confines_tasks() && owner_->on_task_thread();
}

inline void root_registry::link(detail::root_node*& head, detail::root_node* n) noexcept {
  n->prev_ = nullptr;
  n->next_ = head;
  if (head != nullptr) head->prev_ = n;
  head = n;
}

inline void root_registry::unlink(detail::root_node*& head, detail::root_node* n) noexcept {
  if (n->prev_ != nullptr) n->prev_->next_ = n->next_;
  if (n->next_ != nullptr) n->next_->prev_ = n->prev_;
  if (head == n) head = n->next_;
  n->prev_ = n->next_ = nullptr;
}

inline void root_registry::add(detail::root_node* n) noexcept {
  if (on_owner_thread()) {
    n->confined_list_ = true;
    n->cancel_all_calls_at_add_ = cancel_all_calls_.load(std::memory_order_acquire);
    link(local_head_, n);
    local_size_.store(local_size_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return;
  }
  std::lock_guard<spin_lock> lock(lock_);
  n->confined_list_ = false;
  link(head_, n);
  ++size_;
}

// A task in the confined list ends on its scheduler's thread (or is dropped while none runs).
inline void root_registry::remove(detail::root_node* n) noexcept {
  if (n->confined_list_) {
    unlink(local_head_, n);
    local_size_.store(local_size_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    return;
  }
  std::lock_guard<spin_lock> lock(lock_);
  unlink(head_, n);
  --size_;
}

inline std::size_t root_registry::size() const noexcept {
  std::lock_guard<spin_lock> lock(lock_);
  return size_ + local_size_.load(std::memory_order_relaxed);
}

inline void root_registry::cancel_all() noexcept {
  if (owner_->confines_tasks() && !owner_->on_task_thread()) {
    // The confined list is the owner thread's: it cancels them (deliver_requested_cancels).
    cancel_all_calls_.fetch_add(1, std::memory_order_acq_rel);
    owner_->deliver_cancels_later();
  } else {
    for (auto* n = local_head_; n != nullptr; n = n->next_) n->request_cancel();
  }
  std::lock_guard<spin_lock> lock(lock_);
  for (auto* n = head_; n != nullptr; n = n->next_) n->request_cancel();
}

inline void root_registry::deliver_requested_cancels() noexcept {
  // cancel_all() calls made elsewhere: the confined tasks that existed when the last one was
  // made, that is, added before it was counted. (The locked list's were cancelled by the call.)
  const std::uint32_t calls = cancel_all_calls_.load(std::memory_order_acquire);
  const bool cancel_older = calls != cancel_all_done_;
  cancel_all_done_ = calls;
  for (auto* n = local_head_; n != nullptr; n = n->next_) {
    if (cancel_older && n->cancel_all_calls_at_add_ != calls) n->request_cancel();  // at once
    n->deliver_cancel_here();
  }
  std::lock_guard<spin_lock> lock(lock_);
  for (auto* n = head_; n != nullptr; n = n->next_) n->deliver_cancel_here();
}

inline void root_registry::destroy_all() noexcept {
  // The confined list first: none of the owner's threads runs now.
  while (detail::root_node* n = local_head_) {
    remove(n);
    n->drop();
  }
  for (;;) {
    detail::root_node* n = nullptr;
    {
      std::lock_guard<spin_lock> lock(lock_);
      n = head_;
      if (n == nullptr) return;
      unlink(head_, n);
      --size_;
    }
    n->drop();
  }
}

inline void detail::join_state_base::drop() noexcept {
  auto frame = std::exchange(frame_, {});
  auto keep = frame.promise().state;  // the frame's reference goes with the frame
  frame.destroy();
  keep->abandon();
}

}  // namespace execbench::rt
