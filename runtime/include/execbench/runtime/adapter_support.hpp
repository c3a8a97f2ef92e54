// What the adapter runtimes (asio, thread_per_task, thread_pool, tbb) share: a queued unit of work
// that is either a coroutine to resume or a posted callable, the inline cpu/blocking steps
// (detail/inline_steps.hpp), the re-scheduling yield, and graceful shutdown over the registry of
// spawned tasks.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdio>
#include <exception>
#include <functional>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "execbench/runtime/detail/inline_steps.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt::detail {

// Ends the process with a message: for the few failures a worker thread cannot hand to anyone.
[[noreturn]] inline void fatal(const char* what, const char* detail = "") noexcept {
  std::fprintf(stderr, "execbench runtime: %s%s%s\n", what, *detail ? ": " : "", detail);
  std::fflush(stderr);
  std::terminate();
}

}  // namespace execbench::rt::detail

// Test-only fault injection: a hook that makes detail::start_thread refuse thread starts the
// way the kernel does at RLIMIT_NPROC (EAGAIN), so that the tests of a refused thread start can
// run as root (whom RLIMIT_NPROC does not bind) and under the sanitizers. It is read on every
// start, in every build; production code never sets it.
namespace execbench::rt::testing {

inline constexpr long unlimited_thread_starts = -1;

// How many more starts are allowed; unlimited_thread_starts: no limit (the default).
inline std::atomic<long> thread_starts_left{unlimited_thread_starts};

// After `starts` more thread starts through rt::detail::start_thread (every runtime's own
// threads but TBB's), refuse the following ones with EAGAIN, until allow_thread_starts().
inline void refuse_thread_starts_after(long starts) noexcept {
  thread_starts_left.store(starts, std::memory_order_relaxed);
}
inline void allow_thread_starts() noexcept {
  thread_starts_left.store(unlimited_thread_starts, std::memory_order_relaxed);
}

}  // namespace execbench::rt::testing

namespace execbench::rt::detail {

// Whether the test hook (rt::testing::refuse_thread_starts_after) refuses this start.
inline bool thread_start_refused() noexcept {
  auto& left = testing::thread_starts_left;
  long n = left.load(std::memory_order_relaxed);
  while (n != testing::unlimited_thread_starts) {
    if (n == 0) return true;
    if (left.compare_exchange_weak(n, n - 1, std::memory_order_relaxed)) return false;
  }
  return false;
}

// Start a thread running f (copied for each attempt). While the kernel answers EAGAIN (thread
// or memory-map limits reached by the whole machine, which a busy shared machine does hit)
// it retries for up to a second; then, or on any other error, it throws std::system_error.
template <class F>
std::thread start_thread(const F& f) {
  for (int attempt = 0;; ++attempt) {
    try {
      if (thread_start_refused())
        throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
      return std::thread(f);
    } catch (const std::system_error& e) {
      if (e.code() != std::errc::resource_unavailable_try_again || attempt == 1000) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

// Start a pool's n worker threads, each running `body`, into `threads`. When one is refused
// (past start_thread's retries), stop() is called to make those already started return, they
// are joined, and the error is rethrown: the pool's constructor fails cleanly instead of
// leaving joinable threads behind.
template <class F, class Stop>
void start_threads(std::vector<std::thread>& threads, std::size_t n, const F& body, Stop stop) {
  threads.reserve(n);
  try {
    for (std::size_t i = 0; i < n; ++i) threads.push_back(start_thread(body));
  } catch (...) {
    stop();
    for (auto& t : threads) t.join();
    threads.clear();
    throw;
  }
}

// Runs a callable posted to a runtime. There is nobody to hand its exception to, so it ends the
// process with a message rather than unwinding out of a worker thread.
template <class F>
void invoke_posted(F& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    fatal("a callable posted to a runtime threw", e.what());
  } catch (...) {
    fatal("a callable posted to a runtime threw a non-standard exception");
  }
}

// One queued unit of work: a coroutine to resume or a posted callable. Move-only; destroying
// one that never ran drops it (a coroutine is not resumed, a callable is freed) as shutdown needs.
class work_item {
 public:
  work_item() noexcept = default;
  static work_item resume(std::coroutine_handle<> h) noexcept {
    return work_item(h.address(), &resume_fn, nullptr);
  }
  template <class F>
  static work_item call(F&& f) {
    using fn_t = std::decay_t<F>;
    return work_item(new fn_t(std::forward<F>(f)), &call_fn<fn_t>, &drop_fn<fn_t>);
  }

  work_item(work_item&& other) noexcept
      : arg_(std::exchange(other.arg_, nullptr)), run_(other.run_), drop_(other.drop_) {}
  work_item& operator=(work_item&& other) noexcept {
    if (this != &other) {
      reset();
      arg_ = std::exchange(other.arg_, nullptr);
      run_ = other.run_;
      drop_ = other.drop_;
    }
    return *this;
  }
  work_item(const work_item&) = delete;
  work_item& operator=(const work_item&) = delete;
  ~work_item() { reset(); }

  explicit operator bool() const noexcept { return arg_ != nullptr; }
  // The coroutine it resumes; a null handle when it is a posted callable (or empty).
  std::coroutine_handle<> coroutine() const noexcept {
    return run_ == &resume_fn ? std::coroutine_handle<>::from_address(arg_)
                              : std::coroutine_handle<>();
  }

  // Runs it once; never throws.
  void operator()() noexcept { run_(std::exchange(arg_, nullptr)); }

 private:
  work_item(void* arg, void (*run)(void*) noexcept, void (*drop)(void*) noexcept) noexcept
      : arg_(arg), run_(run), drop_(drop) {}

  void reset() noexcept {
    if (arg_ != nullptr && drop_ != nullptr) drop_(arg_);
    arg_ = nullptr;
  }
  static void resume_fn(void* a) noexcept { std::coroutine_handle<>::from_address(a).resume(); }
  template <class F>
  static void call_fn(void* a) noexcept {
    auto* f = static_cast<F*>(a);
    invoke_posted(*f);
    delete f;
  }
  template <class F>
  static void drop_fn(void* a) noexcept {
    delete static_cast<F*>(a);
  }

  void* arg_ = nullptr;
  void (*run_)(void*) noexcept = nullptr;
  void (*drop_)(void*) noexcept = nullptr;
};

// yield on a queue-based runtime: go to the back of the queue so that other ready work runs.
struct [[nodiscard]] reschedule {
  scheduler* where;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const noexcept { where->schedule(h); }
  void await_resume() const noexcept {}
};

// Graceful shutdown: cancel every spawned task, again for any spawned meanwhile, until none is
// left. Called from a thread that none of those tasks needs (not from one of the runtime's own).
inline void cancel_and_drain(scheduler& s) noexcept {
  using namespace std::chrono_literals;
  while (s.roots().size() != 0) {
    s.roots().cancel_all();
    std::this_thread::sleep_for(200us);
  }
}

}  // namespace execbench::rt::detail
