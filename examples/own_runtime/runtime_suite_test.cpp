// execbench's typed runtime suite over this project's runtime: the contract execbench's own
// runtimes are held to (values, exceptions, cancellation, shutdown, timers, descriptor waits,
// posts from other threads, and what its traits declare).
#include <cstddef>

#include <gtest/gtest.h>

#include <execbench/testing/runtime_suite.hpp>

#include "work_stealing_runtime.hpp"

// A worker runs its own newest work first (last in, first out), so timers started one after
// another on one worker do not wake in start order: the pool promises no such order, and says so.
template <>
struct execbench::runtime_tests::suite_params<own::work_stealing_runtime> {
  static constexpr std::size_t posts = 1'000'000;
  static constexpr bool timers_in_start_order = false;
};

EXECBENCH_RUNTIME_SUITE(own, ::testing::Types<own::work_stealing_runtime>);
