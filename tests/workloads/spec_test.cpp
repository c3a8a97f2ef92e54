#include "execbench/workloads/spec.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "execbench/workloads/presets.hpp"

namespace wl = execbench::workloads;

namespace {

// The message of the workload_error that parsing `text` throws, or "" when it parses.
std::string rejection(const std::string& text) {
  try {
    wl::parse_workload_text(text, "bad.json");
  } catch (const wl::workload_error& e) {
    return e.what();
  }
  return "";
}

// A valid document with `steps` as its program and `extra` appended to the top level.
std::string doc(const std::string& steps, const std::string& extra = "",
                const std::string& graph = R"({"shape": "independent", "tasks": 4})") {
  return R"({"name": "t", "graph": )" + graph + R"(, "task": )" + steps + extra + "}";
}

}  // namespace

TEST(Presets, EveryPresetLoadsAndIsDescribed) {
  const auto names = wl::preset_names();
  const char* expected[] = {
      "fetch_and_count", "offload_blocking", "locked_counter",   "sleep_fanout",     "cpu_fanout",
      "async_tree_none", "async_tree_io",    "async_tree_mixed", "async_tree_memo",  "web_request",
      "tcp_echo",        "disk_read",        "wavefront",        "open_loop_request"};
  for (const char* name : expected)
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    wl::workload_spec spec;
    ASSERT_NO_THROW(spec = wl::load_preset(name));
    EXPECT_EQ(spec.name, name) << "a preset's name is its file name";
    EXPECT_FALSE(spec.description.empty());
  }
}

TEST(Presets, UnknownPresetIsNamed) {
  try {
    wl::load_preset("no_such_preset");
    FAIL();
  } catch (const wl::workload_error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_preset"), std::string::npos);
  }
}

TEST(Spec, DesignExampleIsAcceptedExactly) {
  const char* text = R"({
  "name": "web_request",
  "description": "call a service, parse the answer, call a cache",
  "graph": {"shape": "independent", "tasks": 2000},
  "release": {"concurrency": 256},
  "task": [
    {"io": "timer", "latency": {"dist": "exponential", "mean_us": 2000}},
    {"cpu": "hash", "us": 50},
    {"io": "tcp", "request_bytes": 512, "response_bytes": 4096, "server_delay_us": 1000}
  ],
  "seed": 42
})";
  const auto spec = wl::parse_workload_text(text, "design.json");
  EXPECT_EQ(spec.name, "web_request");
  EXPECT_EQ(spec.seed, 42u);
  ASSERT_EQ(spec.groups.size(), 1u);
  const auto& g = spec.groups[0];
  EXPECT_EQ(g.graph.shape, wl::graph_shape::independent);
  EXPECT_EQ(g.graph.tasks, 2000u);
  EXPECT_EQ(g.release.mode, wl::release_mode::closed);
  EXPECT_EQ(g.release.concurrency, 256u);
  ASSERT_EQ(g.program.size(), 3u);
  EXPECT_EQ(g.program[0].kind, wl::step_kind::timer);
  EXPECT_EQ(g.program[0].latency.kind, wl::dist_kind::exponential);
  EXPECT_DOUBLE_EQ(g.program[0].latency.mean_us, 2000);
  EXPECT_EQ(g.program[1].kind, wl::step_kind::cpu);
  EXPECT_EQ(g.program[1].kernel, wl::cpu_kernel::hash);
  EXPECT_DOUBLE_EQ(g.program[1].us, 50);
  EXPECT_EQ(g.program[2].kind, wl::step_kind::tcp);
  EXPECT_EQ(g.program[2].request_bytes, 512u);
  EXPECT_EQ(g.program[2].response_bytes, 4096u);
  EXPECT_DOUBLE_EQ(g.program[2].server_delay_us, 1000);
}

