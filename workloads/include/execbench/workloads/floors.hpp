// Host cost floors: what this machine's kernel charges for the I/O a step does, whatever runtime
// does it. Measured once per process beside the CPU calibration (measure_host_floors, about a
// quarter of a second), cached with it, and written to the report's context (`floors`).
//
// Two floors enter the ideal makespan, as CPU a step must spend on the cores (ideal.hpp):
//   tcp    the system calls and copies of one loopback TCP round trip, both ends, on one thread
//          (send, receive, send back, receive back; no wake-up, which an event loop may batch
//          away): base + per-KiB slope, from round trips of 64 B and 16 KiB each way;
//   disk   a positioned read of 64 KiB blocks of a file in the page cache, per KiB.
// The others are reported only: a 100 µs sleep's overshoot (timer slack 1 ns, as the loop sets
// it), one thread waking another through an eventfd (half a round trip), a thread's start and
// join.
//
// Each floor is measured in batches of CPU time (the thread's CPU clock; wall time for the
// reported-only wake-ups): its figure is the batches' median with their min and max. The ideal
// takes the min, so that it stays a bound. A floor that cannot be measured (no loopback, no
// temporary directory) is left out with its reason, never guessed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "execbench/workloads/step_kinds.hpp"

namespace execbench::workloads {

struct floor_estimate {
  double median = 0;
  double low = 0;
  double high = 0;
  unsigned n = 0;  // batches
};

struct host_floors {
  std::optional<floor_estimate> tcp_round_trip_us;  // 64 B each way
  std::optional<floor_estimate> tcp_us_per_kib;     // the slope over the bytes both ways
  std::optional<floor_estimate> disk_read_us_per_kib;
  std::optional<floor_estimate> timer_wake_us;
  std::optional<floor_estimate> thread_wake_us;
  std::optional<floor_estimate> thread_start_us;
  std::map<std::string, std::string> missing;  // floor's name -> why it is not measured

  // The CPU, in ns, that the floors say one planned step costs beyond its own work (0 for a
  // step without a floor, or when its floor is missing): from each floor's low figure.
  double step_floor_ns(const planned_step& s) const noexcept;
  bool empty() const noexcept { return !tcp_round_trip_us && !disk_read_us_per_kib; }
};

// Measures the floors now (about a quarter of a second).
host_floors measure_host_floors();

// The floors as the context's `floors` value (JSON text: each floor's median, low, high and n,
// and `missing`: name -> reason), and back. from_json throws std::runtime_error naming the
// problem.
std::string floors_to_json(const host_floors& f);
host_floors floors_from_json(const std::string& text);

// The floors the ideal uses in this process: set once before rows run (the bench's start-up),
// empty until then (the ideal without floors).
void use_floors(const host_floors& f);
const host_floors& current_floors() noexcept;

}  // namespace execbench::workloads
