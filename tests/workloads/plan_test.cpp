#include "execbench/workloads/plan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "execbench/workloads/presets.hpp"
#include "execbench/workloads/random.hpp"

namespace wl = execbench::workloads;

namespace {

wl::workload_spec spec_of(const std::string& text) {
  return wl::parse_workload_text(text, "t.json");
}

std::string one_group(const std::string& graph, const std::string& steps,
                      const std::string& extra = "") {
  return R"({"name": "t", "seed": 7, "graph": )" + graph + R"(, "task": )" + steps + extra + "}";
}

bool same_steps(const wl::plan& a, const wl::plan& b) {
  const auto x = a.all_steps(), y = b.all_steps();
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i].op != y[i].op || x[i].ns != y[i].ns || x[i].arg != y[i].arg ||
        x[i].size != y[i].size || x[i].size2 != y[i].size2)
      return false;
  return true;
}

const std::string mixed_program = R"([
  {"io": "timer", "latency": {"dist": "exponential", "mean_us": 100}},
  {"cpu": "compute", "us": 3, "p": 0.5, "repeat": 2},
  {"io": "disk", "bytes": 4096, "file_bytes": 1048576},
  {"cpu": "memory", "us": 2}
])";

}  // namespace

TEST(Plan, DeterministicForASeed) {
  const auto spec = spec_of(one_group(R"({"shape": "independent", "tasks": 500})", mixed_program));
  const auto a = wl::materialize(spec), b = wl::materialize(spec);
  EXPECT_TRUE(same_steps(a, b));
  auto other = spec;
  other.seed = 8;
  EXPECT_FALSE(same_steps(a, wl::materialize(other))) << "another seed, another plan";
}

TEST(Plan, RepeatUnrollsAndPSelects) {
  const auto spec = spec_of(one_group(R"({"shape": "independent", "tasks": 4000})", R"([
    {"cpu": "spin", "us": 1, "repeat": 3},
    {"io": "timer", "latency_us": 5, "p": 0.25, "repeat": 2},
    {"io": "timer", "latency_us": 9, "p": 0},
    {"lock": "x", "hold_us": 1, "p": 1}
  ])"));
  const auto plan = wl::materialize(spec);
  std::uint64_t taken = 0;
  for (const auto& t : plan.tasks()) {
    const auto steps = plan.steps(t);
    ASSERT_TRUE(steps.size() == 4 || steps.size() == 6) << steps.size();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(steps[i].op, wl::step_op::spin);
    if (steps.size() == 6) {
      ++taken;
      EXPECT_EQ(steps[3].op, wl::step_op::timer);
      EXPECT_EQ(steps[3].ns, 5000u);
      EXPECT_EQ(steps[4].op, wl::step_op::timer);
    }
    EXPECT_EQ(steps.back().op, wl::step_op::lock);
  }
  // p = 0.25 over 4000 tasks: 1000 expected, sd about 27.
  EXPECT_GT(taken, 850u);
  EXPECT_LT(taken, 1150u);
  EXPECT_EQ(plan.totals().lock_acquisitions.at(0), 4000u);
}

TEST(Plan, DistributionsHaveTheirMeans) {
  wl::rng r(123);
  const int n = 200000;
  auto mean_of = [&](const wl::latency_dist& d) {
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      const double x = wl::draw_us(d, r);
      EXPECT_GE(x, 0);
      sum += x;
    }
    return sum / n;
  };
  wl::latency_dist fixed{wl::dist_kind::fixed, 40};
  EXPECT_DOUBLE_EQ(mean_of(fixed), 40);
  wl::latency_dist uniform{wl::dist_kind::uniform, 0, 100, 300};
  EXPECT_NEAR(mean_of(uniform), 200, 2);
  wl::latency_dist expo{wl::dist_kind::exponential, 0, 0, 0, 1000};
  EXPECT_NEAR(mean_of(expo), 1000, 20);
  wl::latency_dist logn{wl::dist_kind::lognormal, 0, 0, 0, 1000, 0.5};
  EXPECT_NEAR(mean_of(logn), 1000, 20);
  EXPECT_DOUBLE_EQ(logn.mean(), 1000);
  EXPECT_DOUBLE_EQ(uniform.mean(), 200);
}

TEST(Plan, LatenciesAreDrawnPerInstance) {
  const auto plan = wl::materialize(spec_of(
      one_group(R"({"shape": "independent", "tasks": 20000})",
                R"([{"io": "timer", "latency": {"dist": "exponential", "mean_us": 500}}])")));
  double sum = 0;
  std::uint64_t first = plan.all_steps()[0].ns;
  bool varied = false;
  for (const auto& s : plan.all_steps()) {
    sum += static_cast<double>(s.ns) / 1e3;
    varied |= s.ns != first;
  }
  EXPECT_TRUE(varied);
  EXPECT_NEAR(sum / 20000, 500, 25);
}

