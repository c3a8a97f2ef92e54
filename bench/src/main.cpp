// execbench: the driver (driver.hpp) over execbench's own runtimes.
#include "execbench/bench/driver.hpp"
#include "execbench/runtime/all_runtimes.hpp"

int main(int argc, char** argv) {
  return execbench::bench::run_main(argc, argv,
                                    execbench::bench::runtime_set_of<execbench::rt::all_runtimes>());
}
