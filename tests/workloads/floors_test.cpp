#include "execbench/workloads/floors.hpp"

#include <gtest/gtest.h>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

namespace wl = execbench::workloads;

namespace {

struct named_floor {
  const char* name;
  std::optional<wl::floor_estimate> wl::host_floors::*member;
};
constexpr named_floor all_floors[] = {
    {"tcp_round_trip_us", &wl::host_floors::tcp_round_trip_us},
    {"tcp_us_per_kib", &wl::host_floors::tcp_us_per_kib},
    {"disk_read_us_per_kib", &wl::host_floors::disk_read_us_per_kib},
    {"timer_wake_us", &wl::host_floors::timer_wake_us},
    {"thread_wake_us", &wl::host_floors::thread_wake_us},
    {"thread_start_us", &wl::host_floors::thread_start_us},
};

// Sets an environment variable for one scope.
class scoped_env {
 public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value, 1);
  }
  ~scoped_env() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

// Every floor is measured, its figures ordered and positive where they are costs, or it is
// missing with a reason; none is both. On a machine with loopback and a temporary directory,
// the two that enter the ideal are there.
TEST(HostFloors, EachIsMeasuredOrMissingWithAReason) {
  const wl::host_floors f = wl::measure_host_floors();
  for (const auto& [name, member] : all_floors) {
    const auto& e = f.*member;
    if (e) {
      EXPECT_EQ(f.missing.count(name), 0U) << name;
      EXPECT_LE(0, e->low) << name;
      EXPECT_LE(e->low, e->median) << name;
      EXPECT_LE(e->median, e->high) << name;
      EXPECT_EQ(e->n, 5U) << name;
    } else {
      ASSERT_EQ(f.missing.count(name), 1U) << name << " is neither measured nor missing";
      EXPECT_FALSE(f.missing.at(name).empty()) << name;
    }
  }
  ASSERT_TRUE(f.tcp_round_trip_us) << f.missing.at("tcp_round_trip_us");
  ASSERT_TRUE(f.disk_read_us_per_kib) << f.missing.at("disk_read_us_per_kib");
  EXPECT_GT(f.tcp_round_trip_us->low, 0);
  EXPECT_GT(f.disk_read_us_per_kib->low, 0);
  EXPECT_GT(f.thread_start_us.value_or(wl::floor_estimate{1, 1, 1, 5}).low, 0);
}

// Without a temporary directory the disk floor is left out, saying why, and nothing is made up;
// the other floors do not depend on it.
TEST(HostFloors, NoTemporaryDirectoryLeavesTheDiskFloorOutWithItsReason) {
  wl::host_floors f;
  {
    scoped_env tmp("TMPDIR", "/nonexistent/execbench-floors-test");
    f = wl::measure_host_floors();
  }
  EXPECT_FALSE(f.disk_read_us_per_kib);
  ASSERT_EQ(f.missing.count("disk_read_us_per_kib"), 1U);
  EXPECT_NE(f.missing.at("disk_read_us_per_kib").find("nonexistent"), std::string::npos)
      << f.missing.at("disk_read_us_per_kib");
  EXPECT_TRUE(f.tcp_round_trip_us);
  wl::planned_step disk{.ns = 0, .arg = 0, .size = 65536, .size2 = 0, .op = wl::step_op::disk};
  EXPECT_EQ(f.step_floor_ns(disk), 0);
}

