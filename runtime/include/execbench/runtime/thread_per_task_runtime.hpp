// thread_per_task: every piece of work gets a new std::thread, at most N alive at once (the rest
// wait in a queue). A spawned task starts on its own new thread; when it suspends (a join, an
// event) that thread ends, and the resumption starts another. Sleeps and descriptor waits block
// the task's thread (see blocking_waits.hpp). The cost measured is thread creation per task.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <list>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>

#include "execbench/runtime/adapter_support.hpp"
#include "execbench/runtime/blocking_runtime.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/task.hpp"

namespace execbench::rt {

// An awaitable that lets the OS run other threads first; with a thread per task, the OS is the
// scheduler, so the task keeps its thread.
struct thread_yield {
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

  // At most `workers` threads (at least one) alive at once; none is started before work arrives.
  explicit thread_per_task_runtime(std::size_t workers);
  // Cancels pending tasks, waits for the threads to end, drops queued work unrun and frees the
  // rest.
  ~thread_per_task_runtime();
  thread_per_task_runtime(const thread_per_task_runtime&) = delete;
  thread_per_task_runtime& operator=(const thread_per_task_runtime&) = delete;

  std::size_t workers() const noexcept { return limit_; }

  // With a thread per task the OS is the scheduler: a yield keeps the thread.
  thread_yield yield() const noexcept { return {}; }

 private:
  friend class blocking_runtime<thread_per_task_runtime>;
  using thread_list = std::list<std::thread>;

  void submit(detail::work_item w) noexcept;
  // With mutex_ held and a free slot: a new thread for `w`.
  void start_locked(detail::work_item w) noexcept;
  void thread_main(thread_list::iterator self, detail::work_item w) noexcept;

  std::size_t limit_;
  std::mutex mutex_;
  std::condition_variable all_ended_;
  std::deque<detail::work_item> pending_;  // waiting for a slot
  thread_list running_;
  thread_list ended_;  // returned from their work, not joined yet
  std::size_t alive_ = 0;
  bool stopping_ = false;
};

static_assert(runtime<thread_per_task_runtime>);

}  // namespace execbench::rt
