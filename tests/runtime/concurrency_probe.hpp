// Measures how many tasks run at the same time: each task enters, blocks its thread a moment,
// and leaves. For the blocking runtimes, whose worker count bounds that number.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "execbench/runtime/task.hpp"

namespace execbench::test {

struct concurrency_probe {
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<int> finished{0};

  template <class R>
  rt::task<void> blocking_visit(R& r, std::chrono::milliseconds hold) {
    const int now = inside.fetch_add(1) + 1;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    co_await r.sleep(hold);
    inside.fetch_sub(1);
    finished.fetch_add(1);
  }
};

}  // namespace execbench::test
