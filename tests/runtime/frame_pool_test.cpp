#include "execbench/runtime/frame_pool.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

namespace {

using execbench::rt::detail::frame_pool;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool pool_on = false;  // off under AddressSanitizer, so that it still sees misuse
#else
constexpr bool pool_on = true;
#endif

TEST(frame_pool, a_freed_block_is_reused_for_the_same_size_class) {
  void* a = frame_pool::allocate(200);
  std::memset(a, 0xab, 200);
  frame_pool::deallocate(a, 200);
  void* b = frame_pool::allocate(250);  // same 64-byte class (193..256)
  if (pool_on) {
    EXPECT_EQ(a, b);
  }
  std::memset(b, 0xcd, 250);
  frame_pool::deallocate(b, 250);
}

TEST(frame_pool, a_burst_comes_back_whole_and_blocks_never_overlap) {
  const std::size_t before = frame_pool::cached_blocks();
  std::vector<void*> blocks;
  for (int i = 0; i < 20000; ++i) {
    blocks.push_back(frame_pool::allocate(96));
    std::memset(blocks.back(), i & 0xff, 96);
  }
  EXPECT_EQ(std::set<void*>(blocks.begin(), blocks.end()).size(), blocks.size());
  for (void* p : blocks) frame_pool::deallocate(p, 96);
  if (pool_on) {
    EXPECT_GE(frame_pool::cached_blocks(), before + 20000);
  }
  // The next burst takes them from the list.
  const std::size_t cached = frame_pool::cached_blocks();
  for (auto& p : blocks) p = frame_pool::allocate(96);
  if (pool_on) {
    EXPECT_EQ(frame_pool::cached_blocks(), cached - 20000);
  }
  for (void* p : blocks) frame_pool::deallocate(p, 96);
}

TEST(frame_pool, large_blocks_bypass_the_pool) {
  const std::size_t before = frame_pool::cached_blocks();
  void* p = frame_pool::allocate(frame_pool::largest + 1);
  std::memset(p, 0, frame_pool::largest + 1);
  frame_pool::deallocate(p, frame_pool::largest + 1);
  EXPECT_EQ(frame_pool::cached_blocks(), before);
}

TEST(frame_pool, a_block_freed_on_another_thread_joins_that_threads_list) {
  void* p = frame_pool::allocate(128);
  std::size_t cached_there = 0;
  std::thread t([&] {
    frame_pool::deallocate(p, 128);
    cached_there = frame_pool::cached_blocks();
    void* q = frame_pool::allocate(128);
    if (pool_on) {
      EXPECT_EQ(q, p);
    }
    frame_pool::deallocate(q, 128);
  });  // the thread's list is freed as it exits
  t.join();
  if (pool_on) {
    EXPECT_EQ(cached_there, 1u);
  }
}

}  // namespace
