#include "execbench/workloads/ideal.hpp"

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <vector>

namespace execbench::workloads {

double ideal_makespan::value_us() const noexcept {
  return std::max({critical_path_us, cpu_bound_us, release_us, lock_serial_us});
}

namespace {

// The host floors' CPU for the task's I/O steps, in ns (floors.hpp).
double task_floor_ns(const plan& p, const planned_task& t, const host_floors& floors) noexcept {
  double ns = 0;
  for (const auto& s : p.steps(t)) ns += floors.step_floor_ns(s);
  return ns;
}

}  // namespace

std::uint64_t task_cpu_ns(const plan& p, const planned_task& t,
                          const host_floors& floors) noexcept {
  std::uint64_t ns = 0;
  for (const auto& s : p.steps(t))
    if (is_cpu(s.op)) ns += s.ns;
  return ns + static_cast<std::uint64_t>(task_floor_ns(p, t, floors));
}

std::uint64_t task_duration_ns(const plan& p, const planned_task& t, double cpu_scale,
                               const host_floors& floors) noexcept {
  std::uint64_t ns = 0;
  double cpu = task_floor_ns(p, t, floors);
  for (const auto& s : p.steps(t)) {
    if (is_cpu(s.op))
      cpu += static_cast<double>(s.ns);
    else if (traits_of(s.op).planned_wait)
      ns += s.ns;
  }
  return ns + static_cast<std::uint64_t>(cpu * cpu_scale);
}

double mean_work_task_us(const plan& p) {
  double sum_ns = 0;
  std::size_t n = 0;
  for (const auto& t : p.tasks()) {
    if (!t.work) continue;
    sum_ns += static_cast<double>(task_duration_ns(p, t, 1.0, host_floors{}));
    ++n;
  }
  return n == 0 ? 0 : sum_ns / static_cast<double>(n) / 1e3;
}

ideal_makespan compute_ideal_makespan(const plan& p, unsigned cores, double cpu_scale,
                                      const host_floors& floors) {
  if (cores == 0) throw std::invalid_argument("compute_ideal_makespan: cores must be >= 1");
  if (!(cpu_scale > 0))
    throw std::invalid_argument("compute_ideal_makespan: cpu_scale must be > 0");
  ideal_makespan m;
  m.cores = cores;
  const auto tasks = p.tasks();
  // Earliest finishes without and with arrival times; indices are topological (plan.hpp).
  std::vector<std::uint64_t> ef(tasks.size()), ef_arrival(tasks.size());
  std::vector<std::uint64_t> group_work_ns(p.groups().size(), 0);
  std::vector<std::uint64_t> lock_ns(p.spec().locks.size(), 0);
  std::uint64_t total_cpu = 0, total_duration = 0, critical = 0;
  std::vector<std::uint64_t> open_release(p.groups().size(), 0);

  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const planned_task& t = tasks[i];
    const std::uint64_t d = task_duration_ns(p, t, cpu_scale, floors);
    const auto c =
        static_cast<std::uint64_t>(static_cast<double>(task_cpu_ns(p, t, floors)) * cpu_scale);
    std::uint64_t start = 0, start_arrival = t.arrival_ns;
    for (std::uint32_t dep : p.dependencies(t)) {
      start = std::max(start, ef[dep]);
      start_arrival = std::max(start_arrival, ef_arrival[dep]);
    }
    ef[i] = start + d;
    ef_arrival[i] = start_arrival + d;
    critical = std::max(critical, ef[i]);
    open_release[t.group] = std::max(open_release[t.group], ef_arrival[i]);
    total_cpu += c;
    total_duration += d;
    if (t.work) group_work_ns[t.group] += d;
    for (const auto& s : p.steps(t))
      if (s.op == step_op::lock) lock_ns[s.size2] += s.ns;
  }

  double release = 0;
  for (std::size_t g = 0; g < p.groups().size(); ++g) {
    const release_spec& r = p.groups()[g].release;
    if (r.mode == release_mode::open)
      release = std::max(release, static_cast<double>(open_release[g]) / 1e3);
    else if (r.mode == release_mode::closed)
      release = std::max(release, static_cast<double>(group_work_ns[g]) / 1e3 / r.concurrency);
  }

  m.critical_path_us = static_cast<double>(critical) / 1e3;
  m.total_cpu_us = static_cast<double>(total_cpu) / 1e3;
  m.total_task_us = static_cast<double>(total_duration) / 1e3;
  m.cpu_bound_us = m.total_cpu_us / cores;
  m.release_us = release;
  for (std::uint64_t ns : lock_ns)
    m.lock_serial_us = std::max(m.lock_serial_us, static_cast<double>(ns) / 1e3);
  return m;
}

}  // namespace execbench::workloads
