// asyncio's synchronization primitives, on every runtime: lock, semaphore (and a bounded one),
// condition and queue<T>. Usable from tasks on any thread of any runtime, and their
// non-waiting members from any thread. (asyncio's Event is rt::event, event.hpp.)
//
// Each keeps its waiters in arrival order, as asyncio does, and hands what they wait for (the
// lock, a permit, an item, room for an item) straight to the oldest: a later arrival never
// overtakes a waiter. Waiting allocates nothing (the waiter is a node in its coroutine's frame)
// and is cancellable: a waiter cancelled while it waits leaves the queue and its await throws
// cancelled_error. One whose wait was already granted keeps what it was given (the lock, the
// item) and sees the cancellation at its next await.
#pragma once

#include <coroutine>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

#include "execbench/runtime/event.hpp"
#include "execbench/runtime/spin_lock.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt {

namespace detail {

class wait_queue;

// A task waiting in a primitive's queue. Linked and unlinked under the primitive's lock.
class queued_wait : public cancellable_wait {
 public:
  queued_wait* prev = nullptr;
  queued_wait* next = nullptr;
  bool linked = false;   // in the queue
  bool granted = false;  // handed what it waits for (then resumed by the granter)
  task_context* ctx = nullptr;
  std::coroutine_handle<> self;

  void resume_later() noexcept { ctx->sched().schedule(self); }

 protected:
  queued_wait(spin_lock& lock, wait_queue& queue) noexcept : lock_(&lock), queue_(&queue) {}
  ~queued_wait() = default;

  // Off the queue and resumed, unless it was granted meanwhile (the granter resumes it).
  void cancel_wait() noexcept override;

  // The common await_suspend: `try_now` (under the lock) either completes the operation (it
  // returns true) or not, and then the waiter joins the queue, after which `after_queued` runs
  // (outside the lock; it must not touch the awaiter, which another thread may be resuming by
  // then). Returns whether to suspend.
  template <class Promise, class TryNow, class AfterQueued = void (*)()>
  bool suspend(std::coroutine_handle<Promise> h, TryNow try_now,
               AfterQueued after_queued = [] {});

  // The common await_resume: throws cancelled_error unless the wait was granted.
  void resume_or_throw() {
    if (ctx == nullptr) return;
    ctx->end_wait(this);
    if (!granted) ctx->throw_if_cancelled();
  }

  spin_lock* lock_;
  wait_queue* queue_;
};

// The waiters of one primitive, oldest first. Under that primitive's lock.
class wait_queue {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  queued_wait* front() const noexcept { return head_; }
  void push_back(queued_wait* w) noexcept {
    w->prev = tail_;
    w->next = nullptr;
    (tail_ != nullptr ? tail_->next : head_) = w;
    tail_ = w;
    w->linked = true;
    ++size_;
  }
  void unlink(queued_wait* w) noexcept {
    (w->prev != nullptr ? w->prev->next : head_) = w->next;
    (w->next != nullptr ? w->next->prev : tail_) = w->prev;
    w->prev = w->next = nullptr;
    w->linked = false;
    --size_;
  }
  // The oldest waiter, off the queue and granted; the caller resumes it after the lock.
  queued_wait* grant_front() noexcept {
    queued_wait* w = head_;
    unlink(w);
    w->granted = true;
    return w;
  }

 private:
  queued_wait* head_ = nullptr;
  queued_wait* tail_ = nullptr;
  std::size_t size_ = 0;
};

inline void queued_wait::cancel_wait() noexcept {
  bool mine = false;
  {
    std::lock_guard<spin_lock> held(*lock_);
    if (linked) {
      queue_->unlink(this);
      mine = true;
    }
  }
  if (mine) resume_later();
}

template <class Promise, class TryNow, class AfterQueued>
bool queued_wait::suspend(std::coroutine_handle<Promise> h, TryNow try_now,
                          AfterQueued after_queued) {
  ctx = context_of(h);
  self = h;
  if (ctx == nullptr) {
    throw std::logic_error("an rt:: synchronization primitive awaited outside a task of this "
                           "library: spawn the awaiting task on a runtime");
  }
  if (!ctx->begin_wait(this)) return false;  // already cancelled: await_resume throws
  bool done = false;
  {
    std::lock_guard<spin_lock> held(*lock_);
    done = try_now();
    if (!done) queue_->push_back(this);
  }
  if (!done) {
    after_queued();
    return true;
  }
  granted = true;  // done at once: the await succeeds
  ctx->end_wait(this);
  return false;
}

}  // namespace detail

