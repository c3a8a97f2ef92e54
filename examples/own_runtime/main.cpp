// execbench over this project's runtime: every preset, primitive, counter and flag of execbench,
// with no line of execbench edited. Registering a runtime is naming it in this list; add
// execbench's own (execbench/runtime/all_runtimes.hpp) to compare against them in one run.
#include <tuple>

#include <execbench/bench/driver.hpp>

#include "work_stealing_runtime.hpp"

using runtimes = std::tuple<own::work_stealing_runtime>;

int main(int argc, char** argv) {
  return execbench::bench::run_main(argc, argv, execbench::bench::runtime_set_of<runtimes>());
}
