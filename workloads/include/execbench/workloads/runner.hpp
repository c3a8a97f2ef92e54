// The runner: one whole run of a plan on a runtime, honouring its graph and its release.
//
// A task starts once all its requirements are met: each of its dependencies has finished and,
// under an open loop, its scheduled arrival has come. Then, under a closed loop, it waits for
// one of its group's `concurrency` slots (FIFO); otherwise it starts at once. Starting a work
// task spawns run_task on the runtime; a tree's inner node has no task of its own: it finishes
// as its last child does. Open-loop arrivals come from a load-generator thread outside the
// runtime (as a real client would: on a blocking runtime a sleeping driver would hold a worker).
//
// Latency per work task (run_state::release_ns / finish_ns): from its release (closed loop:
// when it got its slot; unlimited: when its dependencies were done; open loop: its scheduled
// arrival, whenever the runtime got to it) to the end of its last step.
//
// Cancellation (a watchdog's roots().cancel_all()): run_plan ends at once with the
// cancellation; no further task is started, and the tasks already running end later, on their
// own. What they share lives outside run_plan's frame (each holds a reference count on it), so
// they never touch a destroyed frame; run_state and plan_dispatch belong to the caller, who
// keeps them until the runtime has no task left (destroying the runtime drains it).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "execbench/runtime/event.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/workloads/dispatch.hpp"
#include "execbench/workloads/plan.hpp"
#include "execbench/workloads/program.hpp"
#include "execbench/workloads/run_state.hpp"

namespace execbench::workloads {

namespace runner_detail {

template <class R>
struct run_shared : std::enable_shared_from_this<run_shared<R>> {
  run_shared(R& r_, run_state& s, plan_dispatch& d, std::chrono::steady_clock::time_point t0)
      : r(r_), state(s), dispatch(d), start(t0) {}

  R& r;
  run_state& state;
  plan_dispatch& dispatch;
  std::chrono::steady_clock::time_point start;
  rt::event all_done;
  std::mutex error_mutex;
  std::exception_ptr first_error;
  std::atomic<bool> stopping{false};  // the run was cancelled: start no more tasks

  std::uint64_t now_ns() const noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now() - start)
                                          .count());
  }
};

template <class R>
void start_task(run_shared<R>& run, std::uint32_t i);

// Task i has ended (or, for an inner node, its children have): pass its slot on, ready what
// waited for it, and end the run after the last task.
template <class R>
void on_complete(run_shared<R>& run, std::uint32_t i) {
  const plan& p = run.state.the_plan();
  const planned_task& t = p.tasks()[i];
  if (t.work) {
    if (const std::int64_t next = run.dispatch.release_slot(i); next >= 0)
      start_task(run, static_cast<std::uint32_t>(next));
  }
  for (std::uint32_t s : p.successors(t)) {
    if (!run.dispatch.satisfy(s)) continue;
    const planned_task& succ = p.tasks()[s];
    if (!succ.work) {
      // An inner node gathers: it is done as soon as its last child is.
      run.state.finish_task(s, 0, 0, 0);
      run.state.set_finish(s, run.now_ns());
      on_complete(run, s);
    } else if (run.dispatch.admit(s)) {
      start_task(run, s);
    }
  }
  if (run.dispatch.complete_one()) run.all_done.set();
}

// Holds `keep` (its run's shared state) until it ends, which may be after run_plan has.
template <class R>
rt::task<void> work_task(std::shared_ptr<run_shared<R>> keep, std::uint32_t i) {
  run_shared<R>& run = *keep;
  try {
    co_await run_task(run.r, run.state, i);
  } catch (...) {
    std::lock_guard<std::mutex> lock(run.error_mutex);
    if (!run.first_error) run.first_error = std::current_exception();
  }
  run.state.set_finish(i, run.now_ns());
  on_complete(run, i);
}

template <class R>
void start_task(run_shared<R>& run, std::uint32_t i) {
  if (run.stopping.load(std::memory_order_acquire)) return;
  const planned_task& t = run.state.the_plan().tasks()[i];
  const auto& release = run.state.the_plan().groups()[t.group].release;
  run.state.set_release(i, release.mode == release_mode::open ? t.arrival_ns : run.now_ns());
  // The handle is dropped: completion is tracked by the dispatch, errors by work_task.
  (void)rt::spawn(run.r, work_task(run.shared_from_this(), i));
}

template <class R>
void ready(run_shared<R>& run, std::uint32_t i) {
  if (run.dispatch.admit(i)) start_task(run, i);
}

}  // namespace runner_detail

// One whole run: reset state and dispatch, start every task as its graph and release allow,
// wait for all of them, record the makespan (run_state::makespan_ns), and rethrow the first
// error a task raised. Run it with r.run(run_plan(r, state, dispatch)).
template <rt::runtime R>
rt::task<void> run_plan(R& r, run_state& state, plan_dispatch& dispatch) {
  using namespace runner_detail;
  state.reset();
  dispatch.reset();
  const auto shared =
      std::make_shared<run_shared<R>>(r, state, dispatch, std::chrono::steady_clock::now());
  run_shared<R>& run = *shared;
  const plan& p = state.the_plan();

  // The load generator: every open-loop group's arrivals, merged in time order. (A thread per
  // run: its start, tens of microseconds, is inside the measured run.)
  std::thread arrivals;
  if (!dispatch.arrival_order().empty()) {
    arrivals = std::thread([shared, &p] {
      for (std::uint32_t i : shared->dispatch.arrival_order()) {
        std::this_thread::sleep_until(shared->start +
                                      std::chrono::nanoseconds(p.tasks()[i].arrival_ns));
        if (shared->stopping.load(std::memory_order_acquire)) return;
        if (shared->dispatch.satisfy(i)) ready(*shared, i);
      }
    });
  }
  for (std::uint32_t i : dispatch.initially_ready()) ready(run, i);
  try {
    co_await run.all_done.wait();
  } catch (...) {
    // Cancelled: stop starting tasks; those running hold `shared` until they end.
    run.stopping.store(true, std::memory_order_release);
    if (arrivals.joinable()) arrivals.join();
    throw;
  }
  state.set_makespan(run.now_ns());
  if (arrivals.joinable()) arrivals.join();
  if (run.first_error) std::rethrow_exception(run.first_error);
}

}  // namespace execbench::workloads