// ---- semaphore ----

// asyncio.Semaphore (and, with a bound, BoundedSemaphore): acquire() waits while no permit is
// left; release() hands a permit to the oldest waiter, or keeps it.
class semaphore {
 public:
  // `permits` to start with; `bounded`: release() past the starting count throws
  // std::logic_error (BoundedSemaphore's ValueError).
  explicit semaphore(std::size_t permits, bool bounded = false) noexcept
      : permits_(permits), initial_(permits), bounded_(bounded) {}
  semaphore(const semaphore&) = delete;
  semaphore& operator=(const semaphore&) = delete;

  class [[nodiscard]] acquire_awaiter final : public detail::queued_wait {
   public:
    explicit acquire_awaiter(semaphore& s) noexcept : queued_wait(s.lock_, s.waiters_), s_(&s) {}
    bool await_ready() const noexcept { return false; }
    template <class Promise>
    bool await_suspend(std::coroutine_handle<Promise> h) {
      return suspend(h, [this] {
        if (s_->permits_ == 0 || !s_->waiters_.empty()) return false;
        --s_->permits_;
        return true;
      });
    }
    void await_resume() { resume_or_throw(); }

   private:
    semaphore* s_;
  };

  // Await a permit. Cancellable while it waits.
  acquire_awaiter acquire() noexcept { return acquire_awaiter(*this); }
  // Take a permit if one is free, without waiting.
  bool try_acquire() noexcept {
    std::lock_guard<spin_lock> held(lock_);
    if (permits_ == 0 || !waiters_.empty()) return false;
    --permits_;
    return true;
  }
  // Give a permit back: to the oldest waiter, else to the count. Any thread.
  void release() {
    detail::queued_wait* w = nullptr;
    {
      std::lock_guard<spin_lock> held(lock_);
      if (!waiters_.empty()) {
        w = waiters_.grant_front();
      } else {
        if (bounded_ && permits_ == initial_) {
          throw std::logic_error("bounded semaphore released more often than acquired");
        }
        ++permits_;
      }
    }
    if (w != nullptr) w->resume_later();
  }
  // Whether acquire() would wait.
  bool locked() const noexcept {
    std::lock_guard<spin_lock> held(lock_);
    return permits_ == 0 || !waiters_.empty();
  }
  // How many tasks wait in acquire() now.
  std::size_t waiting() const noexcept {
    std::lock_guard<spin_lock> held(lock_);
    return waiters_.size();
  }

 private:
  mutable spin_lock lock_;
  detail::wait_queue waiters_;
  std::size_t permits_;
  const std::size_t initial_;
  const bool bounded_;
};

// ---- lock ----

// asyncio.Lock: one holder at a time, in arrival order. `async with lock:` is
//   auto held = co_await lock.scoped();   // released when `held` goes
// or co_await lock.acquire(); ... lock.release();
class lock {
 public:
  lock() noexcept : sem_(1, true) {}

  // Releases on destruction the lock it holds (scoped()).
  class [[nodiscard]] holder {
   public:
    explicit holder(lock* l) noexcept : l_(l) {}
    holder(holder&& o) noexcept : l_(std::exchange(o.l_, nullptr)) {}
    holder& operator=(holder&&) = delete;
    ~holder() {
      if (l_ != nullptr) l_->release();
    }
    // Release now rather than at the end of the scope.
    void release() {
      if (l_ != nullptr) std::exchange(l_, nullptr)->release();
    }

   private:
    lock* l_;
  };

  // Await the lock. Cancellable while it waits.
  semaphore::acquire_awaiter acquire() noexcept { return sem_.acquire(); }
  // Await the lock; yields a holder that releases it.
  task<holder> scoped() {
    co_await acquire();
    co_return holder(this);
  }
  bool try_acquire() noexcept { return sem_.try_acquire(); }
  // Release it (held): the oldest waiter gets it. Releasing a lock nobody holds throws
  // std::logic_error (asyncio's RuntimeError).
  void release() {
    try {
      sem_.release();
    } catch (const std::logic_error&) {
      throw std::logic_error("rt::lock released while not held");
    }
  }
  bool locked() const noexcept { return sem_.locked(); }
  // How many tasks wait for it now.
  std::size_t waiting() const noexcept { return sem_.waiting(); }

