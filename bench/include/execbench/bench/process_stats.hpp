// What a workload row reads about the process around its iterations: context switches
// (getrusage), CPU time of every thread, peak resident memory; and latency percentiles.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace execbench::bench {

struct process_sample {
  double cpu_s = 0;                     // CPU time of every thread of the process
  std::int64_t ctx_switches_vol = 0;    // ru_nvcsw
  std::int64_t ctx_switches_invol = 0;  // ru_nivcsw
};

process_sample sample_process() noexcept;

// Returns freed heap memory to the kernel (malloc_trim), then resets the kernel's peak-RSS mark
// to the current RSS (writes "5" to /proc/self/clear_refs, Linux >= 4.0), so that the next
// peak_rss_mb() is this row's peak rather than the process's so far. False when that is not
// possible (the peak then includes earlier rows).
bool reset_peak_rss() noexcept;

// VmHWM from /proc/self/status in MiB (getrusage's ru_maxrss, which clear_refs does not reset
// on every kernel, as a fallback).
double peak_rss_mb() noexcept;

// The q-quantile (0..1) of `values` by nearest rank, reordering them; 0 when empty.
double quantile_ns(std::vector<std::uint64_t>& values, double q);

}  // namespace execbench::bench
