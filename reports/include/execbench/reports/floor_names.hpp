// The host cost floors as a report's context names them (`floors`; workloads/floors.hpp measures
// them): the one list that the bench writes by (workloads/src/floors.cpp, which checks its own
// table against it at compile time) and the summary reads by. In the order execbench measures
// them, which is the order they are shown in: the ones the ideal uses first.
#pragma once

#include <string_view>

namespace execbench::reports {

struct floor_name {
  std::string_view key;    // the name in `floors`
  std::string_view words;  // what it measures, for a reader
  std::string_view unit;   // "us" or "us/KiB"
  bool in_ideal;           // the ideal prices steps by it (else it is reported only)
};

inline constexpr floor_name floor_names[] = {
    {"tcp_round_trip_us", "loopback TCP round trip, 64 B each way, both ends", "us", true},
    {"tcp_us_per_kib", "loopback TCP, per KiB more", "us/KiB", true},
    {"disk_read_us_per_kib", "page-cache read", "us/KiB", true},
    {"timer_wake_us", "timer wake-up overshoot", "us", false},
    {"thread_wake_us", "thread wake (eventfd)", "us", false},
    {"thread_start_us", "thread start and join", "us", false},
};

}  // namespace execbench::reports