 private:
  semaphore sem_;
};

// ---- condition ----

// asyncio.Condition: wait() (with its lock held) releases the lock, waits for notify(), and
// holds the lock again before it returns, even when it ends with cancelled_error.
class condition {
 public:
  // Over `l` (not owned; it must outlive the condition).
  explicit condition(rt::lock& l) noexcept : lock_(&l) {}
  condition(const condition&) = delete;
  condition& operator=(const condition&) = delete;

  rt::lock& underlying_lock() noexcept { return *lock_; }

  // With the lock held: release it, wait for a notify, hold it again.
  task<void> wait() {
    bool released = false;
    bool cancelled = false;
    try {
      co_await notified_awaiter(*this, released);
    } catch (const cancelled_error&) {
      cancelled = true;
    }
    // The lock is held again however the wait ended (a cancellation meanwhile is kept); a wait
    // cancelled before it began never let it go.
    while (released) {
      try {
        co_await lock_->acquire();
        break;
      } catch (const cancelled_error&) {
        cancelled = true;
      }
    }
    if (cancelled) throw cancelled_error{};
  }
  // With the lock held: wait until pred() is true (checked first, then after each notify).
  template <class Pred>
  task<void> wait_for(Pred pred) {
    while (!pred()) co_await wait();
  }
  // Wake up to `n` waiters (oldest first); each returns once it holds the lock again.
  void notify(std::size_t n = 1) noexcept {
    detail::queued_wait* woken = nullptr;
    {
      std::lock_guard<spin_lock> held(waiters_lock_);
      // Chain the granted ones through `next` (they are off the queue now).
      detail::queued_wait** tail = &woken;
      for (; n > 0 && !waiters_.empty(); --n) {
        detail::queued_wait* w = waiters_.grant_front();
        *tail = w;
        tail = &w->next;
      }
    }
    while (woken != nullptr) {
      detail::queued_wait* next = woken->next;  // read first: the waiter may end at once
      woken->resume_later();
      woken = next;
    }
  }
  void notify_all() noexcept { notify(static_cast<std::size_t>(-1)); }

 private:
  // Joins the waiters, then releases the lock: in that order, so that a notify made as soon as
  // the lock is free (by a task on another thread) finds this waiter.
  class [[nodiscard]] notified_awaiter final : public detail::queued_wait {
   public:
    notified_awaiter(condition& c, bool& released) noexcept
        : queued_wait(c.waiters_lock_, c.waiters_), held_(c.lock_), released_(&released) {}
    bool await_ready() const noexcept { return false; }
    template <class Promise>
    bool await_suspend(std::coroutine_handle<Promise> h) {
      rt::lock* l = held_;  // the awaiter may be gone once queued: only locals after that
      return suspend(
          h,
          [this] {
            *released_ = true;  // before it is queued: nobody can resume the task yet
            return false;
          },
          [l] { l->release(); });
    }
    void await_resume() { resume_or_throw(); }

   private:
    rt::lock* held_;  // the condition's lock, which the waiting task holds
    bool* released_;
  };

  rt::lock* lock_;
  spin_lock waiters_lock_;
  detail::wait_queue waiters_;
};

// ---- queue ----

// Thrown by queue::put_nowait on a full queue and get_nowait on an empty one.
class queue_full : public std::runtime_error {
 public:
  queue_full() : std::runtime_error("queue is full") {}
};
class queue_empty : public std::runtime_error {
 public:
  queue_empty() : std::runtime_error("queue is empty") {}
};

// asyncio.Queue: first in, first out, of at most `maxsize` items (0: no bound). put() waits
// while it is full, get() while it is empty; task_done() and join() count the items got and
// finished with.
template <class T>
class queue {
 public:
  explicit queue(std::size_t maxsize = 0) noexcept : maxsize_(maxsize) { finished_.set(); }
  queue(const queue&) = delete;
  queue& operator=(const queue&) = delete;

  class [[nodiscard]] put_awaiter final : public detail::queued_wait {
   public:
    put_awaiter(queue& q, T item) : queued_wait(q.lock_, q.putters_), q_(&q), item_(std::move(item)) {}
    bool await_ready() const noexcept { return false; }
    template <class Promise>
    bool await_suspend(std::coroutine_handle<Promise> h) {
      detail::queued_wait* getter = nullptr;
      const bool suspended = suspend(h, [&] { return q_->try_put_locked(item_, getter); });
      if (getter != nullptr) getter->resume_later();
      return suspended;
    }
    void await_resume() { resume_or_throw(); }

