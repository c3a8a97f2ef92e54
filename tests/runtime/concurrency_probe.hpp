// Measures how many tasks run at the same time: each task enters, blocks its thread a moment,
// and leaves. For the blocking runtimes, whose worker count bounds that number.
#pragma once

#include <atomic>
#include <chrono>

#include "execbench/runtime/task.hpp"

namespace execbench::test {

struct concurrency_probe {
  int bound;   // the most visitors the runtime should let in at once
  int total;   // how many visit
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<int> finished{0};

  // A visitor stays until `bound` visitors are inside at once (or every one still to leave is):
  // a thread that starts late on a busy machine cannot make the bound look lower than it is.
  // It then holds its thread for `hold` more, in which a visitor beyond the bound would enter.
  template <class R>
  rt::task<void> blocking_visit(R& r, std::chrono::milliseconds hold) {
    using namespace std::chrono_literals;
    const int now = inside.fetch_add(1) + 1;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (inside.load() < bound && inside.load() + finished.load() < total &&
           std::chrono::steady_clock::now() < give_up) {
      co_await r.sleep(1ms);
    }
    co_await r.sleep(hold);
    inside.fetch_sub(1);
    finished.fetch_add(1);
  }
};

}  // namespace execbench::test
