// What one spawn costs, counted rather than timed: runs spawn_many's body (spawn and await
// 10,000 empty tasks, bench/include/execbench/bench/primitives.hpp) ROUNDS times on the runtime
// named, for valgrind's callgrind (instructions per function, unmoved by a noisy host) and, with
// alloc_sizes.cpp linked in, a count of the sizes allocated. Built and run as
// docs/measurements.md shows ("Where spawning's cost went").
//
//   spawn_probe RUNTIME ROUNDS      e.g. spawn_probe loop 10
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <tuple>
#include <vector>

#include "execbench/bench/primitives.hpp"
#include "execbench/runtime/all_runtimes.hpp"

namespace rt = execbench::rt;
namespace bench = execbench::bench;

namespace {

template <class R>
int probe(int rounds) {
  constexpr std::size_t tasks = bench::primitive_size::spawn_many_tasks;
  R r(1);
  std::vector<rt::join_handle<void>> handles;
  handles.reserve(tasks);
  std::atomic<std::size_t> ran{0};
  std::size_t total = 0;
  for (int i = 0; i < rounds; ++i) total += r.run(bench::detail::spawn_many_once(r, handles, ran));
  if (total != static_cast<std::size_t>(rounds) * tasks) {
    std::fprintf(stderr, "spawn_probe: %zu tasks ran, not %zu\n", total,
                 static_cast<std::size_t>(rounds) * tasks);
    return 1;
  }
  return 0;
}

template <class... R>
int probe_named(std::string_view name, int rounds, std::tuple<R...>*) {
  int status = 2;
  ((name == R::name ? (status = probe<R>(rounds), true) : false) || ...);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc == 3 ? std::atoi(argv[2]) : 0;
  if (rounds <= 0) {
    std::fprintf(stderr, "usage: spawn_probe RUNTIME ROUNDS (ROUNDS > 0)\n");
    return 2;
  }
  const int status = probe_named(argv[1], rounds, static_cast<rt::all_runtimes*>(nullptr));
  if (status == 2) std::fprintf(stderr, "spawn_probe: no runtime named %s\n", argv[1]);
  return status;
}
