// frame_cache: where this library's coroutine frames come from.
//
// A runtime makes and destroys frames at a high rate (sleep_fanout: 10,000 frames in a burst,
// destroyed about 10 ms later), and malloc's path for blocks of a few hundred bytes is tens of
// nanoseconds each way, plus, after a burst, giving the top of the heap back to the kernel
// and faulting it in again for the next burst. So each thread keeps the frames it frees, one
// free list per size class (64-byte steps up to 1 KiB), up to a byte budget, and takes new frames
// of that class from there first (as Boost.Asio recycles its coroutine frames). Lists are
// per thread: no lock and no shared cache line; a frame made on one thread and destroyed on
// another goes to the second one's list. What a thread keeps is freed when it ends.
//
// Only a thread that caches keeps frames: one running an event loop (the loop turns it on for
// the run, caching_scope), where a burst of frames is made and destroyed on one thread. A pool
// thread does not: pool threads can outlive the work that made their frames (TBB's stay for
// the whole process), and what they kept would count in every later row's max_rss_mb
// (docs/measurements.md, "Figures behind code that was made smaller or lock-free").
#pragma once

#include <cstddef>
#include <new>
#include <utility>

// Under AddressSanitizer frames go straight to the allocator: ASan then sees each frame's end,
// for its use-after-free reports, and threads that outlive main (TBB's) keep nothing it would
// report as leaked.
#if defined(__SANITIZE_ADDRESS__)
#define EXECBENCH_FRAME_CACHE_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EXECBENCH_FRAME_CACHE_OFF 1
#endif
#endif

namespace execbench::rt::detail {

class frame_cache {
 public:
  static constexpr std::size_t step = 64;
  static constexpr std::size_t classes = 16;             // blocks of up to 1 KiB
  static constexpr std::size_t budget_bytes = 8U << 20;  // kept per thread, at most

#ifdef EXECBENCH_FRAME_CACHE_OFF
  static constexpr bool enabled = false;
#else
  static constexpr bool enabled = true;
#endif

  // A block of a cached size is always of its class's full size, whether or not this thread
  // caches now: it may be freed on one that does.
  static void* allocate(std::size_t n) {
    const std::size_t c = class_of(n);
    if (!enabled || c >= classes) return ::operator new(n);
    lists& l = local();
    if (node* b = l.head[c]; b != nullptr) {
      l.head[c] = b->next;
      l.bytes -= size_of(c);
      return b;
    }
    return ::operator new(size_of(c));
  }

  static void deallocate(void* p, std::size_t n) noexcept {
    const std::size_t c = class_of(n);
    if (!enabled || c >= classes) return ::operator delete(p);
    lists& l = local();
    if (!l.caching || l.closed || l.bytes + size_of(c) > budget_bytes) return ::operator delete(p);
    node* b = static_cast<node*>(p);
    b->next = l.head[c];
    l.head[c] = b;
    l.bytes += size_of(c);
  }

  // Give every frame the calling thread keeps back to the allocator. Kept frames are where the
  // work that freed them left them: another workload's, they can be scattered in memory, and a
  // burst of new frames among them ran 15% slower than among fresh ones (sleep_fanout on loop
  // after async_tree_mixed), so the bench calls this before each row.
  static void release_kept() noexcept {
    free_all(local());
  }

  // While one exists, the calling thread keeps the frames it frees (an event loop's run).
  // Nested scopes restore what was before.
  class caching_scope {
   public:
    caching_scope() noexcept : was_(std::exchange(local().caching, true)) {}
    ~caching_scope() { local().caching = was_; }
    caching_scope(const caching_scope&) = delete;
    caching_scope& operator=(const caching_scope&) = delete;

   private:
    bool was_;
  };

  // Whether the calling thread keeps the frames it frees now.
  static bool caching() noexcept {
    return local().caching;
  }

  // How many bytes of frames the calling thread keeps.
  static std::size_t kept_bytes() noexcept {
    return local().bytes;
  }

 private:
  struct node {
    node* next;
  };
  // Trivially destructible, so usable until the thread has ended; `closed` once its frames
  // were freed (a frame destroyed later, by another thread_local's destructor, goes to malloc).
  struct lists {
    node* head[classes];
    std::size_t bytes;
    bool closed;
    bool caching;  // keep freed frames (caching_scope)
  };
  static void free_all(lists& l) noexcept {
    for (node*& head : l.head) {
      while (node* b = head) {
        head = b->next;
        ::operator delete(b);
      }
    }
    l.bytes = 0;
  }
  struct releaser {
    lists* l;
    ~releaser() {
      free_all(*l);
      l->closed = true;
    }
  };

  static constexpr std::size_t class_of(std::size_t n) noexcept {
    return (n + step - 1) / step - 1;
  }
  static constexpr std::size_t size_of(std::size_t c) noexcept {
    return (c + 1) * step;
  }

  static lists& local() noexcept {
    thread_local lists l{};
    thread_local releaser r{&l};
    (void)r;
    return l;
  }
};

}  // namespace execbench::rt::detail
