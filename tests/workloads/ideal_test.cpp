#include "execbench/workloads/ideal.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <thread>
#include <utility>

#include "execbench/runtime/loop_runtime.hpp"
#include "execbench/workloads/dispatch.hpp"
#include "execbench/workloads/presets.hpp"
#include "execbench/workloads/run_state.hpp"
#include "execbench/workloads/runner.hpp"

namespace wl = execbench::workloads;

namespace {

wl::ideal_makespan ideal_of(const std::string& graph, const std::string& steps, unsigned cores,
                            const std::string& release = "", double cpu_scale = 1.0,
                            const wl::host_floors& floors = wl::host_floors{}) {
  const std::string text = R"({"name": "t", "graph": )" + graph + R"(, "task": )" + steps +
                           (release.empty() ? "" : R"(, "release": )" + release) + "}";
  return wl::compute_ideal_makespan(wl::materialize(wl::parse_workload_text(text, "t.json")), cores,
                                    cpu_scale, floors);
}

// A fixed floor table: the ideal takes each floor's low figure, never its median.
wl::host_floors fixed_floors() {
  wl::host_floors f;
  f.tcp_round_trip_us = wl::floor_estimate{12, 10, 15, 5};
  f.tcp_us_per_kib = wl::floor_estimate{1.5, 1, 2, 5};
  f.disk_read_us_per_kib = wl::floor_estimate{0.8, 0.5, 1, 5};
  f.timer_wake_us = wl::floor_estimate{60, 50, 70, 5};  // reported only: priced nowhere
  f.thread_wake_us = wl::floor_estimate{6, 5, 9, 5};
  f.thread_start_us = wl::floor_estimate{40, 30, 50, 5};
  return f;
}

}  // namespace

// Every expected value below is computed by hand from the definitions in ideal.hpp.

TEST(IdealMakespan, IndependentWaitBound) {
  // 4 tasks of 100 CPU + 300 wait: each lasts 400; CPU 400 over 2 cores is 200.
  const auto m = ideal_of(R"({"shape": "independent", "tasks": 4})",
                          R"([{"cpu": "spin", "us": 100}, {"io": "timer", "latency_us": 300}])", 2);
  EXPECT_DOUBLE_EQ(m.critical_path_us, 400);
  EXPECT_DOUBLE_EQ(m.cpu_bound_us, 200);
  EXPECT_DOUBLE_EQ(m.release_us, 0);
  EXPECT_DOUBLE_EQ(m.total_cpu_us, 400);
  EXPECT_DOUBLE_EQ(m.total_task_us, 1600);
  EXPECT_DOUBLE_EQ(m.value_us(), 400);
}

TEST(IdealMakespan, IndependentCpuBound) {
  // 4 tasks of 300 CPU + 100 wait on 2 cores: 1200 / 2 = 600 beats the 400 of one task.
  const auto m =
      ideal_of(R"({"shape": "independent", "tasks": 4})",
               R"([{"cpu": "compute", "us": 300}, {"io": "blocking", "latency_us": 100}])", 2);
  EXPECT_DOUBLE_EQ(m.critical_path_us, 400);
  EXPECT_DOUBLE_EQ(m.cpu_bound_us, 600);
  EXPECT_DOUBLE_EQ(m.value_us(), 600);
  // The same on 8 cores: 150, so the longest task decides.
  const auto m8 =
      ideal_of(R"({"shape": "independent", "tasks": 4})",
               R"([{"cpu": "compute", "us": 300}, {"io": "blocking", "latency_us": 100}])", 8);
  EXPECT_DOUBLE_EQ(m8.value_us(), 400);
}

TEST(IdealMakespan, ClosedLoop) {
  // 4 tasks of 1000 wait, at most 2 in flight: 4000 / 2.
  const auto m = ideal_of(R"({"shape": "independent", "tasks": 4})",
                          R"([{"io": "timer", "latency_us": 1000}])", 4, R"({"concurrency": 2})");
  EXPECT_DOUBLE_EQ(m.release_us, 2000);
  EXPECT_DOUBLE_EQ(m.critical_path_us, 1000);
  EXPECT_DOUBLE_EQ(m.value_us(), 2000);
}

