// The ready queue's drain (see execbench/runtime/loop/ready_queue.hpp).
#include "execbench/runtime/loop/ready_queue.hpp"

#include "execbench/runtime/task_context.hpp"

namespace execbench::rt::loop_detail {

namespace {

void report(const std::function<void(std::exception_ptr)>& on_error, std::exception_ptr e) noexcept {
  try {
    on_error(std::move(e));
  } catch (...) {
    // The handler itself failed: nothing sensible is left to tell anyone.
  }
}

}  // namespace

void ready_queue::run(const std::function<void(std::exception_ptr)>& on_error) {
  draining_.swap(local_);
  const std::size_t n = draining_.size();
  constexpr std::size_t ahead = 4;  // items whose frames are loaded while one runs
  for (std::size_t i = 0; i < n; ++i) {
    if (i + ahead < n) draining_[i + ahead].prefetch();
    try {
      draining_[i].run_and_destroy();
    } catch (...) {
      report(on_error, std::current_exception());
    }
  }
  draining_.forget_run_items();
}

void ready_queue::run_timed(const std::function<void(std::exception_ptr)>& on_error,
                            std::chrono::nanoseconds threshold,
                            const std::function<void(const slow_callback_info&)>& on_slow,
                            std::uint64_t& slow_count) {
  using clock = std::chrono::steady_clock;
  draining_.swap(local_);
  const std::size_t n = draining_.size();
  for (std::size_t i = 0; i < n; ++i) {
    const bool task_step = draining_[i].is_resume();
    detail::last_resumed_task = {};  // the step's task notes itself as it resumes
    const auto start = clock::now();
    try {
      draining_[i].run_and_destroy();
    } catch (...) {
      report(on_error, std::current_exception());
    }
    const auto took = clock::now() - start;
    if (took > threshold) {
      ++slow_count;
      try {
        on_slow(slow_callback_info{took, threshold, task_step,
                                   task_step ? detail::last_resumed_task : std::source_location{}});
      } catch (...) {
        report(on_error, std::current_exception());
      }
    }
  }
  draining_.forget_run_items();
}

void ready_queue::clear() noexcept {
  local_.clear();
  draining_.clear();
  std::lock_guard<std::mutex> lock(remote_mutex_);
  remote_.clear();
  remote_pending_.store(false, std::memory_order_relaxed);
}

}  // namespace execbench::rt::loop_detail
