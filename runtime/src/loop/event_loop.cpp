// The event loop's iteration, reactor and timers (see event_loop.hpp for the design).
#include "execbench/runtime/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace execbench::rt {

namespace {

constexpr std::uint64_t wake_token = 0;   // epoll data of the eventfd
constexpr std::uint64_t timer_token = 1;  // epoll data of the fallback timerfd
constexpr std::size_t slots_per_block = 1024;
constexpr int max_events = 256;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void default_slow_handler(const slow_callback_info& info) {
  std::fprintf(stderr, "execbench event loop: %s took %.3f ms (threshold %.3f ms)\n",
               info.task_step ? "task step" : "callback",
               static_cast<double>(info.duration.count()) / 1e6,
               static_cast<double>(info.threshold.count()) / 1e6);
}

void default_exception_handler(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "execbench event loop: callback threw: %s\n", ex.what());
  } catch (...) {
    std::fprintf(stderr, "execbench event loop: callback threw a non-std exception\n");
  }
}

// Marks the calling thread as the loop's for the duration of a run.
class running_scope {
 public:
  explicit running_scope(event_loop* loop, std::atomic<bool>& running) : running_(running) {
    if (loop_detail::current_loop != nullptr) {
      throw std::logic_error("event_loop: a loop is already running on this thread");
    }
    if (running_.exchange(true, std::memory_order_acq_rel)) {
      throw std::logic_error("event_loop: already running on another thread");
    }
    loop_detail::current_loop = loop;
    // Timers fire on time: the kernel may otherwise end the loop's sleep up to the thread's
    // timer slack (50 us by default) late, to batch wake-ups. The thread's own value comes
    // back when the loop stops running on it.
    const int slack = ::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    if (slack > 1 && ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) == 0) saved_slack_ = slack;
  }
  ~running_scope() {
    if (saved_slack_ > 0)
      ::prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(saved_slack_), 0, 0, 0);
    loop_detail::current_loop = nullptr;
    running_.store(false, std::memory_order_release);
  }
  running_scope(const running_scope&) = delete;
  running_scope& operator=(const running_scope&) = delete;

 private:
  std::atomic<bool>& running_;
  int saved_slack_ = 0;  // the thread's timer slack before, when the loop changed it
  // The loop's thread keeps the frames its tasks free, for the next ones (frame_cache.hpp).
  detail::frame_cache::caching_scope frames_;
};

}  // namespace

// ---- construction ----

event_loop::event_loop(event_loop_options options)
    : scheduler(/*confines_tasks=*/true),
      slow_handler_(default_slow_handler),
      exception_handler_(default_exception_handler) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw_errno("epoll_create1");
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    ::close(epoll_fd_);
    throw_errno("eventfd");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = wake_token;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    ::close(wake_fd_);
    ::close(epoll_fd_);
    throw_errno("epoll_ctl(eventfd)");
  }
  use_timerfd_ = options.force_timerfd;
  poll_below_ns_ = std::max<std::int64_t>(0, options.poll_below.count());
  if (!use_timerfd_) {
    // Probe once: epoll_pwait2 is in glibc 2.36 but needs Linux 5.11.
    timespec zero{};
    epoll_event probe[1];
    if (::epoll_pwait2(epoll_fd_, probe, 1, &zero, nullptr) < 0 && errno == ENOSYS) {
      use_timerfd_ = true;
    }
  }
  if (use_timerfd_) {
    timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    epoll_event tev{};
    tev.events = EPOLLIN;
    tev.data.u64 = timer_token;
    if (timer_fd_ < 0 || ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &tev) != 0) {
      const int err = errno;
      if (timer_fd_ >= 0) ::close(timer_fd_);
      ::close(wake_fd_);
      ::close(epoll_fd_);
      throw std::system_error(err, std::generic_category(), "timerfd");
    }
  }
}

