// asyncio's other ways of awaiting tasks, on every runtime: as_completed, wait and shield.
//
//   auto ends = rt::as_completed(handles);           // asyncio.as_completed
//   for (std::size_t i = 0; i < handles.size(); ++i) {
//     auto h = co_await ends.next();                  // the next task to end, in that order
//   }
//   auto [done, pending] = co_await rt::wait(handles, rt::return_when::first_completed);
//   int v = co_await rt::shield(h);                   // asyncio.shield
//
// None of them cancels or retrieves the tasks it watches; a task awaiting them may be cancelled
// (its await throws cancelled_error) and the tasks run on. For a time limit, wrap the await in
// the loop's timeout() (loop/running.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "execbench/runtime/event.hpp"
#include "execbench/runtime/gather.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/sync.hpp"
#include "execbench/runtime/task.hpp"

namespace execbench::rt {

namespace detail {

// Told when one watched task ends; calls `ended(index)` on the shared state, which it keeps
// alive until then.
template <class State>
struct ending_watch final : kept_waiter<State> {
  std::size_t index = 0;
  void on_done() noexcept override {
    auto k = std::move(this->keep);
    k->ended(index);
  }
};

template <class T>
struct completion_state {
  explicit completion_state(std::vector<join_handle<T>> hs)
      : handles(std::move(hs)), watches(handles.size()) {}
  void ended(std::size_t i) noexcept { order.put_nowait(i); }  // unbounded: never full

  std::vector<join_handle<T>> handles;
  std::vector<ending_watch<completion_state>> watches;
  queue<std::size_t> order;  // indices of the tasks that have ended, in that order
};

}  // namespace detail

// The tasks of `hs` as they end (asyncio.as_completed). The watching starts here.
template <class T>
class as_completed_set {
 public:
  explicit as_completed_set(std::vector<join_handle<T>> hs)
      : st_(std::make_shared<detail::completion_state<T>>(std::move(hs))) {
    for (std::size_t i = 0; i < st_->handles.size(); ++i) {
      auto& w = st_->watches[i];
      w.keep = st_;
      w.index = i;
      if (!detail::handle_access::state(st_->handles[i])->add_waiter(&w)) w.on_done();
    }
  }

  // Await the next task to end (the first one not given yet); its handle, done. Past the last:
  // std::logic_error. Cancellable.
  task<join_handle<T>> next() {
    if (given_ == st_->handles.size()) {
      throw std::logic_error("as_completed: every task has been given already");
    }
    const std::size_t i = co_await st_->order.get();
    ++given_;
    co_return st_->handles[i];
  }
  // How many tasks next() has still to give.
  std::size_t remaining() const noexcept { return st_->handles.size() - given_; }

 private:
  std::shared_ptr<detail::completion_state<T>> st_;
  std::size_t given_ = 0;
};

template <class T>
as_completed_set<T> as_completed(std::vector<join_handle<T>> hs) {
  return as_completed_set<T>(std::move(hs));
}

// When wait() returns (asyncio's FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED).
enum class return_when { first_completed, first_exception, all_completed };

template <class T>
struct wait_result {
  std::vector<join_handle<T>> done;
  std::vector<join_handle<T>> pending;
};

// asyncio.wait: await the tasks of `hs` until `when` holds; the tasks done and those still
// pending, each in the order given. An empty `hs`: std::invalid_argument (asyncio's ValueError).
// first_exception: when one ends with an exception other than a cancellation, or all have
// ended.
template <class T>
task<wait_result<T>> wait(std::vector<join_handle<T>> hs,
                          return_when when = return_when::all_completed) {
  if (hs.empty()) throw std::invalid_argument("rt::wait: no task to wait for");
  as_completed_set<T> ends(hs);
  while (ends.remaining() > 0) {
    const join_handle<T> h = co_await ends.next();
    if (when == return_when::first_completed) break;
    if (when == return_when::first_exception && detail::handle_access::state(h)->failed()) break;
  }
  wait_result<T> result;
  for (auto& h : hs) (h.done() ? result.done : result.pending).push_back(std::move(h));
  co_return result;
}

namespace detail {

struct shield_state {
  void ended(std::size_t) noexcept { done.set(); }
  event done;
  ending_watch<shield_state> watch;
};

}  // namespace detail

// asyncio.shield: await the task of `h` without passing a cancellation of the awaiting task on
// to it. If the awaiting task is cancelled, its await throws cancelled_error at once and the
// task runs on. Yields its value (a copy) or rethrows its exception.
template <class T>
task<T> shield(join_handle<T> h) {
  auto st = std::make_shared<detail::shield_state>();
  st->watch.keep = st;
  if (!detail::handle_access::state(h)->add_waiter(&st->watch)) st->watch.on_done();
  co_await st->done.wait();
  if constexpr (std::is_void_v<T>) {
    co_await h;  // done: no suspension, so no cancellation passed on
  } else {
    co_return co_await h;
  }
}

// The same for a task, spawned on the awaiting task's runtime first.
template <class T>
task<T> shield(task<T> t) {
  task_context* self = co_await detail::spawned_context{"rt::shield"};
  co_return co_await shield(spawn(self->sched(), std::move(t)));
}

}  // namespace execbench::rt
