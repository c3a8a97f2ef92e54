#include "execbench/bench/workload_catalog.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>

#include <benchmark/benchmark.h>

#include "execbench/workloads/floors.hpp"
#include "execbench/workloads/kernels.hpp"
#include "execbench/workloads/presets.hpp"
#include "execbench/workloads/spec.hpp"

namespace execbench::bench {
namespace {

namespace wl = execbench::workloads;

unsigned machine_threads() {
  return std::max(1U, std::thread::hardware_concurrency());
}

}  // namespace

planned_workload plan_workload(const wl::workload_spec& spec) {
  planned_workload w;
  w.name = spec.name;
  auto plan = std::make_shared<wl::plan>(wl::materialize(spec));
  // The plan's own ideal, without the host floors: kernel_cpu_ms and the run-time estimate read
  // it; each run's ideal, floors included, is computed after the run.
  w.ideal = wl::compute_ideal_makespan(*plan, machine_threads(), 1.0, wl::host_floors{});
  w.work_tasks = static_cast<std::size_t>(std::count_if(plan->tasks().begin(), plan->tasks().end(),
                                                        [](const auto& t) { return t.work; }));
  w.plan = std::move(plan);
  return w;
}

namespace {

// Row names are <workload>/<runtime>/workers:<N>: a name with a slash would shift the fields.
void check_row_name(const wl::workload_spec& spec) {
  if (spec.name.find_first_of("/ \t\n") != std::string::npos) {
    throw usage_error(spec.source + ": /name: \"" + spec.name +
                      "\" cannot name benchmark rows (no '/' or spaces)");
  }
}

// The files a flag names, read and validated, in order; usage_error names the flag and the
// problem (workloads' one line: file, JSON path, problem).
std::vector<wl::workload_spec> load_files(const std::vector<std::string>& files,
                                          const char* flag) {
  std::vector<wl::workload_spec> specs;
  for (const auto& file : files) {
    // A folder opens as a stream that reads nothing: say what it is.
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) {
      throw usage_error(std::string(flag) + ": " + file + ": is a folder, not a workload file");
    }
    try {
      specs.push_back(wl::load_workload(file));
    } catch (const wl::workload_error& e) {
      throw usage_error(std::string(flag) + ": " + e.what());
    }
  }
  return specs;
}

// Each workload's name names rows: usable in a row name, and no other's of this run.
void check_names(const std::vector<wl::workload_spec>& specs) {
  for (std::size_t i = 0; i < specs.size(); ++i) {
    check_row_name(specs[i]);
    for (std::size_t j = 0; j < i; ++j) {
      if (specs[j].name == specs[i].name) {
        throw usage_error(specs[i].source + ": /name: \"" + specs[i].name +
                          "\" is the name of another workload of this run");
      }
    }
  }
}

}  // namespace

std::vector<planned_workload> load_workloads(const options& opts) {
  std::vector<wl::workload_spec> specs;
  if (!opts.workloads.empty()) {
    specs = load_files(opts.workloads, "--workload");
  } else {
    try {
      for (const auto& name : wl::preset_names()) specs.push_back(wl::load_preset(name));
    } catch (const std::exception& e) {  // e.g. the preset directory is missing
      throw usage_error(std::string("workloads: ") + e.what());
    }
  }
  check_names(specs);
  std::vector<planned_workload> planned;
  for (const auto& spec : specs) planned.push_back(plan_workload(spec));
  for (std::size_t i = 0; i < planned.size(); ++i) {
    planned[i].index = i + 1;
    planned[i].count = planned.size();
  }
  return planned;
}

std::vector<metg_family> load_metg_families(const options& opts) {
  if (opts.metg_files.empty()) return builtin_metg_families(machine_threads());
  const auto specs = load_files(opts.metg_files, "--metg");
  check_names(specs);
  std::vector<metg_family> families;
  for (const auto& spec : specs) {
    try {
      families.push_back(file_metg_family(spec, machine_threads()));
    } catch (const std::invalid_argument& e) {
      throw usage_error(std::string("--metg: ") + e.what());
    }
  }
  return families;
}