TEST(IdealMakespan, OpenLoop) {
  // 5 arrivals at 1000/s: 0, 1, 2, 3, 4 ms; the last ends 500 us after it arrives.
  const auto m = ideal_of(R"({"shape": "independent", "tasks": 5})",
                          R"([{"io": "timer", "latency_us": 500}])", 1, R"({"rate_per_s": 1000})");
  EXPECT_DOUBLE_EQ(m.release_us, 4500);
  EXPECT_DOUBLE_EQ(m.critical_path_us, 500);
  EXPECT_DOUBLE_EQ(m.value_us(), 4500);
}

TEST(IdealMakespan, OpenLoopChainHonoursBothArrivalsAndDependencies) {
  // Arrivals 0, 10000, 20000; each task lasts 2000 and waits for the one before: the last
  // starts at its arrival (20000) and ends at 22000. The chain alone is 6000.
  const auto m = ideal_of(R"({"shape": "chain", "tasks": 3})",
                          R"([{"io": "timer", "latency_us": 2000}])", 1, R"({"rate_per_s": 100})");
  EXPECT_DOUBLE_EQ(m.critical_path_us, 6000);
  EXPECT_DOUBLE_EQ(m.release_us, 22000);
  EXPECT_DOUBLE_EQ(m.value_us(), 22000);
  // Arrivals faster than the chain: 0, 1000, 2000 against finishes 2000, 4000, 6000.
  const auto fast =
      ideal_of(R"({"shape": "chain", "tasks": 3})", R"([{"io": "timer", "latency_us": 2000}])", 1,
               R"({"rate_per_s": 1000})");
  EXPECT_DOUBLE_EQ(fast.release_us, 6000);
}

TEST(IdealMakespan, Chain) {
  // 3 tasks of 100 CPU + 200 wait, in sequence: 900; CPU 300 / 4 = 75.
  const auto m = ideal_of(R"({"shape": "chain", "tasks": 3})",
                          R"([{"cpu": "spin", "us": 100}, {"io": "timer", "latency_us": 200}])", 4);
  EXPECT_DOUBLE_EQ(m.critical_path_us, 900);
  EXPECT_DOUBLE_EQ(m.cpu_bound_us, 75);
  EXPECT_DOUBLE_EQ(m.value_us(), 900);
}

TEST(IdealMakespan, Tree) {
  // depth 2, fanout 2: 4 leaves of 100 wait + 50 CPU; inner nodes add nothing: path 150.
  const std::string steps = R"([{"io": "timer", "latency_us": 100}, {"cpu": "compute", "us": 50}])";
  const auto m1 = ideal_of(R"({"shape": "tree", "depth": 2, "fanout": 2})", steps, 1);
  EXPECT_DOUBLE_EQ(m1.critical_path_us, 150);
  EXPECT_DOUBLE_EQ(m1.cpu_bound_us, 200);  // 4 x 50 on one core
  EXPECT_DOUBLE_EQ(m1.value_us(), 200);
  const auto m2 = ideal_of(R"({"shape": "tree", "depth": 2, "fanout": 2})", steps, 2);
  EXPECT_DOUBLE_EQ(m2.value_us(), 150);
}

TEST(IdealMakespan, Wavefront) {
  // width 3, 2 steps of 10 CPU: path 20, CPU 60 / 2 = 30.
  const auto m = ideal_of(R"({"shape": "wavefront", "width": 3, "steps": 2})",
                          R"([{"cpu": "hash", "us": 10}])", 2);
  EXPECT_DOUBLE_EQ(m.critical_path_us, 20);
  EXPECT_DOUBLE_EQ(m.cpu_bound_us, 30);
  EXPECT_DOUBLE_EQ(m.value_us(), 30);
  const auto m8 = ideal_of(R"({"shape": "wavefront", "width": 3, "steps": 2})",
                           R"([{"cpu": "hash", "us": 10}])", 8);
  EXPECT_DOUBLE_EQ(m8.value_us(), 20);
}

