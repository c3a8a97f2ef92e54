// Linked into every test binary that runs the CPU kernels (execbench_add_test, tests/
// CMakeLists.txt): the memory kernel's buffer is 1 MiB there, not the 64 MB or more a run uses.
// The tests check what the kernels compute, which does not depend on the size; filling the real
// buffer takes 5 to 20 s per test process under the sanitizers (kernels.hpp,
// testing::use_memory_buffer_bytes).
#include <cstddef>

#include "execbench/workloads/kernels.hpp"

namespace {

struct small_memory_buffer {
  small_memory_buffer() {
    execbench::workloads::kernels::testing::use_memory_buffer_bytes(std::size_t{1} << 20);
  }
};

// Before every other static initializer of the binary (101 is the first priority a program may
// use): a test's own may already calibrate (program_test.cpp takes fixed speeds at start-up).
small_memory_buffer before_anything_else __attribute__((init_priority(101)));

}  // namespace