event_loop::~event_loop() {
  discard_pending_work();
  roots().destroy_all();
  discard_pending_work();  // anything the destroyed frames posted on their way out
  if (timer_fd_ >= 0) ::close(timer_fd_);
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void event_loop::discard_pending_work() noexcept {
  ready_.clear();
  draining_.clear();
  {
    std::lock_guard<std::mutex> lock(remote_mutex_);
    remote_.clear();
    remote_pending_.store(false, std::memory_order_relaxed);
  }
  cancel_delivery_posted_.store(false, std::memory_order_relaxed);  // its callback is gone
  auto drop = [this](loop_detail::timer_entry& e) {
    e.slot->callback.destroy();
    free_slot(e.slot);
  };
  for (std::size_t i = fifo_head_; i < timer_fifo_.size(); ++i) drop(timer_fifo_[i]);
  for (auto& e : timer_heap_) drop(e);
  timer_fifo_.clear();
  fifo_head_ = 0;
  timer_heap_.clear();
  cancelled_timers_.store(0, std::memory_order_relaxed);
  for (auto& [fd, st] : fds_) {
    for (auto* slot : {st->reader, st->writer}) {
      if (slot != nullptr) {
        slot->callback.destroy();
        free_slot(slot);
      }
    }
    st->reader = st->writer = nullptr;
  }
  fd_waits_ = 0;
}

void event_loop::grow_slots() {
  auto block = std::make_unique<loop_detail::wait_slot[]>(slots_per_block);
  for (std::size_t i = 0; i + 1 < slots_per_block; ++i) block[i].next_free = &block[i + 1];
  block[slots_per_block - 1].next_free = free_slots_;
  free_slots_ = &block[0];
  slot_blocks_.push_back(std::move(block));
}

// ---- settings ----

void event_loop::set_slow_callback_handler(std::function<void(const slow_callback_info&)> h) {
  slow_handler_ = h ? std::move(h) : default_slow_handler;
}

void event_loop::set_exception_handler(std::function<void(std::exception_ptr)> h) {
  exception_handler_ = h ? std::move(h) : default_exception_handler;
}

void event_loop::check_timer_thread() const {
  if (is_running() && !in_loop_thread()) {
    throw std::logic_error("event_loop: timers may only be set from the loop thread");
  }
}

// ---- running ----

void event_loop::run_forever() {
  run_until([](const void*) { return false; }, nullptr);
}

void event_loop::run_until(bool (*done)(const void*), const void* arg) {
  running_scope scope(this, running_);
  while (!done(arg)) {
    run_once();
    if (stop_requested_.exchange(false, std::memory_order_acq_rel)) break;
  }
}

void event_loop::stop() noexcept {
  stop_requested_.store(true, std::memory_order_seq_cst);
  wake_if_sleeping();
}

void event_loop::shutdown() {
  roots().cancel_all();
  if (in_loop_thread()) return;
  run_until(
      [](const void* self) {
        auto* loop = const_cast<event_loop*>(static_cast<const event_loop*>(self));
        if (loop->roots().size() == 0) return true;
        loop->roots().cancel_all();  // tasks spawned while shutting down are cancelled too
        return false;
      },
      this);
}

// One queued delivery serves every cancellation requested before it runs: it clears the flag
// first (acq_rel on both sides), so a request either is seen by the pass or posts another one.
void event_loop::deliver_cancels_later() noexcept {
  if (cancel_delivery_posted_.exchange(true, std::memory_order_acq_rel)) return;
  call_soon_threadsafe([this] {
    cancel_delivery_posted_.exchange(false, std::memory_order_acq_rel);
    roots().deliver_requested_cancels();
  });
}

void event_loop::wake_if_sleeping() noexcept {
  if (!sleeping_.load(std::memory_order_seq_cst)) return;
  if (wake_signalled_.exchange(true, std::memory_order_acq_rel)) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void event_loop::run_once() {
  std::int64_t timeout = -1;  // nanoseconds; -1 = until something happens
  std::int64_t deadline = 0;
  if (!ready_.empty() || remote_pending_.load(std::memory_order_relaxed) ||
      stop_requested_.load(std::memory_order_relaxed)) {
    timeout = 0;
  } else if (timer_entries() != 0) {
    if (cancelled_timers_.load(std::memory_order_relaxed) * 2 > timer_entries()) {
      purge_cancelled_timers();
    }
    if (timer_entries() != 0) {
      const loop_detail::timer_entry* first = nullptr;
      if (fifo_head_ < timer_fifo_.size()) first = &timer_fifo_[fifo_head_];
      if (!timer_heap_.empty() &&
          (first == nullptr || loop_detail::fires_before(timer_heap_.front(), *first))) {
        first = &timer_heap_.front();
      }
      deadline = first->deadline;
      timeout = std::max<std::int64_t>(0, deadline - now_ns());
      if (timeout < poll_below_ns_) timeout = 0;  // too soon to sleep: poll (see the option)
    }
  }
  if (timeout != 0) {
    // Announce the sleep, then look again: a poster either sees sleeping_ (and writes the
    // eventfd) or its work is seen here (seq_cst on both sides).
    sleeping_.store(true, std::memory_order_seq_cst);
    if (remote_pending_.load(std::memory_order_seq_cst) ||
        stop_requested_.load(std::memory_order_seq_cst)) {
      timeout = 0;
    }
  }
  // With no descriptor waits and nothing to sleep for, skip the system call.
  if (timeout != 0 || fd_waits_ != 0) poll(timeout, deadline);
  sleeping_.store(false, std::memory_order_relaxed);

  if (timer_entries() != 0) fire_due_timers();
  if (remote_pending_.load(std::memory_order_acquire)) drain_remote();
  if (debug_) {
    run_ready_debug();
  } else {
    run_ready();
  }
}

void event_loop::poll(std::int64_t timeout_ns, std::int64_t deadline_ns) {
  epoll_event events[max_events];
  int n = 0;
  if (use_timerfd_) {
    int timeout_ms = timeout_ns == 0 ? 0 : -1;
    if (timeout_ns > 0) {
      itimerspec spec{};
      spec.it_value.tv_sec = deadline_ns / 1'000'000'000;
      spec.it_value.tv_nsec = deadline_ns % 1'000'000'000;
      ::timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
    }
    n = ::epoll_wait(epoll_fd_, events, max_events, timeout_ms);
  } else {
    timespec ts{};
    ts.tv_sec = timeout_ns / 1'000'000'000;
    ts.tv_nsec = timeout_ns % 1'000'000'000;
    n = ::epoll_pwait2(epoll_fd_, events, max_events, timeout_ns < 0 ? nullptr : &ts, nullptr);
  }
  if (n < 0) {
    if (errno == EINTR) return;
    throw_errno("epoll_wait");
  }
  for (int i = 0; i < n; ++i) {
    const std::uint64_t token = events[i].data.u64;
    if (token == wake_token) {
      std::uint64_t count = 0;
      [[maybe_unused]] auto r = ::read(wake_fd_, &count, sizeof count);
      wake_signalled_.store(false, std::memory_order_release);
    } else if (token == timer_token) {
      std::uint64_t count = 0;
      [[maybe_unused]] auto r = ::read(timer_fd_, &count, sizeof count);
    } else {
      dispatch_fd(static_cast<loop_detail::fd_state*>(events[i].data.ptr), events[i].events);
    }
  }
}

void event_loop::fire_due_timers() {
  const std::int64_t now = now_ns();
  // Firing adds no timer (callbacks run later, from the ready queue): the fifo's end is read
  // once, and a drained fifo is reset once, after the loop.
  const std::size_t fifo_end = timer_fifo_.size();
  for (;;) {
    loop_detail::timer_entry e;
    const bool fifo_has = fifo_head_ < fifo_end;
    if (!timer_heap_.empty() &&
        (!fifo_has || loop_detail::fires_before(timer_heap_.front(), timer_fifo_[fifo_head_]))) {
      if (timer_heap_.front().deadline > now) break;
      std::pop_heap(timer_heap_.begin(), timer_heap_.end(), heap_order{});
      e = timer_heap_.back();
      timer_heap_.pop_back();
    } else if (fifo_has) {
      if (timer_fifo_[fifo_head_].deadline > now) break;
      e = timer_fifo_[fifo_head_++];
    } else {
      break;
    }
    loop_detail::wait_slot* s = e.slot;
    if (s->fire()) {
      lag_.record(now - e.deadline);
      ready_.push_relocate(s->callback);
    } else {
      s->callback.destroy();
      cancelled_timers_.fetch_sub(1, std::memory_order_relaxed);
    }
    free_slot(s);
  }
  if (fifo_head_ != 0 && fifo_head_ == timer_fifo_.size()) {
    timer_fifo_.clear();
    fifo_head_ = 0;
  }
}

// Drop cancelled timers before their deadline, once they are the majority (asyncio does the
// same), so that many cancelled long timeouts cannot grow the heap without bound.
void event_loop::purge_cancelled_timers() {
  std::vector<loop_detail::timer_entry> live;
  live.reserve(timer_entries());
  auto keep = [&](const loop_detail::timer_entry& e) {
    if ((e.slot->state.load(std::memory_order_acquire) & 3) == loop_detail::slot_armed) {
      live.push_back(e);
    } else {
      e.slot->callback.destroy();
      free_slot(e.slot);
      cancelled_timers_.fetch_sub(1, std::memory_order_relaxed);
    }
  };
  std::vector<loop_detail::timer_entry> fifo_live;
  for (std::size_t i = fifo_head_; i < timer_fifo_.size(); ++i) keep(timer_fifo_[i]);
  fifo_live.swap(live);
  for (auto& e : timer_heap_) keep(e);
  timer_fifo_ = std::move(fifo_live);
  fifo_head_ = 0;
  timer_heap_ = std::move(live);
  std::make_heap(timer_heap_.begin(), timer_heap_.end(), heap_order{});
}

void event_loop::drain_remote() {
  std::lock_guard<std::mutex> lock(remote_mutex_);
  ready_.append(remote_);
  remote_pending_.store(false, std::memory_order_relaxed);
}

void event_loop::run_ready() {
  draining_.swap(ready_);
  const std::size_t n = draining_.size();
  constexpr std::size_t ahead = 4;  // items whose frames are loaded while one runs
  for (std::size_t i = 0; i < n; ++i) {
    if (i + ahead < n) draining_[i + ahead].prefetch();
    try {
      draining_[i].run_and_destroy();
    } catch (...) {
      report_exception(std::current_exception());
    }
  }
  draining_.forget_run_items();
}

void event_loop::run_ready_debug() {
  draining_.swap(ready_);
  const std::size_t n = draining_.size();
  for (std::size_t i = 0; i < n; ++i) {
    const bool task_step = draining_[i].is_resume();
    const auto start = clock::now();
    try {
      draining_[i].run_and_destroy();
    } catch (...) {
      report_exception(std::current_exception());
    }
    const auto took = clock::now() - start;
    if (took > slow_threshold_) {
      ++slow_count_;
      try {
        slow_handler_(slow_callback_info{took, slow_threshold_, task_step});
      } catch (...) {
        report_exception(std::current_exception());
      }
    }
  }
  draining_.forget_run_items();
}

void event_loop::report_exception(std::exception_ptr e) noexcept {
  try {
    exception_handler_(std::move(e));
  } catch (...) {
    // The handler itself failed: nothing sensible is left to tell anyone.
  }
}

// ---- descriptor readiness ----

int event_loop::update_interest(loop_detail::fd_state* st) noexcept {
  epoll_event ev{};
  ev.events = EPOLLONESHOT;
  if (st->reader != nullptr) ev.events |= EPOLLIN | EPOLLRDHUP;
  if (st->writer != nullptr) ev.events |= EPOLLOUT;
  ev.data.ptr = st;
  if (st->registered) {
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, st->fd, &ev) == 0) return 0;
    if (errno != ENOENT) return errno;
    st->registered = false;  // the descriptor was closed and its number reused
  }
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, st->fd, &ev) == 0) {
    st->registered = true;
    return 0;
  }
  if (errno == EEXIST && ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, st->fd, &ev) == 0) {
    st->registered = true;
    return 0;
  }
  return errno;
}

