// thread_per_task: every piece of work gets a new std::thread, at most N alive at once (the rest
// wait in a queue). A spawned task starts on its own new thread; when it suspends (a join, an
// event) that thread ends, and the resumption starts another. Sleeps and descriptor waits block
// the task's thread (see blocking_waits.hpp). The cost measured is thread creation per task.
//
// A refused thread start (the process or user thread limit, past detail::start_thread's second
// of retries) fails the run, never the process: the work item goes back to the queue, every
// task is cancelled, the threads already started run what is queued until it is empty (the
// caller of run() does, when none is left), and run() throws std::system_error naming the
// reason once its task has ended. No thread is started for the rest of that run.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

#include "execbench/runtime/adapter_support.hpp"
#include "execbench/runtime/blocking_runtime.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/task.hpp"

namespace execbench::rt {

// An awaitable that lets the OS run other threads first; with a thread per task, the OS is the
// scheduler, so the task keeps its thread.
struct [[nodiscard]] thread_yield {
  bool await_ready() const noexcept {
    std::this_thread::yield();
    return true;
  }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  void await_resume() const noexcept {}
};

class thread_per_task_runtime final : public blocking_runtime<thread_per_task_runtime> {
 public:
  static constexpr std::string_view name = "thread_per_task";
  // A thread start and join per task: about 2.5 ms of a task's time shared among the workers,
  // and about 150 us per task that thread starts, which do not overlap, never go below
  // (docs/measurements.md, "thread_per_task's cost per task").
  static constexpr runtime_traits traits{
      .threads = thread_model::blocking,
      .thread_per_post = true,
      .cost = {.per_task_us = 0, .per_working_task_us = 2500, .serial_per_task_us = 150}};

  // At most `workers` threads (at least one) alive at once; none is started before work arrives.
  explicit thread_per_task_runtime(std::size_t workers);
  // Cancels pending tasks, waits for the threads to end, drops queued work unrun and frees the
  // rest.
  ~thread_per_task_runtime();
  thread_per_task_runtime(const thread_per_task_runtime&) = delete;
  thread_per_task_runtime& operator=(const thread_per_task_runtime&) = delete;

  std::size_t workers() const noexcept { return limit_; }

  // Run `t` to completion from a thread that is not one of this runtime's: its value, or its
  // exception; std::system_error ("thread_per_task: cannot start a thread: ...") when a thread
  // start was refused during the run, even if the task finished on the threads it had.
  template <class T>
  T run(task<T> t) {
    begin_run();
    auto h = spawn(*this, std::move(t));
    run_stranded_work();
    if constexpr (std::is_void_v<T>) {
      try {
        h.get();
      } catch (...) {
        throw_if_start_refused();  // the reason the task failed, rather than its cancellation
        throw;
      }
      throw_if_start_refused();
    } else {
      std::optional<T> value;
      try {
        value.emplace(std::move(h).get());
      } catch (...) {
        throw_if_start_refused();
        throw;
      }
      throw_if_start_refused();
      return std::move(*value);
    }
  }

  // With a thread per task the OS is the scheduler: a yield keeps the thread.
  thread_yield yield() const noexcept { return {}; }

 private:
  friend class blocking_runtime<thread_per_task_runtime>;
  using thread_list = std::list<std::thread>;

  void submit(detail::work_item w) noexcept;
  // With mutex_ held and a free slot: a new thread for `w`, true. False when the start was
  // refused: then `w` is left to the caller and start_error_ is set.
  bool start_locked(detail::work_item& w) noexcept;
  void thread_main(thread_list::iterator self, detail::work_item w) noexcept;
  // With mutex_ held, after a refused start: cancel every task and run what is queued on this
  // thread, until the queue is empty (or the runtime stops).
  void run_queued_here(std::unique_lock<std::mutex>& lock) noexcept;
  void begin_run() noexcept;
  // run()'s caller: when a start was refused and no thread is left, run the queue itself.
  void run_stranded_work() noexcept;
  void throw_if_start_refused();

  std::size_t limit_;
  std::mutex mutex_;
  std::condition_variable all_ended_;
  std::deque<detail::work_item> pending_;  // waiting for a slot
  thread_list running_;
  thread_list ended_;  // returned from their work, not joined yet
  std::size_t alive_ = 0;
  bool stopping_ = false;
  std::error_code start_error_;  // the first refused start of this run: no more starts
};

static_assert(runtime<thread_per_task_runtime>);

}  // namespace execbench::rt