   private:
    friend class queue;
    queue* q_;
    T item_;  // moved into the queue (or to a getter) once there is room
  };

  class [[nodiscard]] get_awaiter final : public detail::queued_wait {
   public:
    explicit get_awaiter(queue& q) noexcept : queued_wait(q.lock_, q.getters_), q_(&q) {}
    bool await_ready() const noexcept { return false; }
    template <class Promise>
    bool await_suspend(std::coroutine_handle<Promise> h) {
      detail::queued_wait* putter = nullptr;
      const bool suspended = suspend(h, [&] { return q_->try_get_locked(item_, putter); });
      if (putter != nullptr) putter->resume_later();
      return suspended;
    }
    T await_resume() {
      resume_or_throw();
      return std::move(*item_);
    }

   private:
    friend class queue;
    queue* q_;
    std::optional<T> item_;  // handed over by the queue or a putter
  };

  // Put `item` at the end, waiting while the queue is full. Cancellable while it waits (the
  // item is then not put).
  put_awaiter put(T item) { return put_awaiter(*this, std::move(item)); }
  // Take the first item, waiting while the queue is empty. Cancellable while it waits.
  get_awaiter get() noexcept { return get_awaiter(*this); }

  // Without waiting: queue_full / queue_empty instead. Any thread.
  void put_nowait(T item) {
    detail::queued_wait* getter = nullptr;
    {
      std::lock_guard<spin_lock> held(lock_);
      if (!try_put_locked(item, getter)) throw queue_full{};
    }
    if (getter != nullptr) getter->resume_later();
  }
  T get_nowait() {
    std::optional<T> item;
    detail::queued_wait* putter = nullptr;
    {
      std::lock_guard<spin_lock> held(lock_);
      if (!try_get_locked(item, putter)) throw queue_empty{};
    }
    if (putter != nullptr) putter->resume_later();
    return std::move(*item);
  }

  std::size_t qsize() const noexcept {
    std::lock_guard<spin_lock> held(lock_);
    return items_.size();
  }
  bool empty() const noexcept { return qsize() == 0; }
  bool full() const noexcept {
    std::lock_guard<spin_lock> held(lock_);
    return maxsize_ != 0 && items_.size() >= maxsize_;
  }
  std::size_t maxsize() const noexcept { return maxsize_; }

  // An item got earlier has been dealt with. More calls than items put: std::logic_error.
  void task_done() {
    std::lock_guard<spin_lock> held(lock_);  // set and cleared under it, so they cannot cross
    if (unfinished_ == 0) throw std::logic_error("queue::task_done() called too many times");
    if (--unfinished_ == 0) finished_.set();
  }
  // Wait until every item put has been got and marked task_done().
  event_awaiter join() noexcept { return finished_.wait(); }

 private:
  // Under lock_. Puts `item` (hands it to the oldest getter, which the caller then resumes, or
  // appends it) unless the queue is full.
  bool try_put_locked(T& item, detail::queued_wait*& getter) {
    if (maxsize_ != 0 && items_.size() >= maxsize_) return false;
    if (unfinished_++ == 0) finished_.clear();
    if (!getters_.empty()) {
      auto* g = static_cast<get_awaiter*>(getters_.grant_front());
      g->item_.emplace(std::move(item));
      getter = g;
    } else {
      items_.push_back(std::move(item));
    }
    return true;
  }
  // Under lock_. Takes the first item unless the queue is empty; the oldest putter's item then
  // takes the room (the caller resumes that putter).
  bool try_get_locked(std::optional<T>& item, detail::queued_wait*& putter) {
    if (items_.empty()) return false;
    item.emplace(std::move(items_.front()));
    items_.pop_front();
    if (!putters_.empty()) {
      auto* p = static_cast<put_awaiter*>(putters_.grant_front());
      items_.push_back(std::move(p->item_));
      if (unfinished_++ == 0) finished_.clear();
      putter = p;
    }
    return true;
  }

  mutable spin_lock lock_;
  std::deque<T> items_;
  detail::wait_queue getters_;  // only while items_ is empty
  detail::wait_queue putters_;  // only while items_ is full
  const std::size_t maxsize_;
  std::size_t unfinished_ = 0;  // put and not yet task_done()
  event finished_;              // set while unfinished_ == 0
};

}  // namespace execbench::rt
