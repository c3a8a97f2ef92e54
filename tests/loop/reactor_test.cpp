// The reactor interface (execbench/runtime/loop/reactor.hpp) is enough to drive the event loop:
// a fake reactor, whose descriptors become ready when the test says so, runs timers, sleeps,
// cross-thread posts and readiness waits (fired and cancelled). And the default reactor is
// epoll's.
#include "execbench/runtime/event_loop.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "loop_test_support.hpp"

namespace rt = execbench::rt;
using namespace std::chrono_literals;

namespace {

// Readiness comes from set_ready (any thread); waits sleep on a condition variable.
class fake_reactor final : public rt::reactor {
 public:
  const char* name() const noexcept override { return "fake"; }

  int arm(rt::reactor_descriptor& d, rt::io_direction dir) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (d.fd < 0) return EBADF;
    if (d.fd == regular_file) return EPERM;
    d.reactor_data |= dir;
    known_[d.fd] = &d;
    ++arms;
    return 0;
  }
  void disarm(rt::reactor_descriptor& d, rt::io_direction dir) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    d.reactor_data &= ~std::uint64_t{dir};
    ++disarms;
  }
  void forget(rt::reactor_descriptor& d) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    known_.erase(d.fd);
    ready_.erase(d.fd);
    ++forgets;
  }

  std::span<const rt::reactor_event> wait(std::int64_t timeout_ns, std::int64_t) override {
    std::unique_lock<std::mutex> lock(mutex_);
    ++waits;
    auto something = [&] { return woken_ || !reportable().empty(); };
    if (timeout_ns < 0) {
      cv_.wait(lock, something);
    } else if (timeout_ns > 0) {
      cv_.wait_for(lock, std::chrono::nanoseconds(timeout_ns), something);
    }
    woken_ = false;
    events_ = reportable();
    for (auto& ev : events_) {
      ev.descriptor->reactor_data &= ~std::uint64_t{ev.ready};  // one-shot
      ready_[ev.descriptor->fd] &= ~ev.ready;
    }
    return events_;
  }
  void wake() noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
    cv_.notify_one();
  }

  // Any thread: `fd` becomes ready in the directions `dirs` (reported once armed).
  void set_ready(int fd, std::uint32_t dirs) {
    std::lock_guard<std::mutex> lock(mutex_);
    ready_[fd] |= dirs;
    cv_.notify_one();
  }

  static constexpr int regular_file = 99;
  // Read on the loop thread, or after the loop has run.
  int arms = 0, disarms = 0, forgets = 0, waits = 0;

 private:
  std::vector<rt::reactor_event> reportable() const {
    std::vector<rt::reactor_event> out;
    for (const auto& [fd, dirs] : ready_) {
      auto it = known_.find(fd);
      if (it == known_.end()) continue;
      const auto armed = static_cast<std::uint32_t>(it->second->reactor_data) & dirs;
      if (armed != 0) out.push_back(rt::reactor_event{it->second, armed, nullptr});
    }
    return out;
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false;
  std::map<int, rt::reactor_descriptor*> known_;
  std::map<int, std::uint32_t> ready_;
  std::vector<rt::reactor_event> events_;
};

struct fake_loop {
  fake_reactor* fake = nullptr;
  std::unique_ptr<rt::event_loop> loop;
  fake_loop() {
    rt::event_loop_options options;
    options.make_reactor = [this] {
      auto r = std::make_unique<fake_reactor>();
      fake = r.get();
      return r;
    };
    loop = std::make_unique<rt::event_loop>(std::move(options));
  }
};

class reactor_test : public rt::loop_test::guarded_test {};

TEST_F(reactor_test, the_default_reactor_is_epoll) {
  rt::event_loop loop;
  EXPECT_EQ(std::string(loop.loop_reactor().name()).rfind("epoll", 0), 0u);
  rt::event_loop fallback(rt::event_loop_options{.force_timerfd = true});
  EXPECT_STREQ(fallback.loop_reactor().name(), "epoll+timerfd");
}

TEST_F(reactor_test, the_loop_takes_the_reactor_its_options_make) {
  fake_loop f;
  ASSERT_NE(f.fake, nullptr);
  EXPECT_EQ(&f.loop->loop_reactor(), f.fake);
  rt::event_loop_options none;
  none.make_reactor = [] { return std::unique_ptr<rt::reactor>(); };
  EXPECT_THROW(rt::event_loop{std::move(none)}, std::invalid_argument);
}

TEST_F(reactor_test, timers_and_sleeps_wait_in_the_reactor) {
  fake_loop f;
  auto sleeper = [](rt::event_loop& l) -> rt::task<int> {
    const auto start = std::chrono::steady_clock::now();
    co_await l.sleep(5ms);
    co_return std::chrono::steady_clock::now() - start >= 5ms ? 1 : 0;
  };
  EXPECT_EQ(f.loop->run_until_complete(sleeper(*f.loop)), 1);
  EXPECT_GT(f.fake->waits, 0);
}

TEST_F(reactor_test, a_post_from_another_thread_wakes_the_reactor) {
  fake_loop f;
  std::atomic<bool> ran{false};
  std::thread poster([&] {
    std::this_thread::sleep_for(20ms);  // the loop is asleep in wait() by now, most likely
    f.loop->call_soon_threadsafe([&] {
      ran = true;
      f.loop->stop();
    });
  });
  f.loop->run_forever();  // nothing to do: sleeps in the reactor until woken
  poster.join();
  EXPECT_TRUE(ran.load());
}

TEST_F(reactor_test, readiness_reported_by_the_reactor_resumes_the_waiter) {
  fake_loop f;
  constexpr int fd = 7;
  std::thread other([&] {
    std::this_thread::sleep_for(10ms);
    f.fake->set_ready(fd, rt::io_read);
  });
  auto reader = [](rt::event_loop& l) -> rt::task<int> {
    co_await l.readable(fd);
    co_await l.readable(fake_reactor::regular_file);  // not watchable: always ready
    co_return 1;
  };
  EXPECT_EQ(f.loop->run_until_complete(reader(*f.loop)), 1);
  other.join();
  EXPECT_EQ(f.fake->arms, 1);
  f.loop->forget_fd(fd);
  EXPECT_EQ(f.fake->forgets, 1);
}

TEST_F(reactor_test, a_cancelled_readiness_wait_disarms_the_reactor) {
  fake_loop f;
  constexpr int fd = 8;
  auto waiter = [](rt::event_loop& l) -> rt::task<void> { co_await l.writable(fd); };
  auto h = f.loop->create_task(waiter(*f.loop));
  f.loop->call_later(5ms, [h]() mutable { h.cancel(); });
  auto outer = [](rt::join_handle<void> w) -> rt::task<bool> {
    try {
      co_await w;
    } catch (const rt::cancelled_error&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(f.loop->run_until_complete(outer(h)));
  EXPECT_EQ(f.fake->arms, 1);
  EXPECT_EQ(f.fake->disarms, 1);
  // Readiness after the cancellation reaches nobody; a new wait is armed again.
  f.fake->set_ready(fd, rt::io_write);
  EXPECT_NO_THROW(f.loop->run_until_complete(waiter(*f.loop)));
  EXPECT_EQ(f.fake->arms, 2);
}

}  // namespace