double estimate_iteration_s(const planned_workload& w, const rt::runtime_traits& runtime,
                            std::size_t workers, unsigned cores) {
  const wl::plan& p = *w.plan;
  // What holds a thread, summed over all tasks (µs). A tcp exchange also waits its loopback
  // round trip, ~30 µs here, on top of the server's delay.
  double cpu_us = 0, blocking_us = 0, all_us = 0;
  for (const auto& t : p.tasks()) {
    for (const auto& s : p.steps(t)) {
      const double us = static_cast<double>(s.ns) / 1e3;
      if (wl::is_cpu(s.op)) {
        cpu_us += us;
        continue;
      }
      // Beyond its planned time, what the kind takes (step_traits::extra_us: a tcp round
      // trip, a disk read from the page cache); a call through r.blocking holds a thread.
      const wl::step_traits& traits = wl::traits_of(s.op);
      if (traits.runs_blocking) blocking_us += us + traits.extra_us;
      all_us += traits.extra_us;
    }
    all_us += static_cast<double>(wl::task_duration_ns(p, t, 1.0, wl::host_floors{})) / 1e3;
  }
  const double n = static_cast<double>(std::max<std::size_t>(workers, 1));
  const double usable_cores = std::min(n, static_cast<double>(std::max(cores, 1U)));
  double busy_us = w.ideal.value_us();
  switch (runtime.threads) {
    case rt::thread_model::single_loop:
      busy_us = std::max(busy_us, cpu_us + blocking_us);
      break;
    case rt::thread_model::offload_loop:
    case rt::thread_model::async_pool:
      busy_us = std::max({busy_us, cpu_us / usable_cores, (cpu_us + blocking_us) / n});
      break;
    case rt::thread_model::blocking:
      busy_us = std::max({busy_us, cpu_us / usable_cores, all_us / n});
      break;
  }
  // What scheduling the tasks costs the runtime (rt::task_cost).
  const auto tasks = static_cast<double>(p.tasks().size());
  const rt::task_cost& cost = runtime.cost;
  busy_us += tasks * cost.per_task_us / static_cast<double>(std::max(cores, 1U));
  busy_us += static_cast<double>(w.work_tasks) * cost.per_working_task_us / n;
  busy_us = std::max(busy_us, tasks * cost.serial_per_task_us);
  return busy_us / 1e6;
}

void add_calibration_to_report() {
  const auto& c = wl::kernels::calibrate();
  // CPU steps take as much longer (or shorter) than they are written as spin(50 us) does now:
  // say so up front. Efficiency is unaffected (its ideal takes the time the kernels took).
  if (c.spin_50us_error > 0.05 || c.spin_50us_error < -0.05) {
    std::fprintf(stderr,
                 "execbench: warning: spin(50 us) takes %.1f us at this run's calibration "
                 "(%+.0f%%): CPU steps will take about that much %s than written (--recalibrate "
                 "measures the speeds anew)\n",
                 c.spin_50us_measured_us, c.spin_50us_error * 100,
                 c.spin_50us_error > 0 ? "longer" : "less");
  }
  const auto fmt = [](double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return std::string(buf);
  };
  benchmark::AddCustomContext("calibration_spin_50us_error", fmt(c.spin_50us_error));
  benchmark::AddCustomContext("calibration_spin_50us_measured_us", fmt(c.spin_50us_measured_us));
  for (const auto k : enum_values<wl::cpu_kernel>) {
    benchmark::AddCustomContext("calibration_ns_per_iteration_" + std::string(name_of(k)),
                                fmt(c.ns_per_iteration[static_cast<std::size_t>(k)]));
  }
  benchmark::AddCustomContext("calibration_memory_buffer_bytes",
                              std::to_string(c.memory_buffer_bytes));
  benchmark::AddCustomContext("calibration_ms", fmt(c.calibration_ms));
  // The host cost floors (JSON text: median, low, high, n per floor; `missing` with reasons).
  const auto& floors = wl::current_floors();
  benchmark::AddCustomContext("floors", wl::floors_to_json(floors));
  for (const auto& [name, why] : floors.missing) {
    std::fprintf(stderr,
                 "execbench: warning: floor %s not measured: %s (the ideal leaves it out)\n",
                 name.c_str(), why.c_str());
  }
}

}  // namespace execbench::bench
