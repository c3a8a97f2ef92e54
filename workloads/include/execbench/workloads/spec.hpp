// The workload spec: what a workload JSON document says, parsed and validated.
//
// A workload is data: task groups that run side by side, each a task graph whose tasks run one
// step program, released under a closed or open loop. Parsing checks everything a run relies
// on, so that nothing downstream (materialization, runtimes) needs to re-check a document.
// Every rejection is a workload_error whose what() is one line: "FILE: /json/path: problem".
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace execbench::workloads {

// A document that cannot be run; what() is one line naming the file, the JSON path and the
// problem (or, for syntax errors, the file, line and column).
class workload_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How a latency is drawn. Parameters in microseconds:
//   fixed {us}, uniform {min_us, max_us}, exponential {mean_us},
//   lognormal {mean_us, sigma}: sigma is the standard deviation of the underlying normal,
//   and its mu is chosen so that the mean of the draws is mean_us.
enum class dist_kind : std::uint8_t { fixed, uniform, exponential, lognormal };

struct latency_dist {
  dist_kind kind = dist_kind::fixed;
  double us = 0;       // fixed
  double min_us = 0;   // uniform
  double max_us = 0;   // uniform
  double mean_us = 0;  // exponential, lognormal
  double sigma = 0;    // lognormal

  // The distribution's mean in microseconds.
  double mean() const noexcept;
};

enum class cpu_kernel : std::uint8_t { spin, compute, memory, hash };
enum class step_kind : std::uint8_t { cpu, timer, blocking, tcp, disk, lock };

// One step of a task's program, as written. Only the fields of its kind are meaningful.
struct step_spec {
  step_kind kind = step_kind::cpu;
  cpu_kernel kernel = cpu_kernel::spin;  // cpu
  double us = 0;                         // cpu: work; lock: hold time
  latency_dist latency;                  // timer, blocking
  std::uint32_t request_bytes = 0;       // tcp: whole request, header included
  std::uint32_t response_bytes = 0;      // tcp
  double server_delay_us = 0;            // tcp
  std::uint64_t bytes = 0;               // disk: bytes read by the step
  std::uint64_t file_bytes = 0;          // disk: size of the file it reads from
  std::uint32_t lock_id = 0;             // lock: index into workload_spec::locks
  double p = 1;                          // probability that the step runs
  std::uint32_t repeat = 1;              // how many times it runs when it does
};

enum class graph_shape : std::uint8_t { independent, chain, tree, wavefront };

struct graph_spec {
  graph_shape shape = graph_shape::independent;
  std::uint32_t tasks = 0;   // independent, chain
  std::uint32_t depth = 0;   // tree: levels below the root; fanout^depth leaves
  std::uint32_t fanout = 0;  // tree
  std::uint32_t width = 0;   // wavefront
  std::uint32_t steps = 0;   // wavefront

  // Every node of the graph, the tree's inner (gathering) nodes included.
  std::uint64_t node_count() const noexcept;
  // The nodes that run the program (all of them except a tree's inner nodes).
  std::uint64_t work_count() const noexcept;
};

enum class release_mode : std::uint8_t { unlimited, closed, open };

// How work tasks are let in: all at once (no "release" key), at most `concurrency` in flight
// (closed loop), or the k-th at k / rate_per_s seconds (open loop).
struct release_spec {
  release_mode mode = release_mode::unlimited;
  std::uint32_t concurrency = 0;  // closed
  double rate_per_s = 0;          // open
};

struct group_spec {
  std::string name;
  graph_spec graph;
  release_spec release;
  std::vector<step_spec> program;
};

struct workload_spec {
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  std::vector<group_spec> groups;  // the one-program form is a single group named "main"
  std::vector<std::string> locks;  // lock names, indexed by step_spec::lock_id
  std::string source;              // the file (or label) it was read from, for messages
};

// Limits that keep a document's plan within memory; exceeding them is a validation error.
inline constexpr std::uint64_t max_tasks = std::uint64_t{1} << 22;
inline constexpr std::uint64_t max_planned_steps = std::uint64_t{1} << 24;
// The request header every tcp request carries (see tcp.hpp).
inline constexpr std::uint32_t tcp_header_bytes = 16;

// Validate a parsed document; `source` names it in messages.
workload_spec parse_workload(const nlohmann::json& doc, std::string_view source);
// Parse and validate JSON text; syntax errors name source, line and column.
workload_spec parse_workload_text(std::string_view text, std::string_view source);
// Read, parse and validate a file.
workload_spec load_workload(const std::filesystem::path& file);

std::string_view to_string(cpu_kernel k) noexcept;
std::string_view to_string(step_kind k) noexcept;
std::string_view to_string(graph_shape s) noexcept;
std::string_view to_string(dist_kind d) noexcept;

}  // namespace execbench::workloads