// Without loopback the TCP floors are left out, saying why, and nothing is made up; the others
// are measured. A child process gets a network namespace of its own, where the loopback
// interface is down: that needs CAP_SYS_ADMIN, and without it the test says it cannot run.
TEST(HostFloors, NoLoopbackLeavesTheTcpFloorsOutWithTheirReason) {
  constexpr int refused = 77;
  const pid_t child = fork();
  ASSERT_GE(child, 0) << "fork";
  if (child == 0) {
    if (unshare(CLONE_NEWNET) != 0) _exit(refused);
    const wl::host_floors f = wl::measure_host_floors();
    bool ok = !f.tcp_round_trip_us && !f.tcp_us_per_kib && f.disk_read_us_per_kib;
    for (const char* name : {"tcp_round_trip_us", "tcp_us_per_kib"}) {
      const auto why = f.missing.find(name);
      ok = ok && why != f.missing.end() && !why->second.empty();
      std::fprintf(stderr, "%s: %s\n", name,
                   why == f.missing.end() ? "(not missing)" : why->second.c_str());
    }
    const wl::planned_step tcp{.ns = 0, .arg = 0, .size = 64, .size2 = 64,
                               .op = wl::step_op::tcp};
    ok = ok && f.step_floor_ns(tcp) == 0;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died (status " << status << ")";
  if (WEXITSTATUS(status) == refused)
    GTEST_SKIP() << "unshare(CLONE_NEWNET) is refused here (it needs CAP_SYS_ADMIN)";
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "without loopback, the TCP floors were measured, or left out without a reason (the "
         "child's stderr says which)";
}

TEST(HostFloors, PriceOnlyTheStepsTheyCover) {
  wl::host_floors f;
  f.tcp_round_trip_us = wl::floor_estimate{20, 10, 30, 5};
  f.tcp_us_per_kib = wl::floor_estimate{3, 2, 4, 5};
  f.disk_read_us_per_kib = wl::floor_estimate{1, 0.25, 2, 5};
  const auto step = [](wl::step_op op, std::uint32_t size, std::uint32_t size2) {
    return wl::planned_step{.ns = 1000, .arg = 0, .size = size, .size2 = size2, .op = op};
  };
  EXPECT_DOUBLE_EQ(f.step_floor_ns(step(wl::step_op::tcp, 64, 64)), 10e3);
  EXPECT_DOUBLE_EQ(f.step_floor_ns(step(wl::step_op::tcp, 64 + 512, 64 + 512)), 12e3);
  EXPECT_DOUBLE_EQ(f.step_floor_ns(step(wl::step_op::tcp, 10, 10)), 10e3);  // never below base
  EXPECT_DOUBLE_EQ(f.step_floor_ns(step(wl::step_op::disk, 8192, 0)), 2e3);
  EXPECT_DOUBLE_EQ(f.step_floor_ns(step(wl::step_op::spin, 0, 0)), 0);
  EXPECT_DOUBLE_EQ(f.step_floor_ns(step(wl::step_op::timer, 0, 0)), 0);
  EXPECT_DOUBLE_EQ(f.step_floor_ns(step(wl::step_op::lock, 0, 0)), 0);
}

TEST(HostFloors, JsonRoundTrip) {
  wl::host_floors f;
  f.tcp_round_trip_us = wl::floor_estimate{20.5, 10.25, 30, 5};
  f.thread_start_us = wl::floor_estimate{40, 35, 60, 5};
  f.missing["disk_read_us_per_kib"] = "temp_directory_path: No such file or directory";
  const wl::host_floors back = wl::floors_from_json(wl::floors_to_json(f));
  ASSERT_TRUE(back.tcp_round_trip_us);
  EXPECT_DOUBLE_EQ(back.tcp_round_trip_us->median, 20.5);
  EXPECT_DOUBLE_EQ(back.tcp_round_trip_us->low, 10.25);
  EXPECT_DOUBLE_EQ(back.tcp_round_trip_us->high, 30);
  EXPECT_EQ(back.tcp_round_trip_us->n, 5U);
  ASSERT_TRUE(back.thread_start_us);
  EXPECT_FALSE(back.disk_read_us_per_kib);
  EXPECT_FALSE(back.timer_wake_us);
  EXPECT_EQ(back.missing, f.missing);
  // A floor a later version adds is passed over, not an error.
  EXPECT_NO_THROW(
      wl::floors_from_json(R"({"numa_hop_us": {"median": 1, "low": 1, "high": 1, "n": 5}})"));
}

TEST(HostFloors, MalformedJsonNamesTheProblem) {
  const auto problem = [](const std::string& text) {
    try {
      wl::floors_from_json(text);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_NE(problem("[1, 2]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(problem("{").find("not a JSON object"), std::string::npos);
  EXPECT_NE(problem(R"({"tcp_round_trip_us": {"median": 1}})").find("tcp_round_trip_us"),
            std::string::npos);
  EXPECT_NE(problem(R"({"tcp_round_trip_us": {"median": 1, "low": 2, "high": 3, "n": 5}})")
                .find("low <= median"),
            std::string::npos);
  EXPECT_NE(
      problem(R"({"tcp_round_trip_us": {"median": 1, "low": 1, "high": 1, "n": 0}})").find("n > 0"),
      std::string::npos);
  EXPECT_NE(problem(R"({"missing": {"disk_read_us_per_kib": 3}})").find("missing"),
            std::string::npos);
}
