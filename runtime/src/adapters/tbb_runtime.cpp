#include "execbench/runtime/tbb_runtime.hpp"

#include <algorithm>
#include <exception>
#include <new>
#include <thread>

namespace execbench::rt {

// The task body TBB stores (it calls it through a const reference, hence `mutable`).
struct tbb_runtime::job {
  tbb_runtime* rt;
  mutable detail::work_item work;

  void operator()() const noexcept {
    rt->in_flight_.load(std::memory_order_acquire);  // pairs with submit's release
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
  arena_.initialize();
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
  in_flight_.fetch_add(1, std::memory_order_release);
  try {
    arena_.enqueue(job{this, std::move(w)});
  } catch (const std::bad_alloc&) {
    detail::fatal("tbb: out of memory enqueueing a task");
  }
}

}  // namespace execbench::rt
