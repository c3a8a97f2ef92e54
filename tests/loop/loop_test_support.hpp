// Helpers shared by the event loop tests: a watchdog that turns a hang into a fast failure, and
// a struct that counts its destructions.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace execbench::rt::loop_test {

// Aborts the whole test binary if not destroyed within `limit`: a deadlocked loop must fail in
// seconds, not hang the suite until ctest's timeout.
class watchdog {
 public:
  explicit watchdog(std::chrono::seconds limit = std::chrono::seconds(20)) {
    thread_ = std::thread([this, limit] {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::fprintf(stderr, "watchdog: %s.%s still running after %lld s: aborting\n",
                     info != nullptr ? info->test_suite_name() : "?",
                     info != nullptr ? info->name() : "?", static_cast<long long>(limit.count()));
        std::abort();
      }
    });
  }
  ~watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Every test runs under a watchdog.
class guarded_test : public ::testing::Test {
 private:
  watchdog dog_;
};

// Counts destructions: a task frame holding one shows whether it was destroyed, and how often.
struct destruction_counter {
  std::atomic<int>* count;
  explicit destruction_counter(std::atomic<int>& c) noexcept : count(&c) {}
  destruction_counter(const destruction_counter&) = delete;
  destruction_counter& operator=(const destruction_counter&) = delete;
  ~destruction_counter() { count->fetch_add(1, std::memory_order_relaxed); }
};

}  // namespace execbench::rt::loop_test
