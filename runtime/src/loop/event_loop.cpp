// The event loop's construction and iteration (see execbench/runtime/event_loop.hpp for its
// parts).
#include "execbench/runtime/event_loop.hpp"

#include <sys/prctl.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "execbench/runtime/loop/epoll_reactor.hpp"

namespace execbench::rt {

namespace {

std::unique_ptr<reactor> make_reactor(const event_loop_options& options) {
  if (!options.make_reactor) return std::make_unique<epoll_reactor>(options.force_timerfd);
  std::unique_ptr<reactor> r = options.make_reactor();
  if (!r) throw std::invalid_argument("event_loop: make_reactor returned no reactor");
  return r;
}

void default_slow_handler(const slow_callback_info& info) {
  const double ms = static_cast<double>(info.duration.count()) / 1e6;
  const double threshold_ms = static_cast<double>(info.threshold.count()) / 1e6;
  if (info.task_step && info.created.line() != 0) {
    std::fprintf(stderr,
                 "execbench event loop: a step of the task created at %s:%u (in %s) took %.3f ms "
                 "(threshold %.3f ms)\n",
                 info.created.file_name(), static_cast<unsigned>(info.created.line()),
                 info.created.function_name(), ms, threshold_ms);
    return;
  }
  std::fprintf(stderr, "execbench event loop: %s took %.3f ms (threshold %.3f ms)\n",
               info.task_step ? "task step" : "callback", ms, threshold_ms);
}

void default_exception_handler(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "execbench event loop: callback threw: %s\n", ex.what());
  } catch (const cancelled_error&) {
    std::fprintf(stderr, "execbench event loop: callback threw cancelled_error\n");
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
      reactor_(make_reactor(options)),
      timers_(),
      descriptors_(*reactor_, slots_),
      slow_handler_(default_slow_handler),
      exception_handler_(default_exception_handler),
      poll_below_ns_(std::max<std::int64_t>(0, options.poll_below.count())) {}

event_loop::~event_loop() {
  // The default executor's jobs finish first: one may still post its result to this loop.
  default_executor_.reset();
  discard_pending_work();
  roots().destroy_all();
  discard_pending_work();  // anything the destroyed frames posted on their way out
}

void event_loop::discard_pending_work() noexcept {
  ready_.clear();
  cancel_delivery_posted_.store(false, std::memory_order_relaxed);  // its callback is gone
  timers_.clear(slots_);
  descriptors_.clear();
}

// ---- settings ----

void event_loop::set_slow_callback_handler(std::function<void(const slow_callback_info&)> h) {
  slow_handler_ = h ? std::move(h) : default_slow_handler;
}

void event_loop::set_exception_handler(std::function<void(std::exception_ptr)> h) {
  exception_handler_ = h ? std::move(h) : default_exception_handler;
}

executor_pool& event_loop::default_executor() {
  std::call_once(default_executor_started_, [this] {
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    default_executor_ = std::make_unique<executor_pool>(std::min<std::size_t>(32, cores + 4));
  });
  return *default_executor_;
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
  if (sleeping_.load(std::memory_order_seq_cst)) reactor_->wake();
}

void event_loop::run_once() {
  std::int64_t timeout = -1;  // nanoseconds; -1 = until something happens
  std::int64_t deadline = 0;
  if (!ready_.empty() || ready_.remote_pending() ||
      stop_requested_.load(std::memory_order_relaxed)) {
    timeout = 0;
  } else if (!timers_.empty()) {
    if (timers_.mostly_cancelled()) timers_.purge_cancelled(slots_);
    if (!timers_.empty()) {
      deadline = timers_.earliest_deadline();
      timeout = std::max<std::int64_t>(0, deadline - now_ns());
      if (timeout < poll_below_ns_) timeout = 0;  // too soon to sleep: poll (see the option)
    }
  }
  if (timeout != 0) {
    // Announce the sleep, then look again: a poster either sees sleeping_ (and wakes the
    // reactor) or its work is seen here (seq_cst on both sides).
    sleeping_.store(true, std::memory_order_seq_cst);
    if (ready_.remote_pending(std::memory_order_seq_cst) ||
        stop_requested_.load(std::memory_order_seq_cst)) {
      timeout = 0;
    }
  }
  // With no descriptor waits, no operation in flight and nothing to sleep for, skip the reactor.
  if (timeout != 0 || descriptors_.waits() != 0 || operations_ != 0) {
    wait_in_reactor(timeout, deadline);
  }
  sleeping_.store(false, std::memory_order_relaxed);

  if (!timers_.empty()) timers_.fire_due(now_ns(), ready_, lag_, slots_);
  if (ready_.remote_pending(std::memory_order_acquire)) ready_.take_remote();
  if (debug_) {
    ready_.run_timed(exception_handler_, slow_threshold_, slow_handler_, slow_count_);
  } else {
    ready_.run(exception_handler_);
  }
}

void event_loop::wait_in_reactor(std::int64_t timeout_ns, std::int64_t deadline_ns) {
  for (const reactor_event& ev : reactor_->wait(timeout_ns, deadline_ns)) {
    if (ev.descriptor != nullptr) descriptors_.dispatch(ev, ready_);
    if (ev.operation != nullptr) {  // its awaiter resumes with the result
      --operations_;
      ready_.push_resume(std::coroutine_handle<>::from_address(ev.operation->context));
    }
  }
}

void event_loop::forget_fd(int fd) noexcept {
  descriptors_.forget(fd);
}

// ---- timer handles ----

bool timer_handle::cancel() noexcept {
  if (remote_ != nullptr) return !remote_->exchange(true, std::memory_order_acq_rel);
  if (slot_ == nullptr) return false;
  if (!slot_->transition(gen_, loop_detail::slot_armed, loop_detail::slot_cancelled)) return false;
  loop_->note_cancelled_timer();
  return true;
}

}  // namespace execbench::rt
