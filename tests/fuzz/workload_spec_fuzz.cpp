// libFuzzer target: the workload-spec reader (parse_workload_text) on arbitrary bytes.
//
// Bytes either parse into a workload_spec or are refused with a workload_error whose message is
// one line naming the input; anything else is a finding. A spec that parses is written back as a
// workload document (the groups form, every default made explicit; each step by its kind's
// write, step_kinds.hpp) and must parse again to the same spec, compared through a canonical
// dump of every field. Built with -fsanitize=fuzzer under EXECBENCH_FUZZ, else with
// replay_main.cpp as a program over files (the regression tests).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "execbench/workloads/spec.hpp"

namespace {

using namespace execbench::workloads;
using nlohmann::json;

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "workload_spec_fuzz: %s\n", what.c_str());
  std::abort();
}

// A step as its kind writes it back (step_kinds.hpp), with "p" and "repeat".
json step_document(const step_spec& s, const workload_spec& spec) {
  json step = json::object();
  visit_kind(s.kind, [&](auto kind) { decltype(kind)::write(s, spec, step); });
  step["p"] = s.p;
  step["repeat"] = s.repeat;
  return step;
}

json graph_document(const graph_spec& g) {
  switch (g.shape) {
    case graph_shape::independent:
    case graph_shape::chain:
      return {{"shape", execbench::name_of(g.shape)}, {"tasks", g.tasks}};
    case graph_shape::tree:
      return {{"shape", "tree"}, {"depth", g.depth}, {"fanout", g.fanout}};
    case graph_shape::wavefront:
      break;
  }
  return {{"shape", "wavefront"}, {"width", g.width}, {"steps", g.steps}};
}

// The spec as a workload document that parse_workload accepts.
json workload_document(const workload_spec& spec) {
  json groups = json::array();
  for (const group_spec& g : spec.groups) {
    json group = {{"name", g.name}, {"graph", graph_document(g.graph)}, {"task", json::array()}};
    if (g.release.mode == release_mode::closed)
      group["release"] = {{"concurrency", g.release.concurrency}};
    else if (g.release.mode == release_mode::open)
      group["release"] = {{"rate_per_s", g.release.rate_per_s}};
    for (const step_spec& s : g.program) group["task"].push_back(step_document(s, spec));
    groups.push_back(std::move(group));
  }
  return {{"name", spec.name},
          {"description", spec.description},
          {"seed", spec.seed},
          {"groups", groups}};
}

// Every field of the spec, meaningful for its kind or not: two specs are equal when their
// canonical dumps are.
json canonical(const workload_spec& spec) {
  json groups = json::array();
  for (const group_spec& g : spec.groups) {
    json program = json::array();
    for (const step_spec& s : g.program)
      program.push_back({static_cast<int>(s.kind), static_cast<int>(s.kernel), s.us,
                         static_cast<int>(s.latency.kind), s.latency.us, s.latency.min_us,
                         s.latency.max_us, s.latency.mean_us, s.latency.sigma, s.request_bytes,
                         s.response_bytes, s.server_delay_us, s.bytes, s.file_bytes, s.lock_id, s.p,
                         s.repeat});
    groups.push_back({g.name, static_cast<int>(g.graph.shape), g.graph.tasks, g.graph.depth,
                      g.graph.fanout, g.graph.width, g.graph.steps,
                      static_cast<int>(g.release.mode), g.release.concurrency, g.release.rate_per_s,
                      program});
  }
  return {spec.name, spec.description, spec.seed, spec.locks, spec.source, groups};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  workload_spec first;
  try {
    first = parse_workload_text(text, "input.json");
  } catch (const workload_error& e) {
    const std::string message = e.what();
    if (message.find('\n') != std::string::npos || !message.starts_with("input.json"))
      finding("an error message that is not one line naming the input: " + message);
    return 0;
  }
  const std::string written = workload_document(first).dump();
  workload_spec second;
  try {
    second = parse_workload_text(written, "input.json");
  } catch (const workload_error& e) {
    finding(std::string("a parsed spec, written out, is refused: ") + e.what() + "\n" + written);
  }
  if (canonical(first) != canonical(second))
    finding("the spec changed on the second parse:\n" + canonical(first).dump() + "\n" +
            canonical(second).dump());
  return 0;
}
