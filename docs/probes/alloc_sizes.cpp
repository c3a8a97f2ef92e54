// Linked into a probe: at exit, prints each size the program allocated with operator new at
// least 1,000 times (below 4 KiB), and how often.
#include <cstdio>
#include <cstdlib>
#include <new>

namespace {
unsigned long counts[4096];
struct report {
  ~report() {
    for (int n = 0; n < 4096; ++n) {
      if (counts[n] >= 1000) std::printf("%d bytes: %lu allocations\n", n, counts[n]);
    }
  }
} at_exit;
}  // namespace

void* operator new(std::size_t n) {
  if (n < 4096) ++counts[n];
  if (void* p = std::malloc(n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
