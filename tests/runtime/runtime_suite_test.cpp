// The typed runtime suite (tests/include/execbench/testing/runtime_suite.hpp) over every runtime
// of all_runtimes.hpp.
#include "execbench/testing/runtime_suite.hpp"

#include <cstddef>

#include <gtest/gtest.h>

#include "execbench/runtime/all_runtimes.hpp"

// Timers of the same duration started one after another on one worker wake in start order on
// every runtime but tbb: an arena's enqueued tasks are taken from several lanes, in no
// guaranteed order.
template <>
struct execbench::runtime_tests::suite_params<execbench::rt::tbb_runtime> {
  static constexpr std::size_t posts = 1'000'000;
  static constexpr bool timers_in_start_order = false;
};

EXECBENCH_RUNTIME_SUITE(runtime_suite, execbench::rt::apply_runtimes_t<::testing::Types>);
