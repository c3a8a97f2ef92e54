// Materialization: a workload spec plus its seed, turned into the exact work of every task.
//
// Every task instance gets its resolved step list (p decided, repeats unrolled, latencies
// drawn, kernel inputs chosen), so that every runtime runs exactly the same work. The plan is
// built once, before anything is timed, in flat preallocated arrays: running it allocates
// nothing and only reads it.
//
// Layout: tasks are numbered group by group; inside a group, the work tasks (those that run
// the program: every task, except a tree's inner nodes) come first, in release order, so a
// work task's release index is its index inside its group. Dependencies always point to lower
// indices, so index order is a topological order.
//   chain:     task i waits for task i-1.
//   tree:      leaves first (fanout^depth of them), then each level up to the root, last;
//              node j of a level gathers nodes j*fanout ... j*fanout+fanout-1 of the level below.
//   wavefront: task (step s, column c) is s*width + c and waits for columns c-1, c, c+1 of
//              step s-1 (those that exist).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "execbench/workloads/spec.hpp"

namespace execbench::workloads {

// planned_step, the resolved step, and step_op, what it does: step_kinds.hpp.

struct planned_task {
  std::uint64_t arrival_ns = 0;  // open loop: scheduled arrival after the run's start; else 0
  std::uint32_t first_step = 0;
  std::uint32_t step_count = 0;
  std::uint32_t first_dep = 0;  // predecessors: plan::dependencies
  std::uint32_t dep_count = 0;
  std::uint32_t first_successor = 0;  // tasks that wait for this one: plan::successors
  std::uint32_t successor_count = 0;
  std::uint32_t group = 0;
  bool work = true;  // runs the program; false for a tree's inner node, which only gathers
};

struct planned_group {
  std::string name;
  graph_shape shape = graph_shape::independent;
  release_spec release;
  std::uint32_t first_task = 0;
  std::uint32_t task_count = 0;  // every node
  std::uint32_t work_count = 0;  // nodes that run the program: the first work_count tasks
};

// Totals a run's result is checked against.
struct plan_totals {
  std::uint64_t steps = 0;
  std::uint64_t cpu_steps = 0;
  std::uint64_t tcp_exchanges = 0;
  std::uint64_t tcp_request_bytes = 0;
  std::uint64_t tcp_response_bytes = 0;
  std::uint64_t disk_reads = 0;
  std::uint64_t disk_bytes = 0;
  std::vector<std::uint64_t> lock_acquisitions;  // per lock id
};

class plan {
 public:
  const workload_spec& spec() const noexcept { return spec_; }
  const std::vector<planned_group>& groups() const noexcept { return groups_; }
  std::span<const planned_task> tasks() const noexcept { return tasks_; }
  std::span<const planned_step> all_steps() const noexcept { return steps_; }

  std::span<const planned_step> steps(const planned_task& t) const noexcept {
    return std::span(steps_).subspan(t.first_step, t.step_count);
  }
  std::span<const std::uint32_t> dependencies(const planned_task& t) const noexcept {
    return std::span(deps_).subspan(t.first_dep, t.dep_count);
  }
  std::span<const std::uint32_t> successors(const planned_task& t) const noexcept {
    return std::span(successors_).subspan(t.first_successor, t.successor_count);
  }

  const plan_totals& totals() const noexcept { return totals_; }
  // Size of the file the disk steps read (the largest file_bytes); 0 when there are none.
  std::uint64_t disk_file_bytes() const noexcept { return disk_file_bytes_; }

  friend plan materialize(const workload_spec& spec);
  friend struct step_planner;  // plan.cpp: the step kinds' plans fill the totals

 private:
  workload_spec spec_;
  std::vector<planned_group> groups_;
  std::vector<planned_task> tasks_;
  std::vector<planned_step> steps_;
  std::vector<std::uint32_t> deps_;
  std::vector<std::uint32_t> successors_;
  plan_totals totals_;
  std::uint64_t disk_file_bytes_ = 0;
};

// Build the plan of a validated spec. Deterministic: the same spec (seed included) gives the
// same plan, on every machine. For each work task and each spec step, in order: if p < 1, one
// uniform draw decides whether the step runs at all; if it runs, it runs `repeat` times, each
// repetition with its own latency draw and kernel input.
plan materialize(const workload_spec& spec);

}  // namespace execbench::workloads
