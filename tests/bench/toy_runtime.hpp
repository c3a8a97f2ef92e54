// A small runtime of the tests' own, so that the bench code can be tested without the real
// runtimes: N threads over one locked queue, sleeps that block the thread. A fault can be built
// in, to check that the primitives catch it.
#pragma once

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "execbench/runtime/adapter_support.hpp"
#include "execbench/runtime/runtime.hpp"
#include "execbench/runtime/spawn.hpp"
#include "execbench/runtime/task.hpp"

namespace execbench::bench::testing {

enum class toy_fault {
  none,
  loses_posts,  // drops every posted callable: a lost wake-up, the row must not hang
  wakes_early,  // sleep() returns at once: the timers' check must catch it
};

// Its name, as a type: each toy registers rows of its own.
template <std::size_t N>
struct runtime_name {
  constexpr runtime_name(const char (&s)[N]) { std::copy_n(s, N, chars); }
  char chars[N];
};

// Traits: what it declares itself to be (its sleeps block its thread, whatever it declares);
// the registration rules follow them.
template <toy_fault Fault, runtime_name Name,
          rt::runtime_traits Traits = rt::runtime_traits{.threads = rt::thread_model::blocking}>
class basic_toy_runtime final : public rt::scheduler {
 public:
  static constexpr std::string_view name{Name.chars};
  static constexpr rt::runtime_traits traits = Traits;

  explicit basic_toy_runtime(std::size_t workers) {
    rt::detail::start_threads(
        threads_, std::max<std::size_t>(workers, 1), [this] { work(); },
        [this] {
          {
            std::lock_guard lock(mutex_);
            stopping_ = true;
          }
          ready_.notify_all();
        });
  }
  ~basic_toy_runtime() {
    shutdown();
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
    roots().destroy_all();
  }

  std::size_t workers() const noexcept { return threads_.size(); }

  void schedule(std::coroutine_handle<> h) noexcept override {
    push([h] { h.resume(); });
  }

  template <class F>
  void post(F&& f) {
    if (Fault == toy_fault::loses_posts) return;
    push(std::function<void()>(std::forward<F>(f)));
  }

  template <class T>
  T run(rt::task<T> t) {
    return rt::spawn(*this, std::move(t)).get();
  }

  struct blocking_wait {
    std::chrono::nanoseconds d;
    bool await_ready() const {
      if (Fault != toy_fault::wakes_early) std::this_thread::sleep_for(d);
      return true;
    }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
  };
  blocking_wait sleep(std::chrono::nanoseconds d) const noexcept { return {d}; }
  blocking_wait sleep_until(std::chrono::steady_clock::time_point t) const noexcept {
    return {
        std::max(std::chrono::nanoseconds(0), std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                  t - std::chrono::steady_clock::now()))};
  }

  struct requeue {
    basic_toy_runtime* self;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) const noexcept { self->schedule(h); }
    void await_resume() const noexcept {}
  };
  requeue yield() noexcept { return {this}; }

  struct fd_wait {
    int fd;
    short events;
    bool await_ready() const noexcept {
      pollfd p{fd, events, 0};
      ::poll(&p, 1, -1);
      return true;
    }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
  };
  fd_wait readable(int fd) const noexcept { return {fd, POLLIN}; }
  fd_wait writable(int fd) const noexcept { return {fd, POLLOUT}; }

  template <class F>
  struct inline_call {
    F fn;
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    decltype(auto) await_resume() { return fn(); }
  };
  template <class F>
  auto cpu(F fn) const {
    return inline_call<F>{std::move(fn)};
  }
  template <class F>
  auto blocking(F fn) const {
    return inline_call<F>{std::move(fn)};
  }

  void shutdown() noexcept {
    while (roots().size() != 0) {
      roots().cancel_all();
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

 private:
  void push(std::function<void()> f) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(f));
    }
    ready_.notify_one();
  }

  void work() {
    for (;;) {
      std::function<void()> f;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        f = std::move(queue_.front());
        queue_.pop_front();
      }
      f();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

using toy_runtime = basic_toy_runtime<toy_fault::none, "toy">;
static_assert(rt::runtime<toy_runtime>);

}  // namespace execbench::bench::testing
