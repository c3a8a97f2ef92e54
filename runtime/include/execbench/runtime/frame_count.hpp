// frame_count: how many coroutine frames of this library are alive, for tests (it must come
// back to where it started), kept on every task's path at the cost of a plain load and store.
//
// One shared atomic counter would cost every frame two locked read-modify-writes on one cache
// line that all threads share: tens of nanoseconds per task. Instead each thread counts in its
// own shard (written only by that thread, with relaxed loads and stores), and load() sums the
// shards under a mutex. A frame made on one thread and destroyed on another counts +1 on the
// first and -1 on the second: the sum is right. When a thread ends, its count moves to
// `retired`, and any frame it destroys later (a thread_local destructor) counts there.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace execbench::rt {

class frame_count {
 public:
  // Frames alive now, over all threads. Exact once the threads that make and destroy frames
  // have synchronized with the caller (a runtime's run() has returned, say).
  static std::int64_t load() noexcept {
    std::lock_guard<std::mutex> lock(registry_mutex());
    std::int64_t total = retired().load(std::memory_order_relaxed);
    for (const shard* s = head(); s != nullptr; s = s->next)
      total += s->value.load(std::memory_order_relaxed);
    return total;
  }

  static void add(std::int64_t delta) noexcept {
    shard& s = local();
    if (s.closed) {
      retired().fetch_add(delta, std::memory_order_relaxed);
      return;
    }
    s.value.store(s.value.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }

 private:
  // Trivially destructible, so that it stays usable until its thread has ended.
  struct shard {
    std::atomic<std::int64_t> value;
    shard* next;
    shard* prev;
    bool closed;
  };
  struct enrolment {
    shard* s;
    explicit enrolment(shard* sh) noexcept : s(sh) {
      std::lock_guard<std::mutex> lock(registry_mutex());
      s->next = head();
      s->prev = nullptr;
      if (head() != nullptr) head()->prev = s;
      head() = s;
    }
    enrolment(const enrolment&) = delete;
    enrolment& operator=(const enrolment&) = delete;
    ~enrolment() {
      std::lock_guard<std::mutex> lock(registry_mutex());
      retired().fetch_add(s->value.load(std::memory_order_relaxed), std::memory_order_relaxed);
      s->value.store(0, std::memory_order_relaxed);
      if (s->prev != nullptr) s->prev->next = s->next;
      if (s->next != nullptr) s->next->prev = s->prev;
      if (head() == s) head() = s->next;
      s->closed = true;
    }
  };

  static shard& local() noexcept {
    thread_local shard s{};
    thread_local enrolment e{&s};
    return s;
  }
  static std::mutex& registry_mutex() noexcept {
    static std::mutex m;
    return m;
  }
  static shard*& head() noexcept {
    static shard* h = nullptr;
    return h;
  }
  static std::atomic<std::int64_t>& retired() noexcept {
    static std::atomic<std::int64_t> r{0};
    return r;
  }
};

}  // namespace execbench::rt