TEST(IdealMakespan, LockHoldsSerialize) {
  // 10 tasks holding one lock 100 each cannot overlap: 1000; a second lock is separate.
  const auto m = ideal_of(R"({"shape": "independent", "tasks": 10})",
                          R"([{"lock": "a", "hold_us": 100}, {"lock": "b", "hold_us": 30}])", 4);
  EXPECT_DOUBLE_EQ(m.critical_path_us, 130);
  EXPECT_DOUBLE_EQ(m.lock_serial_us, 1000);
  EXPECT_DOUBLE_EQ(m.value_us(), 1000);
}

TEST(IdealMakespan, WithoutFloorsTcpCountsItsServerDelayAndDiskNothing) {
  const auto m = ideal_of(
      R"({"shape": "independent", "tasks": 2})",
      R"([{"io": "tcp", "request_bytes": 64, "response_bytes": 64, "server_delay_us": 300}, {"io": "disk", "bytes": 4096}])",
      1);
  EXPECT_DOUBLE_EQ(m.value_us(), 300);
}

TEST(IdealMakespan, FloorsPriceTcpAndDiskStepsAsCpu) {
  // Per task: a 64 B round trip (10 us floor, no bytes beyond 64 each way) with a 300 us server
  // delay, and a 4 KiB read (0.5 us x 4 = 2 us): CPU 12, duration 312. Two tasks on 1 core.
  const std::string steps =
      R"([{"io": "tcp", "request_bytes": 64, "response_bytes": 64, "server_delay_us": 300}, {"io": "disk", "bytes": 4096}])";
  const auto m =
      ideal_of(R"({"shape": "independent", "tasks": 2})", steps, 1, "", 1.0, fixed_floors());
  EXPECT_DOUBLE_EQ(m.total_cpu_us, 24);
  EXPECT_DOUBLE_EQ(m.cpu_bound_us, 24);
  EXPECT_DOUBLE_EQ(m.critical_path_us, 312);
  EXPECT_DOUBLE_EQ(m.total_task_us, 624);
  EXPECT_DOUBLE_EQ(m.value_us(), 312);
  // The floors scale with the run's kernel speed, as CPU work does: CPU 24, duration 324.
  const auto slow =
      ideal_of(R"({"shape": "independent", "tasks": 2})", steps, 1, "", 2.0, fixed_floors());
  EXPECT_DOUBLE_EQ(slow.total_cpu_us, 48);
  EXPECT_DOUBLE_EQ(slow.critical_path_us, 324);
}

TEST(IdealMakespan, TcpFloorGrowsWithTheBytesBeyond64EachWay) {
  // 1088 + 1088 bytes: 2048 beyond the 128 of the base round trip, 2 KiB at 1 us: 12 us.
  // 100 tasks of it, no delay, on 2 cores: CPU 1200 over 2 is 600 (one task is 12).
  const auto m = ideal_of(
      R"({"shape": "independent", "tasks": 100})",
      R"([{"io": "tcp", "request_bytes": 1088, "response_bytes": 1088, "server_delay_us": 0}])", 2,
      "", 1.0, fixed_floors());
  EXPECT_DOUBLE_EQ(m.total_cpu_us, 1200);
  EXPECT_DOUBLE_EQ(m.critical_path_us, 12);
  EXPECT_DOUBLE_EQ(m.value_us(), 600);
}

TEST(IdealMakespan, AMissingFloorPricesItsStepsAtNothing) {
  auto floors = fixed_floors();
  floors.tcp_round_trip_us.reset();
  floors.tcp_us_per_kib.reset();
  floors.missing["tcp_round_trip_us"] = "no loopback";
  const auto m = ideal_of(
      R"({"shape": "independent", "tasks": 2})",
      R"([{"io": "tcp", "request_bytes": 64, "response_bytes": 64, "server_delay_us": 300}, {"io": "disk", "bytes": 4096}])",
      1, "", 1.0, floors);
  EXPECT_DOUBLE_EQ(m.total_cpu_us, 4);  // the disk reads' 2 us each
  EXPECT_DOUBLE_EQ(m.value_us(), 302);
}

