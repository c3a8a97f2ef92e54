#include "execbench/bench/metg.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "execbench/workloads/ideal.hpp"
#include "execbench/workloads/plan.hpp"

namespace execbench::bench {
namespace {

using kind = metg_crossing::kind;

// A sweep's points from an efficiency curve e(grain), each point with the given repetitions'
// offsets around it.
std::vector<metg_point> sweep(const std::function<double(double)>& e,
                              const std::vector<double>& spread = {0}) {
  std::vector<metg_point> points;
  for (const double g : metg_grains()) {
    metg_point p{g, {}};
    for (const double d : spread) p.efficiencies.push_back(e(g) + d);
    points.push_back(p);
  }
  return points;
}

// Task Bench's shape: efficiency = g / (g + overhead), which is 1/2 at g = overhead.
std::function<double(double)> overhead_curve(double overhead_us, double plateau = 1) {
  return [=](double g) { return plateau * g / (g + overhead_us); };
}

TEST(Metg, GrainsHalveFromCoarseToFine) {
  const auto g = metg_grains(10000, 1);
  ASSERT_EQ(g.size(), 14U);  // 10 ms down to 1.22 us
  EXPECT_DOUBLE_EQ(g.front(), 10000);
  for (std::size_t i = 1; i < g.size(); ++i) EXPECT_DOUBLE_EQ(g[i], g[i - 1] / 2);
  EXPECT_GE(g.back(), 1);
  EXPECT_EQ(metg_grains(8, 1).size(), 4U);  // 8, 4, 2, 1
  EXPECT_THROW(metg_grains(1, 2), std::invalid_argument);
  EXPECT_THROW(metg_grains(0, 0), std::invalid_argument);
}

TEST(Metg, InterpolatesInLogGrainBetweenTheBracketingPoints) {
  // 0.75 at 40 us, 0.25 at 10 us: 0.5 is half-way in log(grain), at 20 us.
  const auto c = crossing_of({{80, 0.9}, {40, 0.75}, {10, 0.25}, {5, 0.1}}, 0.5);
  EXPECT_EQ(c.where, kind::crossed);
  EXPECT_NEAR(c.grain_us, 20, 1e-9);
  // A point exactly at the threshold counts as reaching it.
  EXPECT_NEAR(crossing_of({{40, 0.5}, {20, 0.2}}, 0.5).grain_us, 40, 1e-9);
}

TEST(Metg, FindsTheKnownCrossingOfTaskBenchsCurve) {
  for (const double overhead : {2.0, 35.0, 600.0}) {
    const auto r = metg_from_points(sweep(overhead_curve(overhead)), 0.5);
    ASSERT_EQ(r.metg.where, kind::crossed) << overhead;
    // Interpolating g/(g+o) linearly in log(grain) between grains a factor 2 apart lands
    // within 10% of o.
    EXPECT_NEAR(r.metg.grain_us, overhead, overhead * 0.1) << overhead;
    EXPECT_NEAR(r.best_efficiency, 10000 / (10000 + overhead), 1e-9);
  }
}

TEST(Metg, TheRangeComesFromTheRepetitionsMaximaAndMinima) {
  const auto r = metg_from_points(sweep(overhead_curve(35), {-0.05, 0, 0.05}), 0.5);
  ASSERT_EQ(r.metg.where, kind::crossed);
  ASSERT_EQ(r.low.where, kind::crossed);
  ASSERT_EQ(r.high.where, kind::crossed);
  EXPECT_LT(r.low.grain_us, r.metg.grain_us);   // the best repetitions hold a finer grain
  EXPECT_GT(r.high.grain_us, r.metg.grain_us);  // the worst need a coarser one
  EXPECT_EQ(r.n, 3U);
}

TEST(Metg, ARuntimeThatNeverReachesTheThresholdIsNeverWithItsBest) {
  // Blocking waits on 2 workers for 100 waiting tasks: at most 0.02 of the machine.
  const auto points = sweep(overhead_curve(10, 0.02));
  const auto r = metg_from_points(points, 0.5);
  EXPECT_EQ(r.metg.where, kind::never);
  EXPECT_NEAR(r.best_efficiency, 0.02 * 10000 / 10010, 1e-9);
  // Against its own plateau it still has a figure: its overhead.
  const auto own = metg_against_plateau(points, 0.5);
  ASSERT_EQ(own.metg.where, kind::crossed);
  EXPECT_NEAR(own.metg.grain_us, 10, 1.0);
}

TEST(Metg, OneCoreOfTwoReadsAgainstItsPlateau) {
  // A one-thread loop on 2 cores: its plateau is 0.5 of the machine, reached only at the
  // coarsest grains, and it falls below the machine's 0.5 at once.
  const auto points = sweep(overhead_curve(3, 0.5));
  const auto machine = metg_from_points(points, 0.5);
  EXPECT_EQ(machine.metg.where, kind::never);
  const auto own = metg_against_plateau(points, 0.5);
  ASSERT_EQ(own.metg.where, kind::crossed);
  EXPECT_NEAR(own.metg.grain_us, 3, 0.3);
}

TEST(Metg, StillAboveAtTheFinestGrainIsBelowTheSweep) {
  const auto r = metg_from_points(sweep(overhead_curve(0.1)), 0.5);
  EXPECT_EQ(r.metg.where, kind::below_sweep);
  EXPECT_DOUBLE_EQ(r.metg.grain_us, metg_grains().back());
}

TEST(Metg, TheSweepStopsOnceTheCrossingIsPassed) {
  // Fed point by point, a 35 us overhead stops two points after its crossing (between 39 and
  // 19.5 us), at 9.8 us, not at the finest grain.
  const auto all = sweep(overhead_curve(35));
  std::vector<metg_point> seen;
  for (const auto& p : all) {
    seen.push_back(p);
    if (metg_sweep_can_stop(seen, 0.5)) break;
  }
  ASSERT_LT(seen.size(), all.size());
  EXPECT_NEAR(seen.back().grain_us, 9.765625, 1e-9);
  EXPECT_EQ(metg_from_points(seen, 0.5).metg.where, kind::crossed);
}

TEST(Metg, TheSweepStopsWhenTheThresholdIsOutOfReachAndThePlateauIsPassed) {
  const auto all = sweep(overhead_curve(50, 0.02));
  std::vector<metg_point> seen;
  for (const auto& p : all) {
    seen.push_back(p);
    if (metg_sweep_can_stop(seen, 0.5)) break;
  }
  ASSERT_LT(seen.size(), all.size());
  EXPECT_EQ(metg_from_points(seen, 0.5).metg.where, kind::never);
  EXPECT_EQ(metg_against_plateau(seen, 0.5).metg.where, kind::crossed);
}

TEST(Metg, ADipThatRecoversDoesNotStopTheSweep) {
  // One repetition's dip below the threshold, then back above: not a crossing passed.
  std::vector<metg_point> points = {{1000, {0.9}}, {500, {0.45}}, {250, {0.8}}};
  EXPECT_FALSE(metg_sweep_can_stop(points, 0.5));
  points.push_back({125, {0.3}});
  EXPECT_FALSE(metg_sweep_can_stop(points, 0.5));
  points.push_back({62.5, {0.2}});
  EXPECT_TRUE(metg_sweep_can_stop(points, 0.5));
}

// A user's file as a family: the grain is its tasks' mean duration, each point is the file scaled
// to the point's grain, and the sweep starts where a point's ideal fits the bound.
TEST(Metg, AFilesFamilyScalesTheFileToEachGrain) {
  // 300 independent tasks of 100 µs spin and 100 µs timer: grain 200 µs; ideal on 2 cores
  // max(200, 300 x 100 / 2) = 15,000 µs, so a point at grain g takes 75 g: the sweep starts at
  // 2.5 ms (187.5 ms), not 5 ms (375 ms).
  const auto spec = workloads::parse_workload_text(
      R"({"name": "mine", "graph": {"shape": "independent", "tasks": 300},
          "task": [{"cpu": "spin", "us": 100}, {"io": "timer", "latency_us": 100}]})",
      "mine.json");
  const metg_family f = file_metg_family(spec, 2);
  EXPECT_EQ(f.name, "mine");
  ASSERT_FALSE(f.grains.empty());
  EXPECT_DOUBLE_EQ(f.grains.front(), 2500) << "the coarsest grain within the bound";
  const auto all = metg_grains();
  EXPECT_EQ(f.grains.back(), all.back());
  EXPECT_EQ(f.grains, std::vector<double>(all.end() - static_cast<std::ptrdiff_t>(f.grains.size()),
                                          all.end()));
  for (const double g : {f.grains.front(), 10.0, 1.0}) {
    const auto plan = workloads::materialize(f.at(g));
    EXPECT_NEAR(workloads::mean_work_task_us(plan), g, g * 1e-6) << g;
    EXPECT_EQ(plan.tasks().size(), 300U);
  }
}

TEST(Metg, AFileWithNothingToScaleIsRefusedByName) {
  const auto spec = workloads::parse_workload_text(
      R"({"name": "io", "graph": {"shape": "independent", "tasks": 4},
          "task": [{"io": "disk", "bytes": 4096}]})",
      "io.json");
  try {
    (void)file_metg_family(spec, 2);
    FAIL() << "a file without durations gave a family";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("io.json: ", 0), 0U) << e.what();
  }
}

// The built-in families' points are valid workloads at every grain of the sweep.
TEST(Metg, TheBuiltInFamiliesPlanEveryGrain) {
  const auto families = builtin_metg_families(2);
  ASSERT_EQ(families.size(), std::size(metg_families));
  for (const auto& f : families) {
    EXPECT_EQ(f.grains, metg_grains());
    for (const double g : f.grains)
      EXPECT_NO_THROW((void)workloads::materialize(f.at(g))) << f.name << " " << g;
  }
}

}  // namespace
}  // namespace execbench::bench
