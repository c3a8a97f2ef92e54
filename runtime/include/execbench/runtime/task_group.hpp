// task_group: asyncio.TaskGroup, on every runtime. `async with asyncio.TaskGroup() as tg:` is
//
//   co_await rt::with_task_group([&](rt::task_group& tg) -> rt::task<void> {
//     tg.create_task(producer(queue));
//     tg.create_task(consumer(queue));
//     co_return;
//   });
//
// The body runs in the awaiting task; the tasks it creates run beside it, on the same runtime.
// with_task_group ends once the body and every member have ended, and yields the body's value.
// As asyncio's:
//   - the first member that fails (with anything but cancelled_error) cancels the others and
//     the body (at its current await point, if it is still running); create_task then throws;
//   - once all have ended, the failures (the members' and the body's, in the order they
//     happened) are thrown together as an rt::exception_group;
//   - a cancellation of the awaiting task from outside cancels every member, waits for them,
//     and is thrown (cancelled_error) if nothing failed;
//   - a member cancelled by someone else is not a failure.
// No member outlives the group: the body's locals may be lent to its members.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <source_location>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "execbench/runtime/event.hpp"
#include "execbench/runtime/gather.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/spin_lock.hpp"
#include "execbench/runtime/task.hpp"
#include "execbench/runtime/task_context.hpp"

namespace execbench::rt {

// Several failures at once (asyncio's ExceptionGroup): a task group's members' and body's.
class exception_group : public std::exception {
 public:
  explicit exception_group(std::vector<std::exception_ptr> errors);
  const char* what() const noexcept override { return what_.c_str(); }
  // In the order they happened; never empty.
  const std::vector<std::exception_ptr>& exceptions() const noexcept { return errors_; }

 private:
  std::vector<std::exception_ptr> errors_;
  std::string what_;
};

class task_group;

template <class Body>
auto with_task_group(Body body);

inline exception_group::exception_group(std::vector<std::exception_ptr> errors)
    : errors_(std::move(errors)) {
  what_ = std::to_string(errors_.size()) + (errors_.size() == 1 ? " failure" : " failures") +
          " in a task group";
  if (!errors_.empty()) what_ += std::string("; the first: ") + detail::what_of(errors_.front());
}

class task_group {
 public:
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;

  // Start `t` as a member, on the awaiting task's runtime; its handle, to await or cancel.
  // Throws std::runtime_error once the group is shutting down (a member failed, or the body
  // has ended with an exception) or has ended.
  template <class T>
  join_handle<T> create_task(task<T> t,
                             std::source_location created = std::source_location::current()) {
    {
      std::lock_guard<spin_lock> lock(state_->lock);
      if (state_->aborting || state_->ended) {
        throw std::runtime_error(state_->ended ? "task group has ended"
                                               : "task group is shutting down");
      }
    }
    join_handle<T> h = spawn(*sched_, std::move(t), created);
    state_->add(detail::handle_access::state(h), state_);
    return h;
  }

 private:
  template <class Body>
  friend auto with_task_group(Body body);

  // What the body's task and the members' nodes share: the nodes keep it alive until they are
  // told their member's end.
  struct state;

  // A member's place in the group: told when it ends (a join_waiter).
  struct member final : detail::kept_waiter<state> {
    std::shared_ptr<detail::join_state_base> task;
    void on_done() noexcept override;
  };

  struct state {
    spin_lock lock;
    std::vector<std::unique_ptr<member>> members;  // every one created; under lock
    std::size_t running = 0;                       // members not yet ended; under lock
    std::vector<std::exception_ptr> errors;        // under lock
    bool aborting = false;                         // under lock
    bool ended = false;                            // under lock
    bool body_running = true;                      // under lock
    bool cancelled_body = false;  // the group cancelled the body's task; under lock
    task_context* body = nullptr;
    event all_ended;  // set exactly while running == 0 (set and cleared under lock)

    state() { all_ended.set(); }

