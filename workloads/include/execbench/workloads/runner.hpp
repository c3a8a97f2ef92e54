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
// arrival, whenever the runtime got to it) to the end of its last step. The release times
// are the times of the events that released the task, not of the runner getting to it: the
// latest finish among its dependencies (the run's start if it has none) and, under a closed
// loop, the finish of the task that handed it its slot; so a runtime slow to start its tasks
// cannot hide it, and the runner reads no clock on the common paths. (Only a closed-loop task
// that takes a slot a finished task gave back, rather than having it handed over, reads the
// clock: which finish freed it is not known.)
//
// Cancellation (a watchdog's roots().cancel_all()): run_plan ends at once with the
// cancellation; no further task is started, and the tasks already running end later, on their
// own. What they share lives outside run_plan's frame (each holds a reference count on it), so
// they never touch a destroyed frame; run_state and plan_dispatch belong to the caller, who
// keeps them until the runtime has no task left (destroying the runtime drains it).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
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
  run_shared(R& r_, run_state& s, plan_dispatch& d) : r(r_), state(s), dispatch(d) {}

  R& r;
  run_state& state;
  plan_dispatch& dispatch;
  rt::event all_done;
  std::mutex error_mutex;
  std::exception_ptr first_error;
  std::atomic<bool> stopping{false};  // the run was cancelled: start no more tasks

  std::uint64_t now_ns() const noexcept {
    return state.ns_since_start(std::chrono::steady_clock::now());
  }
};

template <class R>
void start_task(run_shared<R>& run, std::uint32_t i, std::uint64_t slot_ns);
template <class R>
void admit_and_start(run_shared<R>& run, std::uint32_t i);

// When task i's dependencies were all done: the latest of their finish times (each recorded
// before its satisfy(), which orders it before this read), or the run's start.
inline std::uint64_t dependencies_done_ns(const run_state& state, std::uint32_t i) noexcept {
  const plan& p = state.the_plan();
  std::uint64_t latest = 0;
  for (std::uint32_t d : p.dependencies(p.tasks()[i]))
    latest = std::max(latest, state.finish_ns(d));
  return latest;
}

// Task i has ended at `end_ns` (or, for an inner node, its children have): pass its slot on,
// ready what waited for it, and end the run after the last task.
template <class R>
void on_complete(run_shared<R>& run, std::uint32_t i, std::uint64_t end_ns) {
  const plan& p = run.state.the_plan();
  const planned_task& t = p.tasks()[i];
  if (t.work) {
    if (const std::int64_t next = run.dispatch.release_slot(i); next >= 0)
      start_task(run, static_cast<std::uint32_t>(next), end_ns);  // the slot passes at end_ns
  }
  for (std::uint32_t s : p.successors(t)) {
    if (!run.dispatch.satisfy(s)) continue;
    const planned_task& succ = p.tasks()[s];
    if (!succ.work) {
      // An inner node gathers: it is done as soon as its last child is.
      run.state.finish_task(s, 0, 0, 0, run.state.start());
      const std::uint64_t done = dependencies_done_ns(run.state, s);
      run.state.set_finish(s, done);
      on_complete(run, s, done);
    } else {
      admit_and_start(run, s);
    }
  }
  if (run.dispatch.complete_one()) run.all_done.set();
}

// Holds `keep` (its run's shared state) until it ends, which may be after run_plan has.
template <class R>
rt::task<void> work_task(std::shared_ptr<run_shared<R>> keep, std::uint32_t i) {
  run_shared<R>& run = *keep;
  bool failed = false;
  try {
    co_await run_task(run.r, run.state, i);  // records the finish time
  } catch (...) {
    failed = true;
    std::lock_guard<std::mutex> lock(run.error_mutex);
    if (!run.first_error) run.first_error = std::current_exception();
  }
  if (failed) run.state.set_finish(i, run.now_ns());
  on_complete(run, i, run.state.finish_ns(i));
}

// Start work task i, which got its slot (if its group has slots) at slot_ns.
template <class R>
void start_task(run_shared<R>& run, std::uint32_t i, std::uint64_t slot_ns) {
  if (run.stopping.load(std::memory_order_acquire)) return;
  const planned_task& t = run.state.the_plan().tasks()[i];
  const auto& release = run.state.the_plan().groups()[t.group].release;
  run.state.set_release(i, release.mode == release_mode::open
                               ? t.arrival_ns
                               : std::max(slot_ns, dependencies_done_ns(run.state, i)));
  // The handle is dropped: completion is tracked by the dispatch, errors by work_task.
  (void)rt::spawn(run.r, work_task(run.shared_from_this(), i));
}

// Readied task i asks for a slot. Unlimited, or a slot unused since the start: released when
// its dependencies were done. A slot some finished task gave back: at that task's finish, which
// is not known here but was no later than now.
template <class R>
void admit_and_start(run_shared<R>& run, std::uint32_t i) {
  bool unused_since_start = false;
  if (run.dispatch.admit(i, &unused_since_start))
    start_task(run, i, unused_since_start ? 0 : run.now_ns());
}

template <class R>
void ready(run_shared<R>& run, std::uint32_t i) {
  admit_and_start(run, i);
}

}  // namespace runner_detail

// One whole run: start every task as its graph and release allow, wait for all of them, record
// the makespan (run_state::makespan_ns), and rethrow the first error a task raised. State and
// dispatch must be fresh: reset() them before each run, outside the timed region (run_plan
// throws std::logic_error on a state that has seen a run since). Run it with
// r.run(run_plan(r, state, dispatch)).
template <rt::runtime R>
rt::task<void> run_plan(R& r, run_state& state, plan_dispatch& dispatch) {
  using namespace runner_detail;
  if (state.tasks_finished() != 0 || state.makespan_ns() != 0)
    throw std::logic_error("run_plan: the run_state was not reset after its last run");
  const auto shared = std::make_shared<run_shared<R>>(r, state, dispatch);
  run_shared<R>& run = *shared;
  state.set_start(std::chrono::steady_clock::now());
  const plan& p = state.the_plan();

  // The load generator: every open-loop group's arrivals, merged in time order. (A thread per
  // run: its start, tens of microseconds, is inside the measured run.)
  std::thread arrivals;
  if (!dispatch.arrival_order().empty()) {
    arrivals = std::thread([shared, &p] {
      for (std::uint32_t i : shared->dispatch.arrival_order()) {
        std::this_thread::sleep_until(shared->state.start() +
                                      std::chrono::nanoseconds(p.tasks()[i].arrival_ns));
        if (shared->stopping.load(std::memory_order_acquire)) return;
        if (shared->dispatch.satisfy(i)) ready(*shared, i);
      }
    });
  }
  for (std::uint32_t i : dispatch.initially_ready()) ready(run, i);  // at the start
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
