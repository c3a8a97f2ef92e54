// Registers the runtime primitives (primitives.hpp) for every runtime of a type list, as rows
// named primitive/<primitive>/<runtime>/workers:<N>.
#pragma once

#include <array>
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "execbench/bench/command_line.hpp"
#include "execbench/bench/measurement.hpp"
#include "execbench/bench/primitives.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/workloads/enum_names.hpp"
#include "execbench/workloads/kernels.hpp"

namespace execbench::bench {

// The primitives, in the order the rows run (and are listed): one primitive across all
// runtimes at a time, so that the rows to compare are next to each other. Each value is named
// as its rows are (name_of, enum_names.hpp).
#define EXECBENCH_PRIMITIVES(X) \
  X(spawn_many)                 \
  X(post_local)                 \
  X(post_remote)                \
  X(ping_pong)                  \
  X(chained_spawn)              \
  X(yield_many)                 \
  X(timers_1k)                  \
  X(timers_100k)                \
  X(thread_start)
EXECBENCH_ENUM(primitive, EXECBENCH_PRIMITIVES)

inline constexpr auto all_primitives = enum_values<primitive>;

// Small enough that the whole primitive suite runs in about a minute on two cores.
inline const std::vector<std::size_t> default_primitive_workers = {1, 2};
// Where the blocking runtimes run timers_1k by default: 1,000 sleeps of 10 ms that each hold a
// thread take about 1,000 x 10 ms / N, 160 ms at 64 workers (but 5 s at 2).
inline constexpr std::size_t default_blocking_timer_workers = 64;

// Whether a runtime with a fixed thread count (runtime_traits.hpp) has rows of a workload or
// METG family at that count: when --workers lists it or is absent.
template <rt::runtime R>
bool fixed_workers_wanted(const options& opts) {
  static_assert(R::traits.fixed_workers != 0);
  return opts.workers.empty() || std::find(opts.workers.begin(), opts.workers.end(),
                                           R::traits.fixed_workers) != opts.workers.end();
}

// The worker counts at which primitive `p` is registered for runtime R; empty: not at all.
template <rt::runtime R>
std::vector<std::size_t> primitive_worker_counts(primitive p, const options& opts) {
  const auto& listed = opts.workers.empty() ? default_primitive_workers : opts.workers;
  std::vector<std::size_t> counts;
  // A runtime whose sleeps hold a thread (runtime_traits.hpp) runs 1,000 sleeps at 64 threads
  // or more, 100,000 not at all; one that starts a thread per post has no post_* rows (a
  // million thread starts an iteration; thread_start, spawn_many and chained_spawn measure
  // what a thread start costs). A one-thread runtime runs at 1 only.
  if (p == primitive::timers_1k && rt::waits_block_thread<R>) {
    if (opts.workers.empty()) return {default_blocking_timer_workers};
    for (const auto n : listed) {
      if (n >= default_blocking_timer_workers) counts.push_back(n);
    }
    return counts;
  }
  if (p == primitive::timers_100k && rt::waits_block_thread<R>) return {};
  if ((p == primitive::post_local || p == primitive::post_remote) && R::traits.thread_per_post) {
    return {};
  }
  for (const auto n : listed) {
    if (R::traits.fixed_workers != 0 && n != R::traits.fixed_workers) continue;
    counts.push_back(n);
  }
  return counts;
}

template <rt::runtime R>
void run_primitive(primitive p, benchmark::State& state, const row_info& row) {
  switch (p) {
    case primitive::spawn_many:
      return spawn_many<R>(state, row);
    case primitive::post_local:
      return post_local<R>(state, row);
    case primitive::post_remote:
      return post_remote<R>(state, row);
    case primitive::ping_pong:
      return ping_pong<R>(state, row);
    case primitive::chained_spawn:
      return chained_spawn<R>(state, row);
    case primitive::yield_many:
      return yield_many<R>(state, row);
    case primitive::timers_1k:
      return timers<R>(state, row, 1'000);
    case primitive::timers_100k:
      return timers<R>(state, row, 100'000);
    case primitive::thread_start:
      return thread_start<R>(state, row);
  }
}

template <rt::runtime R>
std::string primitive_row_name(primitive p, std::size_t workers) {
  return "primitive/" + std::string(name_of(p)) + "/" + std::string(R::name) +
         "/workers:" + std::to_string(workers);
}

template <rt::runtime R>
void register_primitive_row(primitive p, std::size_t workers, const options& opts) {
  row_info row{primitive_row_name<R>(p, workers), workers};
  auto* b = benchmark::RegisterBenchmark(row.name.c_str(), [p, row](benchmark::State& state) {
    if (!run_progress::get().call_started(state, row.name)) return;
    const double probe = workloads::kernels::probe_spin_ns_per_iteration();
    run_primitive<R>(p, state, row);
    state.counters["workers"] = static_cast<double>(row.workers);
    state.counters[speed_probe_counter] = probe;
  });
  b->UseRealTime()->MeasureProcessCPUTime();
  run_progress::get().add_row(row.name + "/process_time/real_time", repetitions_of(opts));
}

// Applies a template lambda to each type of a type list (any variadic template: std::tuple,
// a type_list...).
template <class List>
struct for_each_type;
template <template <class...> class List, class... Types>
struct for_each_type<List<Types...>> {
  template <class F>
  static void apply(F&& f) {
    (f.template operator()<Types>(), ...);
  }
};

// The names of the runtimes in a type list, in its order.
template <class List>
std::vector<std::string_view> runtime_names() {
  std::vector<std::string_view> names;
  for_each_type<List>::apply([&]<class R>() { names.push_back(R::name); });
  return names;
}

// Whether runtime R's rows are registered: `opts` selects it and this machine can run it.
template <rt::runtime R>
bool registers_rows(const options& opts) {
  return wants_runtime(opts, R::name) && rt::unavailable_reason<R>().empty();
}

// The runtimes of a type list with their traits, in its order.
template <class List>
std::vector<runtime_entry> runtime_entries() {
  std::vector<runtime_entry> entries;
  for_each_type<List>::apply([&]<class R>() {
    entries.push_back({R::name, R::traits, rt::unavailable_reason<R>()});
  });
  return entries;
}

// Registers every primitive for every runtime of List that `opts` selects; returns the rows.
template <class List>
std::size_t register_primitives(const options& opts) {
  std::size_t rows = 0;
  for (const auto p : all_primitives) {
    for_each_type<List>::apply([&]<class R>() {
      if (!registers_rows<R>(opts)) return;
      for (const auto n : primitive_worker_counts<R>(p, opts)) {
        register_primitive_row<R>(p, n, opts);
        ++rows;
      }
    });
  }
  return rows;
}

}  // namespace execbench::bench
