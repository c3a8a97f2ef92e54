// The tests' watchdog, for every test that could hang: unless destroyed within its limit, it
// names the test still running (and the part of it given) and aborts the process, so that a lost
// wake-up fails in seconds instead of at ctest's timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

namespace execbench::test {

class watchdog {
 public:
  static constexpr std::chrono::seconds default_limit{30};

  explicit watchdog(std::chrono::seconds limit = default_limit) : watchdog(std::string(), limit) {}
  // `what` says which part of the test is guarded; the test's own name is added to it.
  explicit watchdog(std::string what, std::chrono::seconds limit = default_limit)
      : what_(describe(std::move(what))), thread_([this, limit] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!disarmed_cv_.wait_for(lock, limit, [this] { return disarmed_; })) {
            std::fprintf(stderr, "watchdog: '%s' still running after %llds: aborting\n",
                         what_.c_str(), static_cast<long long>(limit.count()));
            std::fflush(stderr);
            std::abort();
          }
        }) {}
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;
  ~watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      disarmed_ = true;
    }
    disarmed_cv_.notify_all();
    thread_.join();
  }

 private:
  // "suite.test: what", read on the test's thread (GoogleTest's current test is its to read).
  static std::string describe(std::string what) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info != nullptr
                           ? std::string(info->test_suite_name()) + "." + info->name()
                           : std::string("?");
    return what.empty() ? name : name + ": " + what;
  }

  std::string what_;
  std::mutex mutex_;
  std::condition_variable disarmed_cv_;
  bool disarmed_ = false;
  std::thread thread_;  // last: it starts once the rest is built
};

}  // namespace execbench::test