TEST(Plan, ChainTreeAndWavefrontDependencies) {
  const auto chain = wl::materialize(
      spec_of(one_group(R"({"shape": "chain", "tasks": 3})", R"([{"cpu": "spin", "us": 1}])")));
  ASSERT_EQ(chain.tasks().size(), 3u);
  EXPECT_EQ(chain.dependencies(chain.tasks()[0]).size(), 0u);
  ASSERT_EQ(chain.dependencies(chain.tasks()[2]).size(), 1u);
  EXPECT_EQ(chain.dependencies(chain.tasks()[2])[0], 1u);
  EXPECT_EQ(chain.successors(chain.tasks()[0])[0], 1u);

  // depth 2, fanout 3: leaves 0..8, then 9..11, root 12.
  const auto tree = wl::materialize(spec_of(
      one_group(R"({"shape": "tree", "depth": 2, "fanout": 3})", R"([{"cpu": "spin", "us": 1}])")));
  ASSERT_EQ(tree.tasks().size(), 13u);
  for (int i = 0; i < 9; ++i) {
    EXPECT_TRUE(tree.tasks()[i].work);
    EXPECT_EQ(tree.steps(tree.tasks()[i]).size(), 1u);
    ASSERT_EQ(tree.successors(tree.tasks()[i]).size(), 1u);
    EXPECT_EQ(tree.successors(tree.tasks()[i])[0], 9u + i / 3);
  }
  for (int i = 9; i < 13; ++i) {
    EXPECT_FALSE(tree.tasks()[i].work);
    EXPECT_EQ(tree.steps(tree.tasks()[i]).size(), 0u);
    EXPECT_EQ(tree.dependencies(tree.tasks()[i]).size(), 3u);
  }
  const auto root_deps = tree.dependencies(tree.tasks()[12]);
  EXPECT_EQ(std::vector<std::uint32_t>(root_deps.begin(), root_deps.end()),
            (std::vector<std::uint32_t>{9, 10, 11}));
  EXPECT_EQ(tree.groups()[0].work_count, 9u);

  // width 3, steps 2: (1, 0) waits for columns 0 and 1; (1, 1) for all three.
  const auto wave = wl::materialize(spec_of(one_group(
      R"({"shape": "wavefront", "width": 3, "steps": 2})", R"([{"cpu": "spin", "us": 1}])")));
  const auto d3 = wave.dependencies(wave.tasks()[3]);
  const auto d4 = wave.dependencies(wave.tasks()[4]);
  EXPECT_EQ(std::vector<std::uint32_t>(d3.begin(), d3.end()), (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(std::vector<std::uint32_t>(d4.begin(), d4.end()),
            (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_EQ(wave.successors(wave.tasks()[0]).size(), 2u);
}

TEST(Plan, OpenLoopArrivalsAndGroupLayout) {
  const auto plan = wl::materialize(spec_of(R"({"name": "o", "groups": [
      {"graph": {"shape": "independent", "tasks": 4}, "release": {"rate_per_s": 1000},
       "task": [{"cpu": "spin", "us": 1}]},
      {"graph": {"shape": "chain", "tasks": 2}, "task": [{"io": "tcp", "request_bytes": 100, "response_bytes": 50}]}]})"));
  ASSERT_EQ(plan.tasks().size(), 6u);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(plan.tasks()[k].arrival_ns, 1'000'000u * k);
  EXPECT_EQ(plan.groups()[1].first_task, 4u);
  EXPECT_EQ(plan.dependencies(plan.tasks()[5])[0], 4u);
  EXPECT_EQ(plan.totals().tcp_exchanges, 2u);
  EXPECT_EQ(plan.totals().tcp_request_bytes, 200u);
  EXPECT_EQ(plan.totals().tcp_response_bytes, 100u);
}

TEST(Plan, DiskOffsetsAreAlignedAndInsideTheFile) {
  const auto plan = wl::materialize(
      spec_of(one_group(R"({"shape": "independent", "tasks": 300})",
                        R"([{"io": "disk", "bytes": 10000, "file_bytes": 100000}])")));
  EXPECT_EQ(plan.disk_file_bytes(), 100000u);
  for (const auto& s : plan.all_steps()) {
    EXPECT_EQ(s.arg % 4096, 0u);
    EXPECT_LE(s.arg + s.size, 100000u);
  }
}

TEST(Plan, EveryPresetMaterializes) {
  // Sizes for the record: the async trees are the largest.
  for (const char* name : {"async_tree_mixed", "web_request", "open_loop_request"}) {
    const auto plan = wl::materialize(wl::load_preset(name));
    EXPECT_GT(plan.tasks().size(), 0u) << name;
  }
}
