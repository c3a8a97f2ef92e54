// CPU kernels: the work a `cpu` step does, one per row of step_kinds.hpp's
// EXECBENCH_CPU_KERNELS, each verifiable.
//
// A kernel takes an iteration count (the calibration turns microseconds into iterations) and
// an input, and returns a value that expected_result() predicts independently. Results pass
// through an optimization barrier, so the work cannot be elided even when the caller ignores
// the value. What each kernel computes, and how its result is predicted: kernels.cpp, beside
// its code.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "execbench/workloads/spec.hpp"

namespace execbench::workloads::kernels {

// The version of the kernels' code: a cached calibration is kept per version (bench's
// calibration_store), so raise it whenever a kernel's code changes what an iteration costs.
inline constexpr int kernel_code_version = 1;

// Nanoseconds per iteration of each kernel, indexed by cpu_kernel (step_kinds.hpp's order).
using kernel_speeds = std::array<double, enum_count<cpu_kernel>>;

// The calibration of this machine, measured once per process (calibrate()).
struct calibration {
  kernel_speeds ns_per_iteration{};
  // spin(50 µs) measured after calibrating (20th percentile of 101 runs: interruptions only
  // add time): the accuracy of the calibration, for the benchmark context (target: within 5%).
  double spin_50us_measured_us = 0;
  double spin_50us_error = 0;  // measured / 50 - 1
  std::size_t memory_buffer_bytes = 0;
  std::size_t last_level_cache_bytes = 0;  // as the system reports it; 0 if unknown
  double calibration_ms = 0;               // how long calibrating took
};

// Measure the calibration once (thread-safe; later calls return the first result). Call it at
// start-up, outside timed regions: it fills the memory kernel's buffer to measure that kernel.
const calibration& calibrate();

// Makes calibrate() return these speeds (ns per iteration, indexed by cpu_kernel) instead of
// measuring them, so that a run does the same work as the run they came from (a cache or an
// earlier report); the spin(50 us) check is still measured, against them, so that the context
// says how far this machine now runs from them. False when calibrate() has already run.
bool use_calibration(const kernel_speeds& ns_per_iteration);

// spin's speed now, in ns per iteration: a light probe (about 2 ms; the 5th fastest of 21 runs
// of about 100 us at the calibrated speed), taken beside the benchmark rows so that a report
// shows how the machine's speed moved during the run.
double probe_spin_ns_per_iteration();

// The memory kernel's buffer is in memory only while a hold exists: the first hold allocates
// and fills it (calibration().memory_buffer_bytes, twice the last-level cache: 600 MB on a
// machine that reports a 300 MB cache), the last one to go frees it. Kept for the whole
// process, it was most of every benchmark row's max_rss_mb, rows without a memory step too.
// The memory kernel runs only while a hold exists (without one it returns a value that fails
// verification): calibration holds one, and so does workload_fixtures for a workload with
// memory steps. Thread-safe; take it outside timed regions (filling takes a while).
class memory_buffer_hold {
 public:
  memory_buffer_hold();
  ~memory_buffer_hold();
  memory_buffer_hold(const memory_buffer_hold&) = delete;
  memory_buffer_hold& operator=(const memory_buffer_hold&) = delete;
};

// Whether the memory kernel's buffer is in memory now (a hold exists).
bool memory_buffer_present() noexcept;

// The memory kernel's buffer for a last-level cache of `cache_bytes` (0: unknown): twice the
// cache, so that a stream never hits it, at least 64 MB and at most 1 GiB.
std::size_t memory_buffer_bytes_for(std::size_t cache_bytes) noexcept;

namespace testing {
// Sizes the memory kernel's buffer at `bytes` (a multiple of 8, at least 4 KiB) instead of twice
// the last-level cache, for test binaries, which check what the kernels compute and not how fast
// they run: under the sanitizers, filling the 64 MB or more of the real buffer takes 5 to 20 s
// in every test process that calibrates. Call it before the buffer's size is first used (from a
// test binary's static initialization: tests/small_memory_buffer.cpp). Throws
// std::invalid_argument for a bad size and std::logic_error once the size is fixed.
void use_memory_buffer_bytes(std::size_t bytes);
}  // namespace testing

// Measure kernel k's speed now, as calibrate() does (ns per iteration): to check, after a
// run, that the machine's speed has not drifted from the calibration (a busy sibling
// hyperthread or a frequency change shifts it). For the memory kernel, it holds the buffer.
double measure_ns_per_iteration(cpu_kernel k);

// The CPU time the calling thread has used (CLOCK_THREAD_CPUTIME_ID): a system call, not a
// vDSO read, so a sampled step pays for two of them.
std::uint64_t thread_cpu_ns() noexcept;

// What a sampled CPU step's bracket (a thread CPU clock read, two steady-clock reads around
// the kernel, another thread CPU clock read) adds to its CPU sample, in ns: the median of a
// thousand brackets around spin(1), measured once per process (thread-safe).
std::uint64_t thread_cpu_clock_cost_ns();

// Iterations of kernel k that take `work` on this machine (at least 1).
std::uint64_t iterations_for(cpu_kernel k, std::chrono::nanoseconds work, const calibration& c);

// The kernels are never inlined, so that calibration and every workload run the same machine
// code: an inlined copy is aligned differently, and a tight loop's speed depends on that.
[[gnu::noinline]] std::uint64_t spin(std::uint64_t iterations) noexcept;
[[gnu::noinline]] std::uint64_t compute(std::uint64_t iterations, std::uint64_t seed) noexcept;
// Needs a memory_buffer_hold.
[[gnu::noinline]] std::uint64_t memory(std::uint64_t iterations, std::uint64_t start) noexcept;
[[gnu::noinline]] std::uint64_t hash(std::uint64_t iterations, std::uint64_t seed) noexcept;

// Run kernel k for `iterations` with `input`.
std::uint64_t run(cpu_kernel k, std::uint64_t iterations, std::uint64_t input) noexcept;

// What run(k, iterations, input) returns, computed without running it (except hash: O(n)).
std::uint64_t expected_result(cpu_kernel k, std::uint64_t iterations, std::uint64_t input);

// True when result is what run(k, iterations, input) returns.
inline bool verify(cpu_kernel k, std::uint64_t iterations, std::uint64_t input,
                   std::uint64_t result) {
  return expected_result(k, iterations, input) == result;
}

// Keep a value alive: the compiler must compute it, whatever the caller does with it.
template <class T>
inline void do_not_optimize(const T& value) noexcept {
  asm volatile("" : : "r,m"(value) : "memory");
}

}  // namespace execbench::workloads::kernels
