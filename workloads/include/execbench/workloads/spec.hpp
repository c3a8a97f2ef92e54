// The workload spec: what a workload JSON document says, parsed and validated.
//
// A workload is data: task groups that run side by side, each a task graph whose tasks run one
// step program, released under a closed or open loop. Parsing checks everything a run relies
// on, so that nothing downstream (materialization, runtimes) needs to re-check a document.
// Every rejection is a workload_error whose what() is one line: "FILE: /json/path: problem".
// What a step is, and every step kind, comes from the table of step_kinds.hpp; enum names
// (name_of, enum_names) from enum_names.hpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "execbench/workloads/step_kinds.hpp"

namespace execbench::workloads {

// A document that cannot be run; what() is one line naming the file, the JSON path and the
// problem (or, for syntax errors, the file, line and column).
class workload_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

#define EXECBENCH_GRAPH_SHAPES(X) X(independent) X(chain) X(tree) X(wavefront)
EXECBENCH_ENUM(graph_shape, EXECBENCH_GRAPH_SHAPES)

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

#define EXECBENCH_RELEASE_MODES(X) X(unlimited) X(closed) X(open)
EXECBENCH_ENUM(release_mode, EXECBENCH_RELEASE_MODES)

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

// Validate a parsed document; `source` names it in messages.
workload_spec parse_workload(const nlohmann::json& doc, std::string_view source);
// Parse and validate JSON text; syntax errors name source, line and column.
workload_spec parse_workload_text(std::string_view text, std::string_view source);
// Read, parse and validate a file.
workload_spec load_workload(const std::filesystem::path& file);

// The same workload on a timeline `factor` (> 0) times as long: every step's durations (CPU
// work, a lock's hold, a timer's or a blocking call's latency, a server's delay) times factor,
// an open loop's rate divided by it. Sizes in bytes, counts and the graph stay as they are (the
// host floors price the bytes). METG sweeps a user's file by it (execbench --metg=FILE).
workload_spec scaled_in_time(const workload_spec& spec, double factor);

}  // namespace execbench::workloads
