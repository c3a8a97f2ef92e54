#include "execbench/workloads/plan.hpp"

#include <algorithm>
#include <cmath>

#include "execbench/workloads/random.hpp"

namespace execbench::workloads {

namespace {

std::uint64_t to_ns(double us) noexcept {
  return static_cast<std::uint64_t>(std::llround(us * 1e3));
}

// Predecessors of task `local` (index inside its group), as indices inside the group.
template <class F>
void for_each_dependency(const graph_spec& g, std::uint64_t local, F&& f) {
  switch (g.shape) {
    case graph_shape::independent:
      break;
    case graph_shape::chain:
      if (local > 0) f(local - 1);
      break;
    case graph_shape::tree: {
      // Walk the levels from the leaves up to find the one holding `local`.
      std::uint64_t level_size = g.work_count(), level_start = 0, below_start = 0;
      bool leaf = true;
      while (local >= level_start + level_size) {
        below_start = level_start;
        level_start += level_size;
        level_size /= g.fanout;
        leaf = false;
      }
      if (leaf) break;
      const std::uint64_t j = local - level_start;
      for (std::uint64_t c = 0; c < g.fanout; ++c) f(below_start + j * g.fanout + c);
      break;
    }
    case graph_shape::wavefront: {
      const std::uint64_t step = local / g.width, col = local % g.width;
      if (step == 0) break;
      const std::uint64_t prev = (step - 1) * g.width;
      if (col > 0) f(prev + col - 1);
      f(prev + col);
      if (col + 1 < g.width) f(prev + col + 1);
      break;
    }
  }
}

}  // namespace

// What a step kind's plan draws and counts with (step_kinds.hpp): the group's random stream,
// the plan's totals, and the seed of spec step `si` of group `gi`.
struct step_planner {
  plan& p;
  rng& r;
  std::uint64_t seed;
  std::uint32_t gi, si;

  static std::uint64_t ns(double us) noexcept { return to_ns(us); }
  std::uint64_t draw_ns(const latency_dist& d) noexcept { return to_ns(draw_us(d, r)); }
  std::uint64_t random() noexcept { return r.next(); }
  std::uint64_t below(std::uint64_t n) noexcept { return r.below(n); }
  std::uint64_t spec_step_seed() const noexcept {
    return mix64(seed ^ (std::uint64_t{gi} << 32 | si));
  }
  plan_totals& totals() noexcept { return p.totals_; }
  void reads_file_of(std::uint64_t bytes) noexcept {
    p.disk_file_bytes_ = std::max(p.disk_file_bytes_, bytes);
  }
};

plan materialize(const workload_spec& spec) {
  plan p;
  p.spec_ = spec;

  // Preallocate from upper bounds: no reallocation while filling.
  std::uint64_t tasks = 0, step_bound = 0, dep_bound = 0;
  for (const auto& g : spec.groups) {
    tasks += g.graph.node_count();
    std::uint64_t per_task = 0;
    for (const auto& s : g.program) per_task += s.repeat;
    step_bound += per_task * g.graph.work_count();
    dep_bound += g.graph.node_count() * (g.graph.shape == graph_shape::tree ? 1 : 3);
  }
  p.tasks_.reserve(tasks);
  p.steps_.reserve(step_bound);
  p.deps_.reserve(dep_bound);
  p.totals_.lock_acquisitions.assign(spec.locks.size(), 0);

  for (std::uint32_t gi = 0; gi < spec.groups.size(); ++gi) {
    const group_spec& g = spec.groups[gi];
    planned_group pg;
    pg.name = g.name;
    pg.shape = g.graph.shape;
    pg.release = g.release;
    pg.first_task = static_cast<std::uint32_t>(p.tasks_.size());
    pg.task_count = static_cast<std::uint32_t>(g.graph.node_count());
    pg.work_count = static_cast<std::uint32_t>(g.graph.work_count());

    // One stream per group, so that editing one group leaves the others' draws unchanged.
    rng r(mix64(spec.seed) ^ mix64(0x6a09e667f3bcc909ULL + gi));

    for (std::uint64_t local = 0; local < pg.task_count; ++local) {
      planned_task t;
      t.group = gi;
      t.work = local < pg.work_count;
      t.first_step = static_cast<std::uint32_t>(p.steps_.size());
      t.first_dep = static_cast<std::uint32_t>(p.deps_.size());
      for_each_dependency(g.graph, local, [&](std::uint64_t d) {
        p.deps_.push_back(static_cast<std::uint32_t>(pg.first_task + d));
      });
      t.dep_count = static_cast<std::uint32_t>(p.deps_.size() - t.first_dep);
      if (t.work && g.release.mode == release_mode::open)
        t.arrival_ns = to_ns(static_cast<double>(local) * 1e6 / g.release.rate_per_s);

      if (t.work) {
        for (std::uint32_t si = 0; si < g.program.size(); ++si) {
          const step_spec& s = g.program[si];
          if (s.p < 1 && !(r.uniform() < s.p)) continue;
          for (std::uint32_t rep = 0; rep < s.repeat; ++rep) {
            planned_step ps;
            ps.op = op_of(s);
            step_planner planner{p, r, spec.seed, gi, si};
            visit_kind(s.kind, [&](auto kind) { decltype(kind)::plan(s, planner, ps); });
            p.steps_.push_back(ps);
          }
        }
      }
      t.step_count = static_cast<std::uint32_t>(p.steps_.size() - t.first_step);
      p.tasks_.push_back(t);
    }
    p.groups_.push_back(std::move(pg));
  }
  p.totals_.steps = p.steps_.size();

  // Successor lists (the reverse edges), laid out like the dependencies.
  std::vector<std::uint32_t> count(p.tasks_.size(), 0);
  for (std::uint32_t d : p.deps_) ++count[d];
  std::uint32_t offset = 0;
  for (std::size_t i = 0; i < p.tasks_.size(); ++i) {
    p.tasks_[i].first_successor = offset;
    p.tasks_[i].successor_count = 0;
    offset += count[i];
  }
  p.successors_.assign(p.deps_.size(), 0);
  for (std::uint32_t i = 0; i < p.tasks_.size(); ++i) {
    for (std::uint32_t d : p.dependencies(p.tasks_[i])) {
      planned_task& pred = p.tasks_[d];
      p.successors_[pred.first_successor + pred.successor_count++] = i;
    }
  }
  return p;
}

}  // namespace execbench::workloads
