// execbench's main, as a library function over a list of runtimes: bench/src/main.cpp runs it
// over execbench's own (rt::all_runtimes); a project of its own runs it over its runtimes (with
// or without ours) and gets every preset, primitive, counter and flag, as
// examples/own_runtime/ does.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "execbench/bench/command_line.hpp"
#include "execbench/bench/register_metg.hpp"
#include "execbench/bench/register_primitives.hpp"
#include "execbench/bench/register_workloads.hpp"
#include "execbench/bench/workload_catalog.hpp"

namespace execbench::bench {

// What the driver needs of a list of runtimes, each part instantiated for that list.
struct runtime_set {
  std::vector<runtime_entry> entries;
  std::string (*over_budget_help)(const std::vector<planned_workload>&);
  std::size_t (*register_primitives)(const options&);
  std::size_t (*register_workloads)(const std::vector<planned_workload>&, const options&);
  std::size_t (*register_metg)(const std::vector<metg_family>&, const options&);
};

// The runtime set of a type list of runtimes (a std::tuple of rt::runtime types).
template <class List>
runtime_set runtime_set_of() {
  return {runtime_entries<List>(), &over_budget_help<List>, &register_primitives<List>,
          &register_workloads<List>, &register_metg<List>};
}

// Takes execbench's flags, registers the selected rows of `runtimes`, runs them under Google
// Benchmark and writes the report; returns the process's exit status (README, "When a run is
// stopped").
int run_main(int argc, char** argv, const runtime_set& runtimes);

}  // namespace execbench::bench