    void add(std::shared_ptr<detail::join_state_base> task, const std::shared_ptr<state>& self) {
      auto m = std::make_unique<member>();
      m->task = std::move(task);
      m->keep = self;
      member* node = m.get();
      {
        std::lock_guard<spin_lock> held(lock);
        members.push_back(std::move(m));
        if (running++ == 0) all_ended.clear();
      }
      if (!node->task->add_waiter(node)) node->on_done();
    }

    // A failure (a member's, or the body's): the first one cancels the rest. Under lock.
    void fail_locked(std::exception_ptr e) {
      errors.push_back(std::move(e));
      if (aborting) return;
      aborting = true;
      for (auto& m : members) m->task->cancel_unless_done();
      if (body_running && body != nullptr) {
        cancelled_body = true;
        body->request_cancel();
      }
    }

    void cancel_members() {
      std::lock_guard<spin_lock> held(lock);
      for (auto& m : members) m->task->cancel_unless_done();
    }
  };

  task_group(scheduler& s, task_context* body)
      : state_(std::make_shared<state>()), sched_(&s) {
    state_->body = body;
  }

  std::shared_ptr<state> state_;
  scheduler* sched_;
};

inline void task_group::member::on_done() noexcept {
  auto k = std::move(keep);  // the node may go with the state once the group has ended
  std::exception_ptr e = task->error();
  std::lock_guard<spin_lock> lock(k->lock);
  if (e && !is_cancellation(e)) k->fail_locked(e);
  if (--k->running == 0) k->all_ended.set();
}

namespace detail {

template <class R>
struct body_result {
  std::optional<value_or_monostate_t<R>> value;
};

}  // namespace detail

// Runs body(tg) in the awaiting task, then awaits every member tg.create_task started; see the
// top of this file. Body: a callable taking task_group& and returning task<R>; yields R.
template <class Body>
auto with_task_group(Body body) {
  using body_task = std::invoke_result_t<Body&, task_group&>;
  using R = typename body_task::value_type;
  return [](Body b) -> task<R> {
    task_context* self = co_await detail::spawned_context{"rt::with_task_group"};
    task_group tg(self->sched(), self);
    auto& st = *tg.state_;
    detail::body_result<R> result;
    bool cancelled_from_outside = false;
    try {
      if constexpr (std::is_void_v<R>) {
        co_await b(tg);
        result.value.emplace();
      } else {
        result.value.emplace(co_await b(tg));
      }
    } catch (const cancelled_error&) {
      std::lock_guard<spin_lock> lock(st.lock);
      if (!std::exchange(st.cancelled_body, false)) cancelled_from_outside = true;
    } catch (...) {
      std::lock_guard<spin_lock> lock(st.lock);
      st.fail_locked(std::current_exception());
    }
    {
      std::lock_guard<spin_lock> lock(st.lock);
      st.body_running = false;
    }
    if (cancelled_from_outside) st.cancel_members();
    // Wait for every member. A cancellation met here is the group's own (requested of the body
    // as it ended) or comes from outside: the members are cancelled and still awaited.
    for (;;) {
      bool cancelled = false;
      try {
        co_await st.all_ended.wait();
        break;
      } catch (const cancelled_error&) {
        cancelled = true;
      }
      if (cancelled) {
        std::lock_guard<spin_lock> lock(st.lock);
        if (!std::exchange(st.cancelled_body, false)) cancelled_from_outside = true;
      }
      if (cancelled_from_outside) st.cancel_members();
    }
    std::vector<std::exception_ptr> errors;
    {
      std::lock_guard<spin_lock> lock(st.lock);
      st.ended = true;
      errors = st.errors;
    }
    if (!errors.empty()) throw exception_group(std::move(errors));
    if (cancelled_from_outside) throw cancelled_error{};
    if constexpr (!std::is_void_v<R>) co_return std::move(*result.value);
  }(std::move(body));
}

}  // namespace execbench::rt
