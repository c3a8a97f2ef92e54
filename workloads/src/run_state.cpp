#include "execbench/workloads/run_state.hpp"

#include <unistd.h>

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>
#include <utility>

namespace execbench::workloads {

workload_fixtures::workload_fixtures(const plan& p)
    : calibration_(&kernels::calibrate()), cpu_clock_cost_ns_(kernels::thread_cpu_clock_cost_ns()) {
  const auto steps = p.all_steps();
  if (std::any_of(steps.begin(), steps.end(),
                  [](const planned_step& s) { return s.op == step_op::memory; }))
    memory_.emplace();
  if (p.totals().tcp_exchanges > 0) server_.emplace();
  if (p.disk_file_bytes() > 0) {
    disk_.emplace(p.disk_file_bytes());
    disk_fd_ = disk_->open_for_reading();
  }
}

workload_fixtures::~workload_fixtures() {
  if (disk_fd_ >= 0) close(disk_fd_);
}

bool async_mutex::try_lock() noexcept {
  std::lock_guard<std::mutex> g(guard_);
  if (locked_) return false;
  locked_ = true;
  return true;
}

bool async_mutex::lock_or_enqueue(waiter& w) noexcept {
  std::lock_guard<std::mutex> g(guard_);
  if (!locked_) {
    locked_ = true;
    return false;
  }
  w.next = nullptr;
  if (tail_)
    tail_->next = &w;
  else
    head_ = &w;
  tail_ = &w;
  return true;
}

void async_mutex::unlock() noexcept {
  waiter* next = nullptr;
  {
    std::lock_guard<std::mutex> g(guard_);
    next = head_;
    if (next) {
      head_ = next->next;
      if (!head_) tail_ = nullptr;
      // The lock stays taken: ownership passes to `next`.
    } else {
      locked_ = false;
    }
  }
  if (next) next->resume(*next);  // outside the guard; `next` must not be touched after
}

run_state::run_state(const plan& p, const workload_fixtures& f)
    : plan_(&p),
      fixtures_(&f),
      locks_(std::make_unique<workload_lock[]>(p.spec().locks.size())),
      checksum_(p.tasks().size(), 0),
      cpu_ns_(p.tasks().size(), 0),
      wait_ns_(p.tasks().size(), 0),
      release_ns_(p.tasks().size(), 0),
      finish_ns_(p.tasks().size(), 0),
      done_(p.tasks().size(), 0) {}

void run_state::reset() noexcept {
  std::fill(checksum_.begin(), checksum_.end(), 0);
  std::fill(cpu_ns_.begin(), cpu_ns_.end(), 0);
  std::fill(wait_ns_.begin(), wait_ns_.end(), 0);
  std::fill(release_ns_.begin(), release_ns_.end(), 0);
  std::fill(finish_ns_.begin(), finish_ns_.end(), 0);
  std::fill(done_.begin(), done_.end(), 0);
  makespan_ns_ = 0;
  start_ = {};
  for (std::size_t i = 0; i < plan_->spec().locks.size(); ++i) locks_[i].counter = 0;
  tcp_sent_ = 0;
  tcp_received_ = 0;
  disk_bytes_ = 0;
  sampled_planned_ns_ = 0;
  sampled_cpu_ns_ = 0;
}

void run_state::finish_task(std::uint32_t i, std::uint64_t end_ns) noexcept {
  finish_ns_[i] = end_ns;
  done_[i] = 1;  // a flag, not a shared count: a task reported twice counts once, and no two
                 // tasks touch one memory location (each finish costs no locked instruction)
}

std::uint64_t run_state::tasks_finished() const noexcept {
  return static_cast<std::uint64_t>(std::count(done_.begin(), done_.end(), 1));
}

std::vector<std::uint64_t> run_state::work_latencies_ns() const {
  std::vector<std::uint64_t> out;
  out.reserve(plan_->tasks().size());
  for (std::uint32_t i = 0; i < plan_->tasks().size(); ++i)
    if (plan_->tasks()[i].work)
      out.push_back(finish_ns_[i] > release_ns_[i] ? finish_ns_[i] - release_ns_[i] : 0);
  return out;
}

double run_state::kernel_time_ratio() const noexcept {
  const std::uint64_t planned = sampled_planned_ns_.load(std::memory_order_relaxed);
  if (planned == 0) return 1.0;
  return static_cast<double>(sampled_cpu_ns_.load(std::memory_order_relaxed)) /
         static_cast<double>(planned);
}

bool run_state::should_sample_kernel(std::uint64_t planned_ns) noexcept {
  if (planned_ns >= kernel_sample_period_ns) return true;
  // Planned CPU work this thread has done since its last sample.
  thread_local std::uint64_t credit_ns = 0;
  credit_ns += planned_ns;
  if (credit_ns < kernel_sample_period_ns) return false;
  credit_ns -= kernel_sample_period_ns;
  return true;
}

double run_state::wait_compute_ratio() const noexcept {
  double cpu = 0, wait = 0;
  for (std::size_t i = 0; i < cpu_ns_.size(); ++i) {
    cpu += static_cast<double>(cpu_ns_[i]);
    wait += static_cast<double>(wait_ns_[i]);
  }
  if (cpu > 0) return wait / cpu;
  return wait > 0 ? std::numeric_limits<double>::infinity() : 0;
}

run_check verify_run(const run_state& state) {
  const plan& p = state.the_plan();
  const auto& cal = state.fixtures().calibration();
  auto fail = [](std::string problem) { return run_check{false, std::move(problem)}; };

  const auto tasks = p.tasks();
  if (state.tasks_finished() != tasks.size())
    return fail(std::to_string(state.tasks_finished()) + " of " + std::to_string(tasks.size()) +
                " tasks finished");
  // The references of kernels whose input is per spec step (hash) and of disk reads cost as
  // much as the work: compute each distinct one once.
  std::map<std::tuple<cpu_kernel, std::uint64_t, std::uint64_t>, std::uint64_t> kernel_results;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::uint64_t> disk_sums;
  for (std::uint32_t i = 0; i < tasks.size(); ++i) {
    if (!state.finished(i)) return fail("task " + std::to_string(i) + " did not finish");
    std::uint64_t acc = 0;
    for (const auto& s : p.steps(tasks[i])) {
      if (is_cpu(s.op)) {
        const auto k = kernel_of(s.op);
        const auto n = kernels::iterations_for(k, std::chrono::nanoseconds(s.ns), cal);
        std::uint64_t expected;
        if (input_of(k) == kernel_input::spec_step) {
          auto [it, fresh] = kernel_results.try_emplace({k, n, s.arg}, 0);
          if (fresh) it->second = kernels::expected_result(k, n, s.arg);
          expected = it->second;
        } else {
          expected = kernels::expected_result(k, n, s.arg);
        }
        acc = fold_checksum(acc, expected);
      } else if (s.op == step_op::disk) {
        auto [it, fresh] = disk_sums.try_emplace({s.arg, s.size}, 0);
        if (fresh) it->second = disk_expected_checksum(s.arg, s.size);
        acc = fold_checksum(acc, it->second);
      }
    }
    if (acc != state.checksum(i))
      return fail("task " + std::to_string(i) + " (group " + p.groups()[tasks[i].group].name +
                  "): wrong checksum of its CPU and disk results");
  }
  for (std::uint32_t l = 0; l < p.spec().locks.size(); ++l) {
    const auto want = p.totals().lock_acquisitions[l];
    if (state.lock(l).counter != want)
      return fail("lock \"" + p.spec().locks[l] + "\": counter " +
                  std::to_string(state.lock(l).counter) + ", expected " + std::to_string(want) +
                  " (the critical section did not exclude)");
  }
  if (state.tcp_sent() != p.totals().tcp_request_bytes ||
      state.tcp_received() != p.totals().tcp_response_bytes)
    return fail("tcp: sent " + std::to_string(state.tcp_sent()) + " and received " +
                std::to_string(state.tcp_received()) + " bytes, expected " +
                std::to_string(p.totals().tcp_request_bytes) + " and " +
                std::to_string(p.totals().tcp_response_bytes));
  if (state.disk_bytes() != p.totals().disk_bytes)
    return fail("disk: read " + std::to_string(state.disk_bytes()) + " bytes, expected " +
                std::to_string(p.totals().disk_bytes));
  return {};
}

}  // namespace execbench::workloads