TEST(IdealMakespan, GroupsSideBySide) {
  // fetch_and_count: a 20 ms fetch beside a chain of ten 2.5 ms ticks: 25 ms.
  const auto m = wl::compute_ideal_makespan(wl::materialize(wl::load_preset("fetch_and_count")), 1);
  EXPECT_DOUBLE_EQ(m.value_us(), 25000);
  // cpu_fanout: 2000 x 100 us of CPU on 2 cores.
  const auto c = wl::compute_ideal_makespan(wl::materialize(wl::load_preset("cpu_fanout")), 2);
  EXPECT_DOUBLE_EQ(c.value_us(), 100000);
}

TEST(IdealMakespan, ZeroCoresIsRejected) {
  const auto plan = wl::materialize(wl::load_preset("cpu_fanout"));
  EXPECT_THROW(wl::compute_ideal_makespan(plan, 0), std::invalid_argument);
  EXPECT_THROW(wl::compute_ideal_makespan(plan, 2, 0.0), std::invalid_argument);
  EXPECT_THROW(wl::compute_ideal_makespan(plan, 2, -1.0), std::invalid_argument);
}

TEST(IdealMakespan, CpuScaleScalesOnlyTheCpuWork) {
  // A chain of 3 tasks of 100 CPU + 300 wait, with kernels running at half the planned time:
  // each task lasts 50 + 300, the chain 1050; CPU 150 over 1 core.
  const auto m = ideal_of(R"({"shape": "chain", "tasks": 3})",
                          R"([{"cpu": "spin", "us": 100}, {"io": "timer", "latency_us": 300}])", 1,
                          "", 0.5);
  EXPECT_DOUBLE_EQ(m.critical_path_us, 1050);
  EXPECT_DOUBLE_EQ(m.total_cpu_us, 150);
  EXPECT_DOUBLE_EQ(m.cpu_bound_us, 150);
  EXPECT_DOUBLE_EQ(m.total_task_us, 1050);
  // cpu_fanout at 1.25x the planned kernel time: 2000 x 125 us over 2 cores.
  const auto c =
      wl::compute_ideal_makespan(wl::materialize(wl::load_preset("cpu_fanout")), 2, 1.25);
  EXPECT_DOUBLE_EQ(c.value_us(), 125000);
  // Without CPU work the scale changes nothing.
  const auto s = wl::compute_ideal_makespan(wl::materialize(wl::load_preset("sleep_fanout")), 2, 3);
  EXPECT_DOUBLE_EQ(s.value_us(), 10000);
}

TEST(KernelTimeRatio, SampledThreadCpuOverPlannedTime) {
  const auto plan = wl::materialize(wl::parse_workload_text(
      R"({"name": "k", "graph": {"shape": "independent", "tasks": 5},
          "task": [{"cpu": "spin", "us": 100}]})",
      "k.json"));
  wl::workload_fixtures fixtures(plan);
  wl::run_state state(plan, fixtures);
  EXPECT_DOUBLE_EQ(state.kernel_time_ratio(), 1.0) << "nothing sampled: the plan's speed";
  state.add_kernel_sample(100'000, 90'000);   // the machine ran faster than calibrated
  state.add_kernel_sample(100'000, 130'000);  // and slower
  EXPECT_DOUBLE_EQ(state.kernel_time_ratio(), 1.1);
  state.reset();
  EXPECT_DOUBLE_EQ(state.kernel_time_ratio(), 1.0) << "reset forgets the samples";
}

