// The runner: one whole run of a plan on a runtime, honouring its graph and its release.
//
// A task starts once all its requirements are met: each of its dependencies has finished and,
// under an open loop, its scheduled arrival has come. Then, under a closed loop, it waits for
// one of its group's `concurrency` slots (FIFO); otherwise it starts at once. Starting a work
// task spawns its step program on the runtime; a tree's inner node has no task of its own: it
// finishes as its last child does. Open-loop arrivals come from a load-generator thread outside
// the runtime (as a real client would: on a blocking runtime a sleeping driver would hold a
// worker).
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
// Work tasks are started detached (rt::spawn_detached): the dispatch tracks their ends, so they
// need no join state.
//
// Cancellation (a watchdog's roots().cancel_all()): run_plan ends at once with the
// cancellation; no further task is started, and the tasks already running end later, on their
// own. All they share is in run_state and plan_dispatch, which belong to the caller, who keeps
// them until the runtime has no task left (destroying the runtime drains it); nothing of
// run_plan's frame is theirs.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "execbench/runtime/handoff.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/workloads/dispatch.hpp"
#include "execbench/workloads/plan.hpp"
#include "execbench/workloads/program.hpp"
#include "execbench/workloads/run_state.hpp"

namespace execbench::workloads {

namespace runner_detail {

// What every function of a run needs; all of it belongs to run_plan's caller, who keeps it
// until the runtime has no task left (so a cancelled run's stragglers find it).
template <class R>
struct run_refs {
  R& r;
  run_state& state;
  plan_dispatch& dispatch;

  std::uint64_t now_ns() const noexcept {
    return state.ns_since_start(std::chrono::steady_clock::now());
  }
};

// How a work task is started. Queued: spawned on the runtime, which runs it later. At once:
// run inside the call until its first wait (rt::spawn_detached_eager), which run_plan does for
// the tasks it releases at the start on a runtime that confines its tasks to one thread
// (scheduler::confines_tasks: loop, loop_offload): they share that thread whichever way they
// start, and at once saves each a trip through the ready queue and a second touch of its frame
// once 10,000 others have pushed it out of the cache. Never for a task a finished task
// releases: one that ends without waiting would start its successors inside itself, nesting as
// deep as the chain.
enum class start_how { queued, at_once };

template <class R>
void start_task(const run_refs<R>& run, std::uint32_t i, std::uint64_t slot_ns,
                start_how how = start_how::queued);
template <class R>
void admit_and_start(const run_refs<R>& run, std::uint32_t i, start_how how = start_how::queued);

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
void on_complete(const run_refs<R>& run, std::uint32_t i, std::uint64_t end_ns) {
  const plan& p = run.state.the_plan();
  const planned_task& t = p.tasks()[i];
  if (t.work) {
    if (const std::int64_t next = run.dispatch.release_slot(i); next >= 0)
      start_task(run, static_cast<std::uint32_t>(next), end_ns);  // the slot passes at end_ns
  }
  for (std::uint32_t s : p.successors(t)) {
    if (!run.dispatch.satisfy(s)) continue;
    if (!p.tasks()[s].work) {
      // An inner node gathers: it is done as soon as its last child is.
      const std::uint64_t done = dependencies_done_ns(run.state, s);
      run.state.finish_task(s, done);
      on_complete(run, s, done);
    } else {
      admit_and_start(run, s);
    }
  }
  if (run.dispatch.complete_one(run.r.confines_tasks())) run.dispatch.all_done().set();
}

// How a work task ends (step_program's `ending`): its first error is the run's, and its end
// passes its slot on and readies its successors. (It holds only the dispatch: step_program
// passes the runtime and the state, so its frame does not hold them twice.)
struct work_task_ending {
  plan_dispatch* dispatch;
  void failed() const noexcept { dispatch->record_error(std::current_exception()); }
  template <class R>
  void ended(R& r, run_state& state, std::uint32_t i, std::uint64_t finish_ns) const {
    on_complete(run_refs<R>{r, state, *dispatch}, i, finish_ns);
  }
};

// Start work task i, which got its slot (if its group has slots) at slot_ns.
template <class R>
void start_task(const run_refs<R>& run, std::uint32_t i, std::uint64_t slot_ns, start_how how) {
  if (run.dispatch.stopping()) return;
  const planned_task& t = run.state.the_plan().tasks()[i];
  const auto& release = run.state.the_plan().groups()[t.group].release;
  run.state.set_release(i, release.mode == release_mode::open
                               ? t.arrival_ns
                               : std::max(slot_ns, dependencies_done_ns(run.state, i)));
  // Detached: the dispatch tracks its end, so it needs no join state; one frame per task.
  auto task = step_program<rt::detached>(run.r, run.state, i, work_task_ending{&run.dispatch});
  if (how == start_how::at_once) {
    rt::spawn_detached_eager(std::move(task));
  } else {
    rt::spawn_detached(std::move(task));
  }
}

// Readied task i asks for a slot. Unlimited, or a slot unused since the start: released when
// its dependencies were done. A slot some finished task gave back: at that task's finish, which
// is not known here but was no later than now.
template <class R>
void admit_and_start(const run_refs<R>& run, std::uint32_t i, start_how how) {
  bool unused_since_start = false;
  if (run.dispatch.admit(i, &unused_since_start))
    start_task(run, i, unused_since_start ? 0 : run.now_ns(), how);
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
  if (state.has_run())
    throw std::logic_error("run_plan: the run_state was not reset after its last run");
  const run_refs<R> run{r, state, dispatch};
  state.set_start(std::chrono::steady_clock::now());
  const plan& p = state.the_plan();

  // The load generator: every open-loop group's arrivals, merged in time order. (A thread per
  // run: its start, tens of microseconds, is inside the measured run.)
  std::thread arrivals;
  if (!dispatch.arrival_order().empty()) {
    arrivals = std::thread([run, &p] {
      for (std::uint32_t i : run.dispatch.arrival_order()) {
        std::this_thread::sleep_until(run.state.start() +
                                      std::chrono::nanoseconds(p.tasks()[i].arrival_ns));
        if (run.dispatch.stopping()) return;
        if (run.dispatch.satisfy(i)) admit_and_start(run, i);
      }
    });
  }
  // The tasks ready at the start (run_plan runs on the runtime: on an event loop, on its thread).
  const start_how initial = r.confines_tasks() ? start_how::at_once : start_how::queued;
  for (std::uint32_t i : dispatch.initially_ready()) admit_and_start(run, i, initial);
  try {
    co_await dispatch.all_done().wait();
  } catch (...) {
    // Cancelled: stop starting tasks; those running end on their own, later.
    dispatch.stop();
    if (arrivals.joinable()) arrivals.join();
    throw;
  }
  state.set_makespan(run.now_ns());
  if (arrivals.joinable()) arrivals.join();
  if (auto e = dispatch.first_error()) std::rethrow_exception(e);
}

}  // namespace execbench::workloads