int event_loop::arm_fd_wait(int fd, bool write, std::coroutine_handle<> h,
                            loop_detail::fd_state*& st, loop_detail::wait_slot*& slot,
                            std::uint64_t& gen) {
  auto& owned = fds_[fd];
  if (!owned) {
    owned = std::make_unique<loop_detail::fd_state>();
    owned->fd = fd;
  }
  st = owned.get();
  loop_detail::wait_slot*& current = write ? st->writer : st->reader;
  if (current != nullptr) {
    const std::uint64_t current_gen = write ? st->writer_gen : st->reader_gen;
    if ((current->state.load(std::memory_order_acquire) & 3) != loop_detail::slot_cancelled) {
      return EBUSY;
    }
    release_fd_wait(st, write, current, current_gen);
  }
  slot = alloc_slot();
  slot->callback.emplace_resume(h);
  gen = slot->generation();
  current = slot;
  (write ? st->writer_gen : st->reader_gen) = gen;
  if (const int err = update_interest(st); err != 0) {
    current = nullptr;
    free_slot(slot);
    slot = nullptr;
    return err;
  }
  ++fd_waits_;
  return 0;
}

void event_loop::release_fd_wait(loop_detail::fd_state* st, bool write,
                                 loop_detail::wait_slot* slot, std::uint64_t gen) noexcept {
  loop_detail::wait_slot*& current = write ? st->writer : st->reader;
  const std::uint64_t current_gen = write ? st->writer_gen : st->reader_gen;
  if (current != slot || current_gen != gen) return;  // already fired or released
  current = nullptr;
  slot->callback.destroy();
  free_slot(slot);
  --fd_waits_;
  update_interest(st);  // stop watching for what nobody waits for any more
}

