#include "execbench/runtime/tbb_runtime.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <new>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace execbench::rt {

namespace {

// libtbb is not instrumented, so ThreadSanitizer cannot see that handing a task to a TBB worker
// orders its construction before its execution, nor that a task's memory, recycled by TBB's
// small-object pool, is reused only after its previous use ended. Under TSan, an acq_rel RMW on
// one atomic at each hand-off point makes those orderings visible; without TSan they cost
// nothing. (What TBB's own inline code does to that memory after the last point, destroying its
// task, is suppressed narrowly in tests/tsan.supp.)
#if defined(__SANITIZE_THREAD__)
std::atomic<unsigned> tsan_handoff{0};
void tsan_handoff_point() noexcept {
  tsan_handoff.fetch_add(1, std::memory_order_acq_rel);
}
#else
void tsan_handoff_point() noexcept {}
#endif

// Starts n threads that stay alive until all n have started, then ends and joins them; throws
// std::system_error (from detail::start_thread, after its retries) when one cannot be started.
void check_threads_can_start(std::size_t n) {
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  detail::start_threads(
      threads, n,
      [&go] {
        while (!go.load(std::memory_order_acquire)) go.wait(false, std::memory_order_acquire);
      },
      [&go] {
        go.store(true, std::memory_order_release);
        go.notify_all();
      });
  go.store(true, std::memory_order_release);
  go.notify_all();
  for (auto& t : threads) t.join();
}

}  // namespace

// The task body TBB stores (it calls it through a const reference, hence `mutable`).
struct tbb_runtime::job {
  // Declared first: built before, and destroyed after, the members that carry the work.
  struct handoff_mark {
    handoff_mark() = default;
    // TBB has allocated the task, maybe in memory another thread's task used: acquire first.
    handoff_mark(handoff_mark&&) noexcept { tsan_handoff_point(); }
    // TBB is about to free the task's memory: release what this thread did to it.
    ~handoff_mark() { tsan_handoff_point(); }
  } mark;
  tbb_runtime* rt;
  mutable detail::work_item work;

  job(tbb_runtime* r, detail::work_item w) noexcept : rt(r), work(std::move(w)) {}
  job(job&& other) noexcept
      : mark(std::move(other.mark)), rt(other.rt), work(std::move(other.work)) {
    tsan_handoff_point();  // the body is in TBB's task: publish it to the worker that runs it
  }
  job(const job&) = delete;
  job& operator=(const job&) = delete;
  job& operator=(job&&) = delete;
  ~job() = default;

  void operator()() const noexcept {
    tsan_handoff_point();  // first: before reading any member
    if (!rt->stopping_.load(std::memory_order_acquire)) {
      work();
    } else {
      work = {};  // dropped unrun: the runtime is being destroyed
    }
    rt->in_flight_.fetch_sub(1, std::memory_order_release);
  }
};

tbb_runtime::tbb_runtime(std::size_t workers)
    : workers_(std::max<std::size_t>(workers, 1)),
      parallelism_(oneapi::tbb::global_control::max_allowed_parallelism, workers_ + 1),
      arena_(static_cast<int>(workers_), 0) {
  // TBB starts its workers from its own threads, where a refused start (the process's or the
  // user's thread limit) throws out of TBB's code and ends the process. So the runtime first
  // checks that its workers can be alive at once, and fails its construction if they cannot
  // ("tbb: cannot start N threads: Resource temporarily unavailable"): the row reports it.
  // TBB may still be refused later, if the limit is reached meanwhile by other threads.
  try {
    check_threads_can_start(workers_);
  } catch (const std::system_error& e) {
    throw std::system_error(e.code(), "tbb: cannot start " + std::to_string(workers_) + " threads");
  }
  arena_.initialize();
  // TBB starts its workers lazily: make it start them now, not in the first timed run, by
  // holding N tasks until all N run at once (or a generous while, if TBB gives fewer threads).
  std::atomic<std::size_t> arrived{0}, left{0};
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (std::size_t i = 0; i < workers_; ++i) {
    post([&]() noexcept {
      arrived.fetch_add(1);
      while (arrived.load() < workers_ && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      left.fetch_add(1);
    });
  }
  while (left.load() < workers_) std::this_thread::sleep_for(std::chrono::microseconds(100));
}

tbb_runtime::~tbb_runtime() {
  stopping_.store(true, std::memory_order_release);
  roots().cancel_all();  // wakes the workers blocked in waits
  while (in_flight_.load(std::memory_order_acquire) != 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  roots().destroy_all();
}

void tbb_runtime::submit(detail::work_item w) noexcept {
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  try {
    arena_.enqueue(job{this, std::move(w)});
  } catch (const std::bad_alloc&) {
    detail::fatal("tbb: out of memory enqueueing a task");
  }
}

}  // namespace execbench::rt
