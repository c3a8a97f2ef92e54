#include "execbench/workloads/dispatch.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace wl = execbench::workloads;

namespace {
wl::plan plan_of(const char* text) {
  return wl::materialize(wl::parse_workload_text(text, "d.json"));
}
}  // namespace

TEST(PlanDispatch, ClosedLoopSlotsPassStraightOn) {
  const auto p = plan_of(R"({"name": "d", "graph": {"shape": "independent", "tasks": 4},
    "release": {"concurrency": 2}, "task": [{"cpu": "spin", "us": 1}]})");
  wl::plan_dispatch d(p);
  EXPECT_EQ(d.initially_ready(), (std::vector<std::uint32_t>{0, 1, 2, 3}));
  EXPECT_TRUE(d.admit(0));
  EXPECT_TRUE(d.admit(1));
  EXPECT_FALSE(d.admit(2)) << "both slots taken: queued";
  EXPECT_FALSE(d.admit(3));
  EXPECT_EQ(d.release_slot(0), 2) << "FIFO: the first queued takes the slot";
  EXPECT_EQ(d.release_slot(1), 3);
  EXPECT_EQ(d.release_slot(2), -1);
  EXPECT_EQ(d.release_slot(3), -1);
  EXPECT_TRUE(d.admit(0)) << "slots freed";
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(d.complete_one());
  EXPECT_TRUE(d.complete_one()) << "the fourth completion is the last";
}

TEST(PlanDispatch, SaysWhetherASlotWasFreeSinceTheStartOrGivenBack) {
  // The runner releases a task at time 0 only on a slot nobody used in this run; a slot a
  // finished task gave back was free only from that finish on.
  const auto p = plan_of(R"({"name": "d", "graph": {"shape": "independent", "tasks": 4},
    "release": {"concurrency": 2}, "task": [{"cpu": "spin", "us": 1}]})");
  wl::plan_dispatch d(p);
  bool unused = false;
  ASSERT_TRUE(d.admit(0, &unused));
  EXPECT_TRUE(unused);
  EXPECT_EQ(d.release_slot(0), -1) << "nobody queued: the slot is given back";
  ASSERT_TRUE(d.admit(1, &unused));
  EXPECT_TRUE(unused) << "the second slot was never used";
  ASSERT_TRUE(d.admit(2, &unused));
  EXPECT_FALSE(unused) << "the first slot, given back by task 0";
  d.reset();
  ASSERT_TRUE(d.admit(3, &unused));
  EXPECT_TRUE(unused) << "reset makes every slot unused again";

  const auto open = plan_of(R"({"name": "d", "graph": {"shape": "independent", "tasks": 2},
    "task": [{"cpu": "spin", "us": 1}]})");
  wl::plan_dispatch unlimited(open);
  ASSERT_TRUE(unlimited.admit(0, &unused));
  EXPECT_TRUE(unused) << "no slots: nothing to wait for";
}

TEST(PlanDispatch, DependenciesAndArrivalsAreRequirements) {
  // An open-loop chain: task 1 needs task 0 done AND its arrival.
  const auto p = plan_of(R"({"name": "d", "graph": {"shape": "chain", "tasks": 3},
    "release": {"rate_per_s": 10}, "task": [{"cpu": "spin", "us": 1}]})");
  wl::plan_dispatch d(p);
  EXPECT_TRUE(d.initially_ready().empty()) << "every task waits for its arrival";
  EXPECT_EQ(d.arrival_order(), (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_TRUE(d.satisfy(0));   // arrival of 0: ready
  EXPECT_FALSE(d.satisfy(1));  // arrival of 1, but 0 is not done
  EXPECT_TRUE(d.satisfy(1));   // 0 done: ready
  EXPECT_TRUE(d.admit(1)) << "no slots in an open loop";
  d.reset();
  EXPECT_FALSE(d.satisfy(1)) << "reset restores the requirements";
}

TEST(PlanDispatch, TreeInnerNodesWaitForEveryChild) {
  const auto p = plan_of(R"({"name": "d", "graph": {"shape": "tree", "depth": 1, "fanout": 3},
    "task": [{"cpu": "spin", "us": 1}]})");
  wl::plan_dispatch d(p);
  EXPECT_EQ(d.initially_ready(), (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_FALSE(d.satisfy(3));
  EXPECT_FALSE(d.satisfy(3));
  EXPECT_TRUE(d.satisfy(3));
}