void event_loop::dispatch_fd(loop_detail::fd_state* st, std::uint32_t revents) {
  const bool in = (revents & (EPOLLIN | EPOLLPRI | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) != 0;
  const bool out = (revents & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0;
  auto fire = [this](loop_detail::wait_slot*& slot, std::uint64_t gen) {
    loop_detail::wait_slot* s = std::exchange(slot, nullptr);
    if (s->transition(gen, loop_detail::slot_armed, loop_detail::slot_fired)) {
      ready_.push_relocate(s->callback);
    } else {
      s->callback.destroy();  // cancelled: its canceller resumes the task
    }
    free_slot(s);
    --fd_waits_;
  };
  if (in && st->reader != nullptr) fire(st->reader, st->reader_gen);
  if (out && st->writer != nullptr) fire(st->writer, st->writer_gen);
  // EPOLLONESHOT disarmed the descriptor: re-arm for whoever still waits.
  if (st->reader != nullptr || st->writer != nullptr) update_interest(st);
}

void event_loop::forget_fd(int fd) noexcept {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return;
  loop_detail::fd_state* st = it->second.get();
  for (auto* slot : {st->reader, st->writer}) {
    if (slot != nullptr) {  // a cancelled wait not yet cleaned up
      slot->callback.destroy();
      free_slot(slot);
      --fd_waits_;
    }
  }
  if (st->registered) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  fds_.erase(it);
}

void fd_awaiter::cancel_wait() noexcept {
  if (!slot_->transition(gen_, loop_detail::slot_armed, loop_detail::slot_cancelled)) return;
  // The descriptor's bookkeeping belongs to the loop thread: clean it up there, then resume.
  // The awaiter lives until that resumption, so the callback may refer to it.
  loop_->call_soon([self = this] {
    self->loop_->release_fd_wait(self->state_, self->write_, self->slot_, self->gen_);
    self->handle_.resume();
  });
}

// ---- timer handles ----

bool timer_handle::cancel() noexcept {
  if (slot_ == nullptr) return false;
  if (!slot_->transition(gen_, loop_detail::slot_armed, loop_detail::slot_cancelled)) return false;
  loop_->note_cancelled_timer();
  return true;
}

}  // namespace execbench::rt
