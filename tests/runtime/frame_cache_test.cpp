// The frame cache (frame_cache.hpp): frames a thread frees come back to its next frames of the
// same size class, within the per-thread budget; other size classes and other threads do not
// get them; task frames come from it.
#include "execbench/runtime/frame_cache.hpp"

#include <cstddef>
#include <thread>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

#include "execbench/runtime/event_loop.hpp"
#include "execbench/runtime/task.hpp"

namespace rt = execbench::rt;
using cache = rt::detail::frame_cache;

namespace {

// Under AddressSanitizer the cache is off (frames go straight to the allocator): nothing to test.
#define SKIP_WITHOUT_CACHE() \
  if (!cache::enabled) GTEST_SKIP() << "the frame cache is off under AddressSanitizer"

// The tests of caching itself run as an event loop's thread does.
class caching_test : public ::testing::Test {
 private:
  cache::caching_scope caching_;
};

TEST_F(caching_test, a_freed_frame_serves_the_next_one_of_its_size_class) {
  SKIP_WITHOUT_CACHE();
  void* a = cache::allocate(300);
  cache::deallocate(a, 300);
  void* b = cache::allocate(320);  // 300 and 320 both round up to 320 bytes
  EXPECT_EQ(a, b);
  void* c = cache::allocate(100);  // another class: not that block
  EXPECT_NE(c, b);
  cache::deallocate(b, 320);
  cache::deallocate(c, 100);
}

TEST_F(caching_test, a_thread_keeps_no_more_than_its_budget) {
  SKIP_WITHOUT_CACHE();
  cache::release_kept();  // nothing kept from earlier tests
  const std::size_t size = 1024;
  const std::size_t fits = cache::budget_bytes / size;
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < fits + 100; ++i) blocks.push_back(cache::allocate(size));
  for (void* p : blocks) cache::deallocate(p, size);
  // The first `fits` freed blocks were kept, the other 100 went back to the allocator; the next
  // `fits` allocations are exactly the kept ones.
  EXPECT_EQ(cache::kept_bytes(), fits * size);
  const std::unordered_set<void*> kept(blocks.begin(), blocks.begin() + static_cast<long>(fits));
  std::vector<void*> again;
  std::size_t reused = 0;
  for (std::size_t i = 0; i < fits; ++i) {
    again.push_back(cache::allocate(size));
    reused += kept.count(again.back());
  }
  EXPECT_EQ(reused, fits);
  EXPECT_EQ(cache::kept_bytes(), 0u);
  for (void* p : again) cache::deallocate(p, size);
  cache::release_kept();
}

TEST_F(caching_test, release_kept_gives_every_kept_frame_back) {
  SKIP_WITHOUT_CACHE();
  cache::release_kept();
  std::vector<void*> blocks;
  for (int i = 0; i < 100; ++i) blocks.push_back(cache::allocate(200));
  for (void* p : blocks) cache::deallocate(p, 200);
  EXPECT_EQ(cache::kept_bytes(), 100 * 256u);  // 200 rounds up to 256
  rt::release_cached_frames();
  EXPECT_EQ(cache::kept_bytes(), 0u);
}

TEST_F(caching_test, another_thread_does_not_take_this_threads_frames) {
  SKIP_WITHOUT_CACHE();
  void* mine = cache::allocate(200);
  cache::deallocate(mine, 200);
  void* theirs = nullptr;
  std::thread([&theirs] {
    const cache::caching_scope caching;
    theirs = cache::allocate(200);
    cache::deallocate(theirs, 200);
  }).join();  // that thread's kept frame is freed as it ends
  EXPECT_NE(theirs, mine);
  void* again = cache::allocate(200);
  EXPECT_EQ(again, mine);
  cache::deallocate(again, 200);
}

rt::task<int> leaf(int v) {
  co_return v;
}

// Task frames come from the cache: a task made after another one's frame was destroyed gets
// that frame again (a coroutine handle's address is its frame's).
TEST_F(caching_test, task_frames_are_recycled) {
  SKIP_WITHOUT_CACHE();
  auto first = leaf(1).release();
  void* where = first.address();
  first.destroy();
  auto second = leaf(2).release();
  EXPECT_EQ(second.address(), where);
  second.destroy();
}

// A thread that is not running an event loop (a pool's) keeps nothing: its frames go back to
// the allocator, so a pool thread that outlives its work holds no memory for it. A loop's run
// turns caching on for its thread, and off again after.
TEST(frame_cache, only_a_thread_running_an_event_loop_keeps_frames) {
  SKIP_WITHOUT_CACHE();
  std::thread([] {
    EXPECT_FALSE(cache::caching());
    std::vector<void*> blocks;
    for (int i = 0; i < 100; ++i) blocks.push_back(cache::allocate(200));
    for (void* p : blocks) cache::deallocate(p, 200);
    EXPECT_EQ(cache::kept_bytes(), 0u);

    rt::event_loop loop;
    bool caching_inside = false;
    loop.run_until_complete([](bool& inside) -> rt::task<void> {
      inside = cache::caching();
      co_return;
    }(caching_inside));
    EXPECT_TRUE(caching_inside);
    EXPECT_FALSE(cache::caching());
    EXPECT_GT(cache::kept_bytes(), 0u) << "the run's frames were kept";
    rt::release_cached_frames();
  }).join();
}

}  // namespace
