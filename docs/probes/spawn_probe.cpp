// What one spawn costs, counted rather than timed: spawns and awaits 10,000 empty tasks,
// ROUNDS times, on the runtime named, for valgrind's callgrind (instructions per function,
// unmoved by a noisy host) and, with alloc_sizes.cpp linked in, a count of the sizes allocated.
// The body is spawn_many's (bench/include/execbench/bench/primitives.hpp). Built and run as
// docs/measurements.md shows ("Where spawning's cost went").
//
//   spawn_probe RUNTIME ROUNDS      e.g. spawn_probe loop 20
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <tuple>
#include <vector>

#include "execbench/runtime/all_runtimes.hpp"

namespace rt = execbench::rt;

namespace {

constexpr std::size_t tasks = 10'000;

rt::task<void> empty_task(std::atomic<std::size_t>& ran) {
  ran.fetch_add(1, std::memory_order_relaxed);
  co_return;
}

template <class R>
rt::task<std::size_t> spawn_all(R& r, std::vector<rt::join_handle<void>>& handles,
                                std::atomic<std::size_t>& ran) {
  for (std::size_t i = 0; i < tasks; ++i) handles.push_back(rt::spawn(r, empty_task(ran)));
  for (auto& h : handles) co_await h;
  handles.clear();
  co_return ran.exchange(0, std::memory_order_relaxed);
}

template <class R>
int probe(int rounds) {
  R r(1);
  std::vector<rt::join_handle<void>> handles;
  handles.reserve(tasks);
  std::atomic<std::size_t> ran{0};
  std::size_t total = 0;
  for (int i = 0; i < rounds; ++i) total += r.run(spawn_all(r, handles, ran));
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