TEST(Spec, EveryStepKindAndOption) {
  const auto spec = wl::parse_workload_text(doc(R"([
    {"cpu": "spin", "us": 5}, {"cpu": "compute", "us": 5}, {"cpu": "memory", "us": 5},
    {"cpu": "hash", "us": 5, "p": 0.5, "repeat": 3},
    {"io": "timer", "latency_us": 10},
    {"io": "blocking", "latency": {"dist": "uniform", "min_us": 0, "max_us": 10}},
    {"io": "timer", "latency": {"dist": "lognormal", "mean_us": 10, "sigma": 1}},
    {"io": "timer", "latency": {"dist": "fixed", "us": 10}},
    {"io": "tcp", "request_bytes": 16, "response_bytes": 1},
    {"io": "disk", "bytes": 4096, "file_bytes": 8192},
    {"lock": "a", "hold_us": 3}, {"lock": true, "hold_us": 0}, {"lock": "a", "hold_us": 1}
  ])"),
                                            "ok.json");
  const auto& p = spec.groups[0].program;
  ASSERT_EQ(p.size(), 13u);
  EXPECT_EQ(p[3].repeat, 3u);
  EXPECT_DOUBLE_EQ(p[3].p, 0.5);
  EXPECT_EQ(p[4].latency.kind, wl::dist_kind::fixed);
  EXPECT_DOUBLE_EQ(p[4].latency.us, 10);
  EXPECT_EQ(p[5].kind, wl::step_kind::blocking);
  EXPECT_EQ(p[9].file_bytes, 8192u);
  ASSERT_EQ(spec.locks.size(), 2u);
  EXPECT_EQ(p[10].lock_id, p[12].lock_id) << "same name, same lock";
  EXPECT_NE(p[10].lock_id, p[11].lock_id);
}

TEST(Spec, GroupsRunSideBySideAndInheritTheRelease) {
  const auto spec = wl::parse_workload_text(R"({
    "name": "g", "release": {"concurrency": 2},
    "groups": [
      {"name": "a", "graph": {"shape": "chain", "tasks": 3}, "task": [{"cpu": "spin", "us": 1}]},
      {"graph": {"shape": "tree", "depth": 2, "fanout": 3}, "release": {"rate_per_s": 100},
       "task": [{"io": "timer", "latency_us": 1}]}
    ]})",
                                            "groups.json");
  ASSERT_EQ(spec.groups.size(), 2u);
  EXPECT_EQ(spec.groups[0].name, "a");
  EXPECT_EQ(spec.groups[1].name, "group1");
  EXPECT_EQ(spec.groups[0].release.mode, wl::release_mode::closed);
  EXPECT_EQ(spec.groups[1].release.mode, wl::release_mode::open);
  EXPECT_EQ(spec.groups[1].graph.node_count(), 13u);
  EXPECT_EQ(spec.groups[1].graph.work_count(), 9u);
}

TEST(Spec, GroupCountIsShortForIndependentTasks) {
  const auto spec = wl::parse_workload_text(
      R"({"name": "g", "groups": [{"count": 7, "task": [{"cpu": "spin", "us": 1}]}]})", "c.json");
  EXPECT_EQ(spec.groups[0].graph.shape, wl::graph_shape::independent);
  EXPECT_EQ(spec.groups[0].graph.tasks, 7u);
}

struct bad_case {
  const char* what;
  std::string text;
  const char* path;     // the JSON path the message must name
  const char* problem;  // a fragment of the problem it must state
};

class Rejects : public ::testing::TestWithParam<bad_case> {};

TEST_P(Rejects, WithOneLineNamingFileAndPath) {
  const auto& c = GetParam();
  const std::string message = rejection(c.text);
  ASSERT_FALSE(message.empty()) << c.what << ": accepted";
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.rfind("bad.json: ", 0), 0u) << message;
  EXPECT_NE(message.find(std::string(": ") + c.path + ": "), std::string::npos)
      << c.what << ": " << message;
  EXPECT_NE(message.find(c.problem), std::string::npos) << c.what << ": " << message;
}

