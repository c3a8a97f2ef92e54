// The contract between tasks and the runtimes that run them: a scheduler resumes coroutines,
// a task_context is one spawned task's cancellation state, a cancellable_wait is a suspension
// that cancellation can cut short.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <source_location>
#include <utility>

#include "execbench/runtime/spin_lock.hpp"

namespace execbench::rt {

// Thrown at the await point of a task whose cancellation was requested; its awaiter sees it too.
// Not a std::exception, as asyncio's CancelledError is a BaseException and not an Exception: a
// `catch (const std::exception&)` written for errors lets a cancellation through. Catch it by
// name (or with `catch (...)`) where a cancellation is to be handled.
class cancelled_error {
 public:
  const char* what() const noexcept { return "task cancelled"; }
};

// Whether `e` holds a cancelled_error.
inline bool is_cancellation(const std::exception_ptr& e) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const cancelled_error&) {
    return true;
  } catch (...) {
    return false;
  }
}

namespace detail {
class root_node;

// The message of the exception `e` holds (valid while `e` is), for the reports that name one.
inline const char* what_of(const std::exception_ptr& e) noexcept {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (const cancelled_error& x) {
    return x.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

// Where the task whose coroutine last resumed on this thread was created: its context notes it
// at each resumption (end_wait, take_cancel), a single store, so that the loop's debug mode can
// say which task a slow step was (slow_callback_info::created). A location, not the context:
// the task may have ended, and its context gone, by the time the step is timed.
inline constinit thread_local std::source_location last_resumed_task{};
}
class scheduler;

// The spawned tasks alive on one scheduler (methods in spawn.hpp). Callable from any thread.
// For a scheduler that confines its tasks to its thread (scheduler::confines_tasks), the tasks
// added on that thread go to a list only that thread touches, without the lock (a spawn and an
// end each took a locked instruction); the others, and every task of other schedulers, to a
// list under the lock.
class root_registry {
 public:
  explicit root_registry(scheduler& owner) noexcept : owner_(&owner) {}
  root_registry(const root_registry&) = delete;
  root_registry& operator=(const root_registry&) = delete;

  void add(detail::root_node* n) noexcept;
  void remove(detail::root_node* n) noexcept;
  std::size_t size() const noexcept;
  // Request cancellation of every live spawned task (graceful shutdown's first half). For a
  // confining scheduler, from another thread: delivered by its thread, soon.
  void cancel_all() noexcept;
  // For a confining scheduler, on its thread: carry out a cancel_all() requested elsewhere, and
  // hand every requested cancellation that has not reached its task's wait yet to it.
  void deliver_requested_cancels() noexcept;
  // Free the frames of every live spawned task; their join_handles report cancelled_error.
  // Only while none of them is running (the runtime's threads are stopped).
  void destroy_all() noexcept;

 private:
  // Whether the caller may use the confined list: its scheduler's thread.
  bool on_owner_thread() const noexcept;
  static void link(detail::root_node*& head, detail::root_node* n) noexcept;
  static void unlink(detail::root_node*& head, detail::root_node* n) noexcept;

  scheduler* owner_;
  mutable spin_lock lock_;
  detail::root_node* head_ = nullptr;  // guarded by lock_
  std::size_t size_ = 0;               // guarded by lock_
  // Confined: the owner's thread only (or any while none runs); the count is atomic for size().
  detail::root_node* local_head_ = nullptr;
  std::atomic<std::size_t> local_size_{0};
  // cancel_all() from another thread, for the confined list: each call counts one up; a task
  // is cancelled by the calls counted after it was added (not by one made before it existed).
  std::atomic<std::uint32_t> cancel_all_calls_{0};
  std::uint32_t cancel_all_done_ = 0;  // calls carried out (owner's thread)
};

// Anything that can resume a coroutine later on one of its threads. Every runtime is one.
class scheduler {
 public:
  // Resume `h` later, on one of this runtime's threads; never inline. Callable from any thread.
  virtual void schedule(std::coroutine_handle<> h) noexcept = 0;

  // The spawned tasks still alive on this scheduler (see spawn.hpp).
  root_registry& roots() noexcept { return roots_; }

  // Whether the scheduler runs all its tasks on one thread at a time (an event loop, as
  // asyncio's). Their contexts then register their waits without a lock (a locked instruction
  // on each side of every wait otherwise: docs/measurements.md, "Figures behind code that was
  // made smaller or lock-free"), and a cancellation requested from another thread reaches the
  // wait through that thread (deliver_cancels_later), as asyncio's
  // call_soon_threadsafe(task.cancel) would.
  bool confines_tasks() const noexcept { return confines_tasks_; }

  // For a confining scheduler: whether the caller is the thread its tasks run on now.
  virtual bool on_task_thread() const noexcept { return false; }
  // For a confining scheduler: soon, on its thread, call roots().deliver_requested_cancels().
  // Any thread. (Nothing for the others: their cancellations are delivered where requested.)
  virtual void deliver_cancels_later() noexcept {}

 protected:
  scheduler() noexcept : roots_(*this) {}
  explicit scheduler(bool confines_tasks) noexcept
      : roots_(*this), confines_tasks_(confines_tasks) {}
  ~scheduler() = default;

 private:
  root_registry roots_;
  bool confines_tasks_ = false;
};

// A suspension that cancellation can cut short: a timer, a readiness wait, a join.
class cancellable_wait {
 public:
  // Called at most once per wait, while the wait is registered: from any thread with the
  // context's lock held (so it must not call back into the context), or, for a task of a
  // confining scheduler, on its thread. It must make the waiting coroutine resume soon; the
  // awaiter then sees `cancel_requested()` and throws cancelled_error. The wait object stays
  // alive until the awaiter's end_wait() returns, which cannot happen while cancel_wait() runs.
  virtual void cancel_wait() noexcept = 0;

 protected:
  ~cancellable_wait() = default;
};

// One spawned task's shared state as the runtimes see it: where it runs and whether it is
// being cancelled. Every task<T> the spawned task awaits shares its context.
class task_context {
 public:
  explicit task_context(scheduler& s, std::source_location created = {}) noexcept
      : sched_(&s), created_(created), confined_(s.confines_tasks()) {}
  task_context(const task_context&) = delete;
  task_context& operator=(const task_context&) = delete;
  virtual ~task_context() = default;

  scheduler& sched() const noexcept { return *sched_; }
  // Where the task was spawned (spawn's or create_task's caller); line 0 when unknown.
  const std::source_location& created() const noexcept { return created_; }

  // Whether a cancellation was requested and has not yet been thrown at the task.
  bool cancel_requested() const noexcept { return cancel_.load(std::memory_order_acquire); }

  // Ask the task to stop: it sees cancelled_error at its current await point or its next one.
  // Callable from any thread, any number of times; requests made before the task sees one are
  // one cancellation. Once thrown, the request is spent (asyncio's semantics): a task that
  // catches cancelled_error may go on awaiting, and a later request cancels it again. For a
  // task of a confining scheduler, the wait is cut short on the scheduler's thread: at once when
  // called there, else soon.
  void request_cancel() noexcept {
    if (confined_) {
      if (cancel_.exchange(true, std::memory_order_acq_rel)) return;
      if (sched_->on_task_thread()) {
        deliver_cancel_here();
      } else {
        sched_->deliver_cancels_later();
      }
      return;
    }
    // Under the lock, so that the task spending a request (take_cancel) and a new request
    // cutting its next wait short cannot cross: a wait is cut short only for a request that is
    // still there to be thrown when it resumes.
    std::lock_guard<spin_lock> lock(lock_);
    if (cancel_.exchange(true, std::memory_order_acq_rel)) return;
    if (wait_ != nullptr) wait_->cancel_wait();
  }

  // An awaiter registers its wait before suspending. Returns false (do not suspend; throw
  // cancelled_error on resume) when cancellation was already requested.
  [[nodiscard]] bool begin_wait(cancellable_wait* w) noexcept {
    if (confined_) {  // only the scheduler's thread touches wait_
      if (cancel_.load(std::memory_order_acquire)) return false;
      wait_ = w;
      return true;
    }
    std::lock_guard<spin_lock> lock(lock_);
    if (cancel_.load(std::memory_order_acquire)) return false;
    wait_ = w;
    return true;
  }

  // An awaiter unregisters its wait when it resumes, before it is destroyed.
  void end_wait(cancellable_wait* w) noexcept {
    detail::last_resumed_task = created_;
    if (confined_) {
      if (wait_ == w) wait_ = nullptr;
      return;
    }
    std::lock_guard<spin_lock> lock(lock_);
    if (wait_ == w) wait_ = nullptr;
  }

  // Spends a requested cancellation: true when there was one (the caller then throws it, or
  // has passed it on, as a join does to the task it awaits). On the task's own thread.
  bool take_cancel() noexcept {
    detail::last_resumed_task = created_;
    if (!cancel_.load(std::memory_order_acquire)) return false;
    if (confined_) return cancel_.exchange(false, std::memory_order_acq_rel);
    std::lock_guard<spin_lock> lock(lock_);
    return cancel_.exchange(false, std::memory_order_acq_rel);
  }

  // Throws cancelled_error when a cancellation was requested, spending it; awaiters call it in
  // await_resume.
  void throw_if_cancelled() {
    if (take_cancel()) throw cancelled_error{};
  }

 private:
  friend class root_registry;

  // A confined task's requested cancellation reaches its wait, once: on the scheduler's thread.
  void deliver_cancel_here() noexcept {
    if (!cancel_.load(std::memory_order_acquire)) return;
    if (cancellable_wait* w = std::exchange(wait_, nullptr)) w->cancel_wait();
  }

  scheduler* sched_;
  std::source_location created_;
  std::atomic<bool> cancel_{false};
  const bool confined_;  // sched_->confines_tasks(): wait_ belongs to its thread, no lock
  spin_lock lock_;       // held for a few instructions; a mutex would double the cost of every wait
  cancellable_wait* wait_ = nullptr;
};

namespace detail {

// A spawned task as its scheduler's registry sees it: its context, linked into the registry
// while the task is alive. A joinable task's node is its join state; a detached task's is its
// root frame's promise.
class root_node : public task_context {
 public:
  using task_context::task_context;

  // Destroy the task's frames without letting it finish (root_registry::destroy_all, while
  // none of the runtime's threads runs it). The node may be gone when this returns.
  virtual void drop() noexcept = 0;

  root_node* prev_ = nullptr;
  root_node* next_ = nullptr;
  bool confined_list_ = false;                 // in its registry's confined list (root_registry)
  std::uint32_t cancel_all_calls_at_add_ = 0;  // root_registry::cancel_all_calls_ when added
};

}  // namespace detail

}  // namespace execbench::rt
