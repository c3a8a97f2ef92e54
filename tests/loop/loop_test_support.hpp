// Helpers shared by the event loop tests: a fixture that puts every test under the tests'
// watchdog (test_watchdog.hpp), and a struct that counts its destructions.
#pragma once

#include <atomic>
#include <chrono>

#include <gtest/gtest.h>

#include "execbench/testing/watchdog.hpp"

namespace execbench::rt::loop_test {

// Every test runs under a watchdog: a deadlocked loop fails in seconds.
class guarded_test : public ::testing::Test {
 private:
  execbench::test::watchdog dog_{std::chrono::seconds(20)};
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
