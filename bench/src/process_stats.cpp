#include "execbench/bench/process_stats.hpp"

#include <dlfcn.h>
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <string>

#include <oneapi/tbb/scalable_allocator.h>

namespace execbench::bench {

process_sample sample_process() noexcept {
  process_sample s;
  timespec ts{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0) {
    s.cpu_s = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    s.ctx_switches_vol = ru.ru_nvcsw;
    s.ctx_switches_invol = ru.ru_nivcsw;
  }
  return s;
}

namespace {

// oneTBB allocates its tasks through its own allocator, libtbbmalloc, when it can load it (it
// does, here), and that allocator keeps what is freed for reuse: malloc_trim does not reach it.
// Ask it to let go, when it is loaded (looked up rather than linked: not loaded, nothing to do).
void release_tbbmalloc_buffers() noexcept {
  void* lib = dlopen("libtbbmalloc.so.2", RTLD_NOW | RTLD_NOLOAD);
  if (lib == nullptr) return;
  using command_fn = int (*)(int, void*);
  if (auto* command = reinterpret_cast<command_fn>(dlsym(lib, "scalable_allocation_command"))) {
    command(TBBMALLOC_CLEAN_ALL_BUFFERS, nullptr);
  }
  dlclose(lib);
}

}  // namespace

bool reset_peak_rss() noexcept {
  // Hand memory that earlier rows freed back to the kernel first (glibc keeps it, in an arena
  // per thread): otherwise it stays resident and every later row's peak starts above it.
  malloc_trim(0);
  release_tbbmalloc_buffers();
  std::ofstream clear_refs("/proc/self/clear_refs");
  if (!clear_refs) return false;
  clear_refs << "5";
  clear_refs.flush();
  return static_cast<bool>(clear_refs);
}

double peak_rss_mb() noexcept {
  try {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
      if (line.starts_with("VmHWM:")) return std::stod(line.substr(6)) / 1024.0;  // kB
    }
  } catch (...) {
  }
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) return static_cast<double>(ru.ru_maxrss) / 1024.0;
  return 0;
}

double quantile_ns(std::vector<std::uint64_t>& values, double q) {
  if (values.empty()) return 0;
  const auto n = values.size();
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(n)));
  rank = std::clamp<std::size_t>(rank, 1, n) - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank),
                   values.end());
  return static_cast<double>(values[rank]);
}

}  // namespace execbench::bench
