// frame_pool: recycled memory for coroutine frames and join states.
//
// A spawned task costs several small allocations (its join state, its root frame, the frames
// of the tasks it awaits). glibc's malloc keeps only 7 free chunks per size in its per-thread
// cache and sends the rest of a burst (10,000 frames freed together) through its bins,
// consolidation and trimming, so that the next burst page-faults the memory back in. The pool
// keeps freed blocks per thread in lists by size class (64-byte steps up to 4 KiB) with no
// lock: a block freed on another thread than the one that allocated it joins that thread's
// list. Each list is bounded (32 MiB); beyond it, and above 4 KiB, blocks go back to operator new and
// delete. Under AddressSanitizer the pool is off, so that a use after free is still caught.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <new>

namespace execbench::rt::detail {

class frame_pool {
 public:
  static constexpr std::size_t granule = 64;
  static constexpr std::size_t largest = 4096;
  // Each list keeps at most this many bytes: a burst of 100,000 tasks is reused whole, and no
  // more than the peak of live frames is ever kept.
  static constexpr std::size_t max_free_bytes_per_class = std::size_t{32} << 20;

  static void* allocate(std::size_t bytes) {
#if !defined(__SANITIZE_ADDRESS__)
    if (bytes <= largest) {
      const std::size_t c = class_of(bytes);
      lists& l = local();
      if (node* n = l.head[c]) {  // a closed list is empty
        l.head[c] = n->next;
        --l.count[c];
        return n;
      }
      return ::operator new((c + 1) * granule);
    }
#endif
    return ::operator new(bytes);
  }

  static void deallocate(void* p, std::size_t bytes) noexcept {
#if !defined(__SANITIZE_ADDRESS__)
    if (bytes <= largest) {
      const std::size_t c = class_of(bytes);
      lists& l = local();
      if (!l.closed && l.count[c] < max_free_bytes_per_class / ((c + 1) * granule)) {
        auto* n = static_cast<node*>(p);
        n->next = l.head[c];
        l.head[c] = n;
        ++l.count[c];
        return;
      }
      ::operator delete(p, (c + 1) * granule);
      return;
    }
#endif
    ::operator delete(p, bytes);
  }

  // Blocks this thread keeps for reuse (for tests).
  static std::size_t cached_blocks() noexcept {
    std::size_t total = 0;
    for (std::uint32_t n : local().count) total += n;
    return total;
  }

 private:
  struct node {
    node* next;
  };
  static constexpr std::size_t classes = largest / granule;

  // Trivially destructible, so that it stays usable until its thread has ended: a frame freed
  // by a later thread_local destructor then goes straight back to operator delete.
  struct lists {
    std::array<node*, classes> head;
    std::array<std::uint32_t, classes> count;
    bool closed;
  };
  struct releaser {
    explicit releaser(lists* p) noexcept : l(p) {}
    releaser(const releaser&) = delete;
    releaser& operator=(const releaser&) = delete;
    lists* l;
    ~releaser() {
      l->closed = true;
      for (std::size_t c = 0; c < classes; ++c) {
        while (node* n = l->head[c]) {
          l->head[c] = n->next;
          ::operator delete(n, (c + 1) * granule);
        }
        l->count[c] = 0;
      }
    }
  };

  static constexpr std::size_t class_of(std::size_t bytes) noexcept {
    return bytes == 0 ? 0 : (bytes - 1) / granule;
  }
  static lists& local() noexcept {
    thread_local lists l{};
    thread_local releaser r{&l};  // frees the blocks at thread exit
    return l;
  }
};

// A standard allocator over frame_pool, for std::allocate_shared.
template <class T>
struct pool_allocator {
  using value_type = T;
  pool_allocator() noexcept = default;
  template <class U>
  pool_allocator(const pool_allocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(frame_pool::allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { frame_pool::deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const pool_allocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace execbench::rt::detail