const std::string spin = R"([{"cpu": "spin", "us": 5}])";

INSTANTIATE_TEST_SUITE_P(
    Workload, Rejects,
    ::testing::Values(
        bad_case{"unknown shape", doc(spin, "", R"({"shape": "ring", "tasks": 3})"), "/graph/shape",
                 "unknown shape \"ring\""},
        bad_case{"unknown cpu kernel", doc(R"([{"cpu": "fft", "us": 5}])"), "/task/0/cpu",
                 "unknown cpu kernel"},
        bad_case{"unknown io kind", doc(R"([{"io": "udp", "latency_us": 5}])"), "/task/0/io",
                 "unknown io kind"},
        bad_case{"unknown distribution",
                 doc(R"([{"io": "timer", "latency": {"dist": "pareto", "mean_us": 1}}])"),
                 "/task/0/latency/dist", "unknown distribution"},
        bad_case{"negative duration",
                 doc(R"([{"cpu": "spin", "us": 5}, {"cpu": "spin", "us": -5}])"), "/task/1/us",
                 "must be > 0"},
        bad_case{"zero duration", doc(R"([{"cpu": "hash", "us": 0}])"), "/task/0/us",
                 "must be > 0"},
        bad_case{"zero latency", doc(R"([{"io": "timer", "latency_us": 0}])"), "/task/0/latency_us",
                 "must be > 0"},
        bad_case{"zero exponential mean",
                 doc(R"([{"io": "timer", "latency": {"dist": "exponential", "mean_us": 0}}])"),
                 "/task/0/latency/mean_us", "must be > 0"},
        bad_case{"negative hold", doc(R"([{"lock": "x", "hold_us": -1}])"), "/task/0/hold_us",
                 "must be >= 0"},
        bad_case{"p above 1", doc(R"([{"cpu": "spin", "us": 5, "p": 1.5}])"), "/task/0/p", "<= 1"},
        bad_case{"p below 0", doc(R"([{"cpu": "spin", "us": 5, "p": -0.1}])"), "/task/0/p", ">= 0"},
        bad_case{"repeat 0", doc(R"([{"cpu": "spin", "us": 5, "repeat": 0}])"), "/task/0/repeat",
                 "must be an integer"},
        bad_case{"zero tasks", doc(spin, "", R"({"shape": "independent", "tasks": 0})"),
                 "/graph/tasks", "must be an integer"},
        bad_case{"zero width", doc(spin, "", R"({"shape": "wavefront", "width": 0, "steps": 2})"),
                 "/graph/width", "must be an integer"},
        bad_case{"no program", R"({"name": "t", "graph": {"shape": "chain", "tasks": 2}})", "/",
                 "missing required key \"task\""},
        bad_case{"empty program", doc("[]"), "/task", "no steps"},
        bad_case{"wrong type for tasks", doc(spin, "", R"({"shape": "chain", "tasks": "10"})"),
                 "/graph/tasks", "expected an integer, got a string"},
        bad_case{"fractional count", doc(spin, "", R"({"shape": "chain", "tasks": 2.5})"),
                 "/graph/tasks", "expected an integer"},
        bad_case{"wrong type for us", doc(R"([{"cpu": "spin", "us": "5"}])"), "/task/0/us",
                 "expected a number"},
        bad_case{"step not an object", doc(R"([{"cpu": "spin", "us": 5}, 7])"), "/task/1",
                 "expected an object"},
        bad_case{"task not an array", doc(R"({"cpu": "spin", "us": 5})"), "/task",
                 "expected an array"},
        bad_case{"unknown top-level key", doc(spin, R"(, "sed": 42)"), "/sed", "unknown key"},
        bad_case{"unknown step key", doc(R"([{"cpu": "spin", "us": 5, "ms": 1}])"), "/task/0/ms",
                 "unknown key"},
        bad_case{"unknown graph key",
                 doc(spin, "", R"({"shape": "chain", "tasks": 2, "depth": 1})"), "/graph/depth",
                 "unknown key"},
        bad_case{"missing name",
                 R"({"graph": {"shape": "chain", "tasks": 2}, "task": [{"cpu": "spin", "us": 5}]})",
                 "/", "missing required key \"name\""},
        bad_case{"missing us", doc(R"([{"cpu": "spin"}])"), "/task/0",
                 "missing required key \"us\""},
        bad_case{"missing tree fanout", doc(spin, "", R"({"shape": "tree", "depth": 2})"), "/graph",
                 "missing required key \"fanout\""},
        bad_case{"step with two kinds", doc(R"([{"cpu": "spin", "io": "timer", "us": 5}])"),
                 "/task/0", "exactly one"},
        bad_case{"step with no kind", doc(R"([{"us": 5}])"), "/task/0", "needs one of"},
        bad_case{"both release modes",
                 doc(spin, R"(, "release": {"concurrency": 2, "rate_per_s": 5})"), "/release",
                 "not both"},
        bad_case{"zero concurrency", doc(spin, R"(, "release": {"concurrency": 0})"),
                 "/release/concurrency", "must be an integer"},
        bad_case{"zero rate", doc(spin, R"(, "release": {"rate_per_s": 0})"), "/release/rate_per_s",
                 "must be > 0"},
        bad_case{"tcp request smaller than its header",
                 doc(R"([{"io": "tcp", "request_bytes": 8, "response_bytes": 8}])"),
                 "/task/0/request_bytes", "must be an integer in [16"},
        bad_case{"disk read beyond its file",
                 doc(R"([{"io": "disk", "bytes": 8192, "file_bytes": 4096}])"),
                 "/task/0/file_bytes", "must be >="},
        bad_case{
            "uniform max below min",
            doc(R"([{"io": "timer", "latency": {"dist": "uniform", "min_us": 5, "max_us": 2}}])"),
            "/task/0/latency/max_us", "must be >="},
        bad_case{"lock name of a wrong type", doc(R"([{"lock": 3, "hold_us": 1}])"), "/task/0/lock",
                 "expected a lock name"},
        bad_case{"tree too large", doc(spin, "", R"({"shape": "tree", "depth": 30, "fanout": 10})"),
                 "/graph", "too many tasks"},
        bad_case{"group without program",
                 R"({"name": "g", "groups": [{"graph": {"shape": "chain", "tasks": 2}}]})",
                 "/groups/0", "missing required key \"task\""},
        bad_case{
            "error deep in a group",
            R"({"name": "g", "groups": [{"graph": {"shape": "chain", "tasks": 2}, "task": [{"cpu": "spin", "us": 1}]},
                     {"graph": {"shape": "chain", "tasks": 2}, "task": [{"cpu": "spin", "us": 1}, {"io": "timer", "latency": {"dist": "lognormal", "mean_us": 3}}]}]})",
            "/groups/1/task/1/latency", "missing required key \"sigma\""},
        bad_case{
            "both task and groups",
            R"({"name": "g", "task": [], "groups": [{"graph": {"shape": "chain", "tasks": 2}, "task": [{"cpu": "spin", "us": 1}]}]})",
            "/task", "unknown key"},
        bad_case{
            "group with graph and count",
            R"({"name": "g", "groups": [{"count": 2, "graph": {"shape": "chain", "tasks": 2}, "task": [{"cpu": "spin", "us": 1}]}]})",
            "/groups/0", "not both"},
        bad_case{"group with zero count",
                 R"({"name": "g", "groups": [{"count": 0, "task": [{"cpu": "spin", "us": 1}]}]})",
                 "/groups/0/count", "must be an integer"},
        bad_case{"group with neither graph nor count",
                 R"({"name": "g", "groups": [{"task": [{"cpu": "spin", "us": 1}]}]})", "/groups/0",
                 "missing required key \"graph\""},
        bad_case{"unnamed group whose default name is taken",
                 R"({"name": "g", "groups": [{"name": "group1", "count": 1, "task": [{"cpu": "spin", "us": 1}]}, {"count": 1, "task": [{"cpu": "spin", "us": 1}]}]})",
                 "/groups/1", "already takes"},
        bad_case{"a newline in a value the message quotes",
                 R"({"name": "g", "graph": {"shape": "a\nb"}, "task": [{"cpu": "spin", "us": 1}]})",
                 "/graph/shape", "unknown shape \"a b\""},
        bad_case{"root not an object", "[1, 2]", "/", "expected an object"}),
    [](const ::testing::TestParamInfo<bad_case>& param) {
      std::string name = param.param.what;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

TEST(Spec, SyntaxErrorNamesFileLineAndColumn) {
  const std::string message = rejection("{\n  \"name\": \"t\",\n  \"graph\": ,\n}");
  EXPECT_EQ(message.rfind("bad.json:3:", 0), 0u) << message;
  EXPECT_NE(message.find("invalid JSON"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

// A number too large for a double is the JSON library's out_of_range, not a parse_error: still
// one workload_error naming the file (found by fuzzing).
TEST(Spec, NumberTooLargeIsInvalidJson) {
  const std::string message = rejection(R"({"name": "t", "seed": 2E777707})");
  EXPECT_EQ(message.rfind("bad.json: invalid JSON: ", 0), 0u) << message;
  EXPECT_NE(message.find("number overflow"), std::string::npos) << message;
}

TEST(Spec, MissingFileIsNamed) {
  try {
    wl::load_workload("/nonexistent/dir/w.json");
    FAIL();
  } catch (const wl::workload_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/w.json"), std::string::npos);
  }
}

// scaled_in_time stretches every duration (and an open loop's arrivals) and nothing else.
TEST(Spec, ScaledInTimeScalesDurationsAndTheOpenLoopsRateOnly) {
  const auto spec = wl::parse_workload_text(
      R"({"name": "t", "groups": [
        {"name": "a", "graph": {"shape": "independent", "tasks": 4},
         "release": {"rate_per_s": 1000},
         "task": [{"cpu": "spin", "us": 10}, {"io": "timer", "latency_us": 20},
                  {"io": "tcp", "request_bytes": 100, "response_bytes": 200,
                   "server_delay_us": 30}]},
        {"name": "b", "graph": {"shape": "chain", "tasks": 3}, "release": {"concurrency": 2},
         "task": [{"io": "timer", "latency": {"dist": "uniform", "min_us": 5, "max_us": 15}},
                  {"io": "timer", "latency": {"dist": "lognormal", "mean_us": 8,
                   "sigma": 0.5}}]}]})",
      "t.json");
  const auto s = wl::scaled_in_time(spec, 2.5);
  const auto& a = s.groups[0];
  EXPECT_DOUBLE_EQ(a.release.rate_per_s, 400);
  EXPECT_DOUBLE_EQ(a.program[0].us, 25);
  EXPECT_DOUBLE_EQ(a.program[1].latency.us, 50);
  EXPECT_DOUBLE_EQ(a.program[2].server_delay_us, 75);
  EXPECT_EQ(a.program[2].request_bytes, 100U);
  EXPECT_EQ(a.program[2].response_bytes, 200U);
  EXPECT_EQ(a.graph.tasks, 4U);
  const auto& b = s.groups[1];
  EXPECT_EQ(b.release.concurrency, 2U);
  EXPECT_DOUBLE_EQ(b.program[0].latency.min_us, 12.5);
  EXPECT_DOUBLE_EQ(b.program[0].latency.max_us, 37.5);
  EXPECT_DOUBLE_EQ(b.program[1].latency.mean_us, 20);
  EXPECT_DOUBLE_EQ(b.program[1].latency.sigma, 0.5);
  EXPECT_THROW(wl::scaled_in_time(spec, 0), std::invalid_argument);
  EXPECT_THROW(wl::scaled_in_time(spec, -1), std::invalid_argument);
}