TEST(KernelTimeRatio, ARunSamplesItsCpuStepsAtEveryGrain) {
  // Steps of 100 us are each sampled, steps of 2 us one in 25 (one sample per 50 us of planned
  // CPU work on the thread): either way the ratio is the kernels' thread CPU time over their
  // planned time, so that efficiency follows the machine's speed at every grain.
  std::map<int, double> ratio;
  for (const int us : {100, 2}) {
    const int tasks = 20'000 / us;  // 20 ms of planned CPU work either way
    const auto plan = wl::materialize(wl::parse_workload_text(
        R"({"name": "k", "graph": {"shape": "independent", "tasks": )" + std::to_string(tasks) +
            R"(}, "task": [{"cpu": "spin", "us": )" + std::to_string(us) + "}]}",
        "k.json"));
    wl::workload_fixtures fixtures(plan);
    wl::run_state state(plan, fixtures);
    wl::plan_dispatch dispatch(plan);
    execbench::rt::loop_runtime r(1);
    r.run(wl::run_plan(r, state, dispatch));
    ASSERT_TRUE(wl::verify_run(state).ok) << wl::verify_run(state).problem;
    EXPECT_GT(state.kernel_time_ratio(), 0.0) << us;
    EXPECT_NE(state.kernel_time_ratio(), 1.0) << us << " us steps were sampled";
    ratio[us] = state.kernel_time_ratio();
  }
  // The clock reads' own cost is subtracted: on 2 us steps it would add about 30% (two system
  // calls of ~0.3 us each). Bounds are wide, since the machine is shared.
  EXPECT_LT(ratio[2] / ratio[100], 1.25) << "2 us: " << ratio[2] << ", 100 us: " << ratio[100];
  EXPECT_GT(ratio[2] / ratio[100], 0.6) << "2 us: " << ratio[2] << ", 100 us: " << ratio[100];
}

TEST(KernelSampling, OneSamplePerPeriodOfPlannedWork) {
  // A fresh thread: its credit starts at zero.
  std::thread([] {
    int sampled = 0;
    for (int i = 0; i < 1000; ++i) sampled += wl::run_state::should_sample_kernel(1'000) ? 1 : 0;
    EXPECT_EQ(sampled, 1000 * 1'000 / static_cast<int>(wl::run_state::kernel_sample_period_ns));
    EXPECT_TRUE(wl::run_state::should_sample_kernel(wl::run_state::kernel_sample_period_ns));
  }).join();
}

TEST(WaitComputeRatio, WaitsWithoutCpuAreInfinite) {
  const auto plan = wl::materialize(wl::parse_workload_text(
      R"({"name": "w", "graph": {"shape": "independent", "tasks": 3},
          "task": [{"io": "timer", "latency": {"dist": "fixed", "us": 200}}]})",
      "w.json"));
  wl::workload_fixtures fixtures(plan);
  wl::run_state state(plan, fixtures);
  EXPECT_EQ(state.wait_compute_ratio(), 0.0) << "nothing ran: neither waits nor CPU";
  wl::plan_dispatch dispatch(plan);
  execbench::rt::loop_runtime r(1);
  r.run(wl::run_plan(r, state, dispatch));
  ASSERT_TRUE(wl::verify_run(state).ok) << wl::verify_run(state).problem;
  EXPECT_TRUE(std::isinf(state.wait_compute_ratio()));
}

// METG's grain of a user's workload: the mean of its work tasks' CPU and planned waits, without
// the floors (a tree's gathering nodes are not work tasks).
TEST(IdealMakespan, MeanWorkTaskIsTheMeanOfTheWorkTasksDurations) {
  const auto plan_of = [](const std::string& graph, const std::string& steps) {
    return wl::materialize(wl::parse_workload_text(
        R"({"name": "t", "graph": )" + graph + R"(, "task": )" + steps + "}", "t.json"));
  };
  EXPECT_DOUBLE_EQ(
      wl::mean_work_task_us(plan_of(R"({"shape": "independent", "tasks": 4})",
                                    R"([{"cpu": "spin", "us": 100}, {"io": "timer", "latency_us": 300},
                                        {"io": "tcp", "request_bytes": 64, "response_bytes": 64}])")),
      400);
  EXPECT_DOUBLE_EQ(wl::mean_work_task_us(plan_of(R"({"shape": "tree", "depth": 2, "fanout": 3})",
                                                 R"([{"cpu": "spin", "us": 50}])")),
                   50);
  EXPECT_DOUBLE_EQ(wl::mean_work_task_us(plan_of(R"({"shape": "independent", "tasks": 2})",
                                                 R"([{"io": "tcp", "request_bytes": 64, "response_bytes": 64}])")),
                   0);
}
