// A runtime of this project's own, for execbench: a small work-stealing pool. Each worker has a
// deque of its own; work posted from a worker goes to that worker's deque (last in, first out:
// the continuation it just made is the one whose data is warm), work posted from elsewhere is
// spread over the deques in turn, and an idle worker steals the oldest item of another's deque.
//
// Its waits block the worker that runs them, so it builds on rt::blocking_runtime, which
// provides sleeps, descriptor waits, CPU steps and blocking calls for such runtimes; this class
// says only how work reaches its threads (submit) and declares what it is (traits).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include <execbench/runtime/blocking_runtime.hpp>
#include <execbench/runtime/runtime.hpp>

namespace own {

namespace rt = execbench::rt;

class work_stealing_runtime final : public rt::blocking_runtime<work_stealing_runtime> {
 public:
  static constexpr std::string_view name = "work_stealing";
  static constexpr rt::runtime_traits traits{.threads = rt::thread_model::blocking};

  // Starts `workers` threads (at least one); throws std::system_error if one cannot start.
  explicit work_stealing_runtime(std::size_t workers);
  // Cancels pending tasks, stops the threads, drops queued work unrun and frees what is left.
  ~work_stealing_runtime();
  work_stealing_runtime(const work_stealing_runtime&) = delete;
  work_stealing_runtime& operator=(const work_stealing_runtime&) = delete;

  std::size_t workers() const noexcept { return threads_.size(); }

 private:
  friend class rt::blocking_runtime<work_stealing_runtime>;
  using item = work_item;

  struct lane {
    std::mutex mutex;
    std::deque<item> items;
  };

  void submit(item w) noexcept;
  void worker_loop(std::size_t self) noexcept;
  // Takes an item: this worker's newest, else another's oldest; false when every lane is empty.
  bool take(std::size_t self, item& out) noexcept;
  void stop() noexcept;

  std::vector<std::unique_ptr<lane>> lanes_;
  std::atomic<std::size_t> queued_{0};    // items in all lanes
  std::atomic<std::size_t> next_lane_{0};  // where the next outside submit goes
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  std::atomic<std::size_t> sleepers_{0};
  std::atomic<bool> stopped_{false};  // set under sleep_mutex_, read anywhere
  std::vector<std::thread> threads_;
};

static_assert(rt::runtime<work_stealing_runtime>);

}  // namespace own
