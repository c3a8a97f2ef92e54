#include "execbench/reports/compare.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "execbench/reports/statistics.hpp"
#include "reports_test_support.hpp"

namespace execbench::reports {
namespace {

const std::string data_dir = EXECBENCH_REPORTS_DATA_DIR;

// A report with `repetitions` iteration rows per benchmark: real time around `time_ns` × factor
// with 1% noise, and tasks_per_s consistent with it.
report synthetic(const std::string& path, double factor, std::size_t repetitions, unsigned seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> noise(1, 0.01);
  report result;
  result.path = path;
  result.context = {{"host_name", "h"}};
  for (const char* name : {"w/asio/workers:2", "w/tbb/workers:2"}) {
    for (std::size_t i = 0; i < repetitions; ++i) {
      benchmark_row row;
      row.name = row.run_name = name;
      row.real_time_ns = 1e8 * factor * noise(random);
      row.cpu_time_ns = row.real_time_ns / 2;
      row.counters["tasks_per_s"] = 2000 / (row.real_time_ns / 1e9);
      row.counters["custom_thing"] = 3;
      result.rows.push_back(row);
    }
  }
  return result;
}

const metric_comparison& find(const comparison& result, const std::string& benchmark,
                              const std::string& metric) {
  for (const auto& row : result.rows)
    if (row.benchmark == benchmark && row.metric == metric) return row;
  throw std::runtime_error("no row " + benchmark + " " + metric);
}

// One report of a workload row without CPU steps (no kernel_cpu_ms): 9 repetitions of
// efficiency around `efficiency`, with spin's speed probed at `probe` ns per iteration.
report waits_only(const std::string& path, double efficiency, double probe, unsigned seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> noise(1, 0.01);
  report result;
  result.path = path;
  for (std::size_t i = 0; i < 9; ++i) {
    benchmark_row row;
    row.name = row.run_name = "tcp_echo/loop/workers:1";
    const double e = efficiency * noise(random);
    row.real_time_ns = 1e7 / e;
    row.cpu_time_ns = row.real_time_ns;
    row.counters["efficiency"] = e;
    row.counters["makespan_ms"] = row.real_time_ns / 1e6;
    row.counters["ideal_ms"] = 10;
    row.counters["speed_probe_ns"] = probe * noise(random);
    result.rows.push_back(row);
  }
  return result;
}

TEST(compare_reports, drift_leaves_a_row_without_cpu_steps_undecided_between_two_reports) {
  // The same 20% loss of efficiency: slower when the machine ran at one speed; inconclusive,
  // saying why, when NEW's probes say the machine ran 50% slower.
  const comparison steady =
      compare_reports({waits_only("b", 0.06, 0.3, 1)}, {waits_only("n", 0.048, 0.3, 2)}, {});
  EXPECT_EQ(find(steady, "tcp_echo/loop/workers:1", "efficiency").verdict, verdict::slower);
  const comparison drifted =
      compare_reports({waits_only("b", 0.06, 0.3, 1)}, {waits_only("n", 0.048, 0.45, 2)}, {});
  const auto& row = find(drifted, "tcp_echo/loop/workers:1", "efficiency");
  EXPECT_EQ(row.verdict, verdict::inconclusive);
  EXPECT_NE(row.reason.find("the machine ran 50% slower"), std::string::npos) << row.reason;
  EXPECT_FALSE(drifted.has_regression());
  // Several reports a side sample the drift between runs: the rule does not apply.
  const comparison runs = compare_reports(
      {waits_only("b1", 0.06, 0.3, 1), waits_only("b2", 0.06, 0.3, 3),
       waits_only("b3", 0.06, 0.3, 5), waits_only("b4", 0.06, 0.3, 7),
       waits_only("b5", 0.06, 0.3, 9), waits_only("b6", 0.06, 0.3, 11),
       waits_only("b7", 0.06, 0.3, 13)},
      {waits_only("n1", 0.048, 0.45, 2), waits_only("n2", 0.048, 0.45, 4),
       waits_only("n3", 0.048, 0.45, 6), waits_only("n4", 0.048, 0.45, 8),
       waits_only("n5", 0.048, 0.45, 10), waits_only("n6", 0.048, 0.45, 12),
       waits_only("n7", 0.048, 0.45, 14)},
      {});
  EXPECT_EQ(find(runs, "tcp_echo/loop/workers:1", "efficiency").verdict, verdict::slower);
}

TEST(compare_reports, twenty_percent_slowdown_is_slower) {
  const comparison result =
      compare_reports({synthetic("b", 1.0, 9, 1)}, {synthetic("n", 1.2, 9, 2)}, {});
  const metric_comparison& time = find(result, "w/asio/workers:2", "real_time");
  EXPECT_EQ(time.verdict, verdict::slower);
  EXPECT_NEAR(time.change, 0.2, 0.03);
  EXPECT_LT(time.ci_low, 0.2);
  EXPECT_GT(time.ci_high, 0.15);
  EXPECT_TRUE(time.exact_p);
  // Higher is better for throughput: it fell, which is also "slower".
  EXPECT_EQ(find(result, "w/asio/workers:2", "tasks_per_s").verdict, verdict::slower);
  EXPECT_TRUE(result.has_regression());
}

TEST(compare_reports, one_percent_change_is_same) {
  // 1% noise, 9 against 9: every interval lies inside +-5%.
  const comparison result =
      compare_reports({synthetic("b", 1.0, 9, 1)}, {synthetic("n", 1.01, 9, 2)}, {});
  for (const auto& row : result.rows) {
    if (row.direction != direction::unknown) {
      EXPECT_EQ(row.verdict, verdict::same) << row.benchmark << " " << row.metric;
      EXPECT_TRUE(row.reason.empty()) << row.reason;
    }
  }
  EXPECT_FALSE(result.has_regression());
}

TEST(compare_reports, speedup_is_faster) {
  const comparison result =
      compare_reports({synthetic("b", 1.0, 9, 1)}, {synthetic("n", 0.8, 9, 2)}, {});
  EXPECT_EQ(find(result, "w/tbb/workers:2", "real_time").verdict, verdict::faster);
  EXPECT_EQ(find(result, "w/tbb/workers:2", "tasks_per_s").verdict, verdict::faster);
}

TEST(compare_reports, threshold_and_alpha_are_honoured) {
  compare_options wide;
  wide.threshold = 0.25;
  EXPECT_FALSE(compare_reports({synthetic("b", 1.0, 9, 1)}, {synthetic("n", 1.2, 9, 2)}, wide)
                   .has_regression());
  compare_options strict;
  strict.alpha = 1e-6;  // beyond what 9 against 9 can reach (2/48620)
  EXPECT_FALSE(compare_reports({synthetic("b", 1.0, 9, 1)}, {synthetic("n", 1.2, 9, 2)}, strict)
                   .has_regression());
}

TEST(compare_reports, unknown_counters_only_on_request_and_without_verdict) {
  const auto base = synthetic("b", 1.0, 9, 1);
  const auto next = synthetic("n", 1.2, 9, 2);
  const comparison by_default = compare_reports({base}, {next}, {});
  EXPECT_EQ(by_default.metrics, (std::vector<std::string>{"real_time", "tasks_per_s"}));
  compare_options all;
  all.metrics = {"all"};
  const comparison everything = compare_reports({base}, {next}, all);
  EXPECT_EQ(find(everything, "w/asio/workers:2", "custom_thing").verdict, verdict::no_verdict);
  EXPECT_EQ(find(everything, "w/asio/workers:2", "custom_thing").direction, direction::unknown);
  compare_options bad;
  bad.metrics = {"no_such_metric"};
  EXPECT_THROW(compare_reports({base}, {next}, bad), std::invalid_argument);
}

TEST(compare_reports, without_repetitions_inconclusive_with_the_n_needed) {
  const comparison result =
      compare_reports({synthetic("b", 1.0, 1, 1)}, {synthetic("n", 1.5, 1, 2)}, {});
  const metric_comparison& time = find(result, "w/asio/workers:2", "real_time");
  EXPECT_EQ(time.verdict, verdict::inconclusive);
  EXPECT_NEAR(time.change, 0.5, 0.05);
  EXPECT_TRUE(std::isnan(time.p_value));
  // Two gated rows (real time of each benchmark, which have no efficiency): 0.05/2 = 0.025 needs
  // 2/C(2n, n) <= 0.025, n = 5 (2/252; 2/70 is not enough).
  EXPECT_EQ(time.reason,
            "1 vs 1 repetitions: too few for a test; this comparison needs 5 or more a side");
  EXPECT_FALSE(result.has_regression());
}

TEST(compare_reports, one_report_a_side_says_repetitions_understate_the_spread) {
  const comparison result =
      compare_reports({synthetic("b", 1.0, 5, 1)}, {synthetic("n", 1.0, 5, 2)}, {});
  EXPECT_EQ(result.unit, "repetition");
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("understate the spread between runs"), std::string::npos);
  EXPECT_NE(result.warnings[0].find("threshold carry the decision"), std::string::npos);
}

TEST(compare_reports, fixtures_lists_geomean_and_context) {
  const comparison result = compare_reports({read_report(data_dir + "/base.json")},
                                            {read_report(data_dir + "/new.json")}, {});
  EXPECT_EQ(result.only_in_base,
            std::vector<std::string>{"web_request/loop_offload/workers:2/process_time/real_time"});
  EXPECT_EQ(result.only_in_new,
            std::vector<std::string>{"web_request/loop_offload/workers:4/process_time/real_time"});
  ASSERT_EQ(result.errored.size(), 1u);
  EXPECT_EQ(result.errored[0].side, "new");
  EXPECT_EQ(result.errored[0].errored, 9u);
  ASSERT_FALSE(result.geometric_means.empty());
  EXPECT_EQ(result.geometric_means[0].metric, "real_time");
  EXPECT_EQ(result.geometric_means[0].count, 4u);  // matched rows only
  // Geometric mean of the four real-time ratios, recomputed from the rows.
  double log_sum = 0;
  for (const auto& row : result.rows)
    if (row.metric == "real_time") log_sum += std::log(row.new_median / row.base_median);
  EXPECT_NEAR(result.geometric_means[0].ratio, std::exp(log_sum / 4), 1e-12);
  EXPECT_TRUE(std::any_of(result.warnings.begin(), result.warnings.end(), [](const auto& warning) {
    return warning.find("context mismatch: boost_version") != std::string::npos;
  }));
  const std::string pool = "web_request/thread_pool/workers:2/process_time/real_time";
  // Workload rows: efficiency is gated and decides; real time is shown, slower, not gated.
  EXPECT_EQ(find(result, pool, "efficiency").verdict, verdict::slower);
  EXPECT_TRUE(find(result, pool, "efficiency").gated);
  EXPECT_EQ(find(result, pool, "real_time").verdict, verdict::slower);
  EXPECT_FALSE(find(result, pool, "real_time").gated);
  EXPECT_EQ(result.gated_count, 4u);
  EXPECT_EQ(find(result, "web_request/loop/workers:1/process_time/real_time", "real_time").verdict,
            verdict::same);
}

TEST(compare_reports, several_reports_a_side_compare_per_run_medians) {
  const report part1 = read_report(data_dir + "/base_part1.json");
  const report part2 = read_report(data_dir + "/base_part2.json");
  const report next = read_report(data_dir + "/new.json");
  const comparison result = compare_reports({part1, part2}, {next}, {});
  EXPECT_EQ(result.unit, "run");
  // Each side's samples are its reports' medians: 2 against 1, not 9 against 9 repetitions.
  const std::string name = "web_request/asio/workers:2/process_time/real_time";
  const metric_comparison& time = find(result, name, "real_time");
  EXPECT_EQ(time.base_count, 2u);
  EXPECT_EQ(time.new_count, 1u);
  const auto median_of = [&](const report& file) {
    std::vector<double> values;
    for (const auto& row : file.rows)
      if (row.run_name == name && !row.aggregate) values.push_back(row.real_time_ns);
    return median(values);
  };
  EXPECT_DOUBLE_EQ(time.base_median, (median_of(part1) + median_of(part2)) / 2);
  EXPECT_DOUBLE_EQ(time.new_median, median_of(next));
  EXPECT_EQ(time.verdict, verdict::inconclusive);
  ASSERT_FALSE(result.notes.empty());
  EXPECT_NE(result.notes[0].find("the process is the unit of replication"), std::string::npos);
}

TEST(compare_reports, nothing_in_common_is_bad_input) {
  EXPECT_THROW(compare_reports({read_report(data_dir + "/base.json")},
                               {read_report(data_dir + "/disjoint.json")}, {}),
               input_error);
}

// ---------------------------------------------------------------------------------------------
// Workload and primitive rows as execbench writes them, with a noise model: each run (process)
// has a shift shared by all its rows (the machine's speed moves time and the ideal alike, and a
// smaller shift of efficiency), each row its own run-to-run noise, each repetition a little more.

struct noise_model {
  double run_speed = 0.10;       // sd of the log speed shift of a run: time and ideal
  double run_efficiency = 0.03;  // sd of the log efficiency shift shared by a run's rows
  double row_efficiency = 0.04;  // sd of a row's own log efficiency noise per run
  double repetition = 0.01;      // sd within a run
};

struct run_settings {
  std::size_t rows = 20;
  std::size_t repetitions = 3;
  double efficiency_factor = 1;  // NEW's change of efficiency (0.8: a 20% loss)
  double kernel_factor = 1;      // NEW's change of the kernels' CPU time
  double shared_speed = 0;       // a log speed shift given from outside (a paired round's)
  bool primitives = false;       // also primitive rows (time only)
  bool counters = true;          // ideal_ms, makespan_ms, kernel_cpu_ms beside efficiency
  double primitive_factor = 1;   // NEW's change of the primitives' time
};

report workload_run(const std::string& path, const run_settings& settings, const noise_model& noise,
                    std::mt19937_64& random) {
  std::normal_distribution<double> unit(0, 1);
  const double speed = settings.shared_speed + noise.run_speed * unit(random);
  const double run_shift = noise.run_efficiency * unit(random);
  report result;
  result.path = path;
  result.context = {{"host_name", "h"}};
  for (std::size_t r = 0; r < settings.rows; ++r) {
    const std::string name = "w" + std::to_string(r) + "/loop/workers:1/process_time/real_time";
    const double row_shift = noise.row_efficiency * unit(random);
    for (std::size_t i = 0; i < settings.repetitions; ++i) {
      benchmark_row row;
      row.name = row.run_name = name;
      const double ideal = (10.0 + static_cast<double>(r)) * std::exp(speed);
      const double efficiency = (0.5 + 0.02 * static_cast<double>(r)) * settings.efficiency_factor *
                                std::exp(run_shift + row_shift + noise.repetition * unit(random));
      row.counters["efficiency"] = efficiency;
      if (settings.counters) {
        row.counters["ideal_ms"] = ideal;
        row.counters["makespan_ms"] = ideal / efficiency;
        row.counters["kernel_cpu_ms"] = ideal * 0.9 * settings.kernel_factor;
      }
      row.real_time_ns = ideal / efficiency * 1e6;
      row.cpu_time_ns = row.real_time_ns;
      result.rows.push_back(row);
    }
  }
  if (settings.primitives) {
    for (const char* runtime : {"loop", "asio"}) {
      const std::string name = std::string("primitive/post_local/") + runtime + "/workers:1";
      const double run_noise = 0.02 * unit(random);
      for (std::size_t i = 0; i < settings.repetitions; ++i) {
        benchmark_row row;
        row.name = row.run_name = name;
        row.real_time_ns = 100 * settings.primitive_factor *
                           std::exp(speed + run_noise + noise.repetition * unit(random));
        row.cpu_time_ns = row.real_time_ns;
        result.rows.push_back(row);
      }
    }
  }
  return result;
}

std::vector<report> workload_runs(const std::string& side, std::size_t runs,
                                  const run_settings& settings, const noise_model& noise,
                                  std::mt19937_64& random) {
  std::vector<report> result;
  for (std::size_t i = 0; i < runs; ++i)
    result.push_back(workload_run(side + std::to_string(i), settings, noise, random));
  return result;
}

const metric_comparison* find_row(const comparison& result, const std::string& benchmark,
                                  const std::string& metric) {
  for (const auto& row : result.rows)
    if (row.benchmark == benchmark && row.metric == metric) return &row;
  return nullptr;
}

// The count of false alarms over `trials` that a gate at family-wise rate `alpha` stays within:
// the binomial mean plus three standard deviations (with 1,000 trials at 0.05: 50 + 20.7).
double false_alarm_bound(int trials, double alpha) {
  return trials * alpha + 3 * std::sqrt(trials * alpha * (1 - alpha));
}

TEST(compare_gate, workload_rows_gate_the_primary_metric_only) {
  std::mt19937_64 random(11);
  run_settings settings;
  settings.rows = 3;
  settings.primitives = true;
  const auto base = workload_runs("b", 5, settings, {}, random);
  const auto next = workload_runs("n", 5, settings, {}, random);
  const comparison result = compare_reports(base, next, {});
  const std::string row = "w0/loop/workers:1/process_time/real_time";
  EXPECT_TRUE(find(result, row, "efficiency").gated);
  EXPECT_FALSE(find(result, row, "real_time").gated);
  EXPECT_FALSE(find(result, row, "overhead_ms").gated);
  EXPECT_FALSE(find(result, row, "makespan_ms").gated);
  // overhead_ms = makespan_ms - ideal_ms, derived per repetition, lower is better.
  EXPECT_EQ(find(result, row, "overhead_ms").direction, direction::lower_is_better);
  EXPECT_EQ(find(result, row, "kernel_cpu_ms").verdict, verdict::no_verdict);
  const metric_comparison& primitive =
      find(result, "primitive/post_local/loop/workers:1", "real_time");
  EXPECT_FALSE(primitive.gated);
  EXPECT_NE(primitive.reason.find("primitives are gated only in paired rounds"), std::string::npos);
  EXPECT_EQ(result.gated_count, 3u);

  compare_options overhead;
  overhead.gate_metric = "overhead_ms";
  const comparison by_overhead = compare_reports(base, next, overhead);
  EXPECT_TRUE(find(by_overhead, row, "overhead_ms").gated);
  EXPECT_FALSE(find(by_overhead, row, "efficiency").gated);

  compare_options named;
  named.metrics = {"makespan_ms"};
  const comparison with_named = compare_reports(base, next, named);
  EXPECT_TRUE(find(with_named, row, "makespan_ms").gated);
  EXPECT_TRUE(find(with_named, row, "efficiency").gated);
  EXPECT_FALSE(find(with_named, row, "real_time").gated);
  EXPECT_EQ(with_named.gated_count, 6u);

  compare_options bad;
  bad.gate_metric = "real_time";
  EXPECT_THROW(compare_reports(base, next, bad), std::invalid_argument);
}

TEST(compare_gate, a_slower_primitive_fails_the_gate_only_in_paired_rounds) {
  std::mt19937_64 random(12);
  run_settings settings;
  settings.rows = 2;
  settings.primitives = true;
  run_settings slower = settings;
  slower.primitive_factor = 1.3;
  noise_model quiet;
  quiet.run_speed = 0.01;
  const auto base = workload_runs("b", 9, settings, quiet, random);
  const auto next = workload_runs("n", 9, slower, quiet, random);
  const comparison unpaired = compare_reports(base, next, {});
  const std::string primitive = "primitive/post_local/asio/workers:1";
  EXPECT_EQ(find(unpaired, primitive, "real_time").verdict, verdict::slower);
  EXPECT_FALSE(unpaired.has_regression());
  compare_options paired;
  paired.paired = true;
  const comparison rounds = compare_reports(base, next, paired);
  EXPECT_TRUE(find(rounds, primitive, "real_time").gated);
  EXPECT_EQ(find(rounds, primitive, "real_time").verdict, verdict::slower);
  EXPECT_TRUE(rounds.has_regression());
}

// A METG row's time is its sweep's, not a figure: the gate judges its metg_us, lower is better.
TEST(compare_gate, a_metg_row_gates_its_metg_not_its_time) {
  std::mt19937_64 random(21);
  std::normal_distribution<double> unit(0, 1);
  const auto runs = [&](const std::string& side, double metg_us) {
    std::vector<report> result;
    for (int i = 0; i < 9; ++i) {
      report r;
      r.path = side;
      r.path.append(std::to_string(i));
      benchmark_row row;
      row.name = "metg/cpu/thread_pool/workers:2/process_time/real_time";
      row.run_name = row.name;
      row.counters["metg_us"] = metg_us * std::exp(0.01 * unit(random));
      row.counters["best_efficiency"] = 0.9;
      row.real_time_ns = 3e9 * std::exp(0.3 * unit(random));
      row.cpu_time_ns = row.real_time_ns;
      r.rows.push_back(row);
      result.push_back(r);
    }
    return result;
  };
  const comparison result = compare_reports(runs("b", 2.0), runs("n", 3.0), {});
  const std::string row = "metg/cpu/thread_pool/workers:2/process_time/real_time";
  const metric_comparison& metg = find(result, row, "metg_us");
  EXPECT_TRUE(metg.gated);
  EXPECT_EQ(metg.direction, direction::lower_is_better);
  EXPECT_EQ(metg.verdict, verdict::slower);
  EXPECT_FALSE(find(result, row, "real_time").gated);
  EXPECT_TRUE(result.has_regression());
  EXPECT_NE(std::find_if(result.notes.begin(), result.notes.end(),
                         [](const std::string& n) {
                           return n.find("metg_us on METG rows") != std::string::npos;
                         }),
            result.notes.end());
}

TEST(compare_gate, same_needs_the_interval_inside_the_threshold) {
  std::mt19937_64 random(13);
  run_settings settings;
  settings.rows = 1;
  noise_model quiet{0.05, 0.002, 0.002, 0.001};
  noise_model loud{0.05, 0.05, 0.08, 0.01};
  const comparison calm = compare_reports(workload_runs("b", 9, settings, quiet, random),
                                          workload_runs("n", 9, settings, quiet, random), {});
  const metric_comparison& steady =
      find(calm, "w0/loop/workers:1/process_time/real_time", "efficiency");
  EXPECT_EQ(steady.verdict, verdict::same);
  EXPECT_GE(steady.ci_low, -0.05);
  EXPECT_LE(steady.ci_high, 0.05);
  const comparison noisy = compare_reports(workload_runs("b", 9, settings, loud, random),
                                           workload_runs("n", 9, settings, loud, random), {});
  const metric_comparison& wide =
      find(noisy, "w0/loop/workers:1/process_time/real_time", "efficiency");
  EXPECT_EQ(wide.verdict, verdict::inconclusive);
  EXPECT_TRUE(wide.ci_low < -0.05 || wide.ci_high > 0.05);
  EXPECT_NE(wide.reason.find("not significant after Holm"), std::string::npos) << wide.reason;
  EXPECT_NE(wide.reason.find("±5%"), std::string::npos) << wide.reason;
}

TEST(compare_gate, too_few_runs_say_how_many_are_needed) {
  std::mt19937_64 random(14);
  run_settings settings;
  settings.rows = 40;
  run_settings loss = settings;
  loss.efficiency_factor = 0.7;
  // 5 against 5 runs, 40 gated rows: the smallest p, 2/C(10,5) = 0.0079, is above 0.05/40 at
  // rank 1; 7 a side (2/3432) would reach it, 6 (2/924) would not.
  const comparison result = compare_reports(workload_runs("b", 5, settings, {}, random),
                                            workload_runs("n", 5, loss, {}, random), {});
  EXPECT_FALSE(result.has_regression());
  std::size_t at_rank_one = 0;
  for (const auto& row : result.rows) {
    if (!row.gated) continue;
    EXPECT_EQ(row.verdict, verdict::inconclusive) << row.benchmark;
    if (std::abs(row.holm_level - 0.05 / 40) < 1e-15) {
      ++at_rank_one;
      EXPECT_EQ(row.reason,
                "5 vs 5 runs cannot reach the corrected α = 0.05/40; this comparison needs 7 or "
                "more a side");
    }
  }
  EXPECT_EQ(at_rank_one, 1u);
  bool warned = false;
  for (const auto& warning : result.warnings)
    warned = warned ||
             warning.find("cannot reach the gate's corrected α = 0.05/40") != std::string::npos;
  EXPECT_TRUE(warned);
  // 2 against 2 runs of one row: 2/C(4,2) = 1/3 can reach nothing; 4 a side reach 0.05.
  settings.rows = 1;
  const comparison tiny = compare_reports(workload_runs("b", 2, settings, {}, random),
                                          workload_runs("n", 2, settings, {}, random), {});
  EXPECT_EQ(find(tiny, "w0/loop/workers:1/process_time/real_time", "efficiency").reason,
            "2 vs 2 runs cannot reach the corrected α = 0.05/1; this comparison needs 4 or more "
            "a side");
}

TEST(compare_gate, kernel_cpu_time_moving_is_noted_on_the_row) {
  std::mt19937_64 random(15);
  run_settings settings;
  settings.rows = 1;
  run_settings heavier = settings;
  heavier.kernel_factor = 1.12;
  noise_model steady;  // the kernels' time follows the machine's speed: keep it steady here
  steady.run_speed = 0.002;
  const auto base = workload_runs("b", 5, settings, steady, random);
  const comparison with_heavier =
      compare_reports(base, workload_runs("n", 5, heavier, steady, random), {});
  const metric_comparison* noted =
      find_row(with_heavier, "w0/loop/workers:1/process_time/real_time", "efficiency");
  ASSERT_NE(noted, nullptr);
  EXPECT_NE(noted->note.find("kernels' CPU time +12%"), std::string::npos) << noted->note;
  EXPECT_NE(noted->note.find("hidden from efficiency; see time"), std::string::npos);
  run_settings slightly = settings;
  slightly.kernel_factor = 1.03;
  const comparison with_slightly =
      compare_reports(base, workload_runs("n", 5, slightly, steady, random), {});
  const metric_comparison* quiet =
      find_row(with_slightly, "w0/loop/workers:1/process_time/real_time", "efficiency");
  ASSERT_NE(quiet, nullptr);
  EXPECT_TRUE(quiet->note.empty()) << quiet->note;
}

TEST(compare_gate, header_flags_calibration_speed_probe_and_quick_runs) {
  std::mt19937_64 random(16);
  run_settings settings;
  settings.rows = 2;
  report base = workload_run("b.json", settings, {}, random);
  report next = workload_run("n.json", settings, {}, random);
  auto flagged = [&](const std::string& what) {
    for (const auto& warning : compare_reports({base}, {next}, {}).warnings)
      if (warning.find(what) != std::string::npos) return true;
    return false;
  };
  base.context["calibration_ns_per_iteration_spin"] = "0.416";
  next.context["calibration_ns_per_iteration_spin"] = "0.40";
  EXPECT_FALSE(flagged("calibrations"));
  next.context["calibration_ns_per_iteration_spin"] = "0.242";
  EXPECT_TRUE(flagged("calibrations (calibration_ns_per_iteration_spin"));
  for (auto& row : base.rows) row.counters["speed_probe_ns"] = 0.40;
  for (auto& row : next.rows) row.counters["speed_probe_ns"] = 0.43;
  EXPECT_FALSE(flagged("speed probes"));
  for (auto& row : next.rows) row.counters["speed_probe_ns"] = 0.50;
  EXPECT_TRUE(flagged("speed probes"));
  EXPECT_FALSE(flagged("--quick"));
  next.context["quick"] = "true";
  EXPECT_TRUE(flagged("n.json is a --quick smoke run"));
}

TEST(compare_gate, paired_needs_as_many_reports_a_side) {
  std::mt19937_64 random(17);
  run_settings settings;
  settings.rows = 1;
  compare_options paired;
  paired.paired = true;
  EXPECT_THROW(compare_reports(workload_runs("b", 3, settings, {}, random),
                               workload_runs("n", 2, settings, {}, random), paired),
               input_error);
}

// The gate's family-wise error rate, measured: 1,000 seeded A/A pairs of 7 runs a side, 20 rows
// each (7 a side can reach 0.05/20 = 0.0025: 2/C(14,7) = 0.00058, so the gate can fire), with
// noise large enough that the threshold alone does not keep the gate quiet. One repetition a
// run and only the counters the gate reads keep it fast.
TEST(compare_gate, a_a_false_alarms_stay_within_the_family_wise_rate) {
  std::mt19937_64 random(20261126);
  const int trials = 1000;
  run_settings settings;
  settings.repetitions = 1;
  settings.counters = false;
  const noise_model noise;
  int alarms = 0, uncorrected_alarms = 0;
  for (int trial = 0; trial < trials; ++trial) {
    const comparison result = compare_reports(workload_runs("b", 7, settings, noise, random),
                                              workload_runs("n", 7, settings, noise, random), {});
    alarms += result.has_regression();
    // What a gate without the correction would have said of the same pair.
    uncorrected_alarms += std::any_of(result.rows.begin(), result.rows.end(), [&](const auto& r) {
      return r.gated && r.p_value <= result.alpha && r.change < -result.threshold;
    });
  }
  EXPECT_LE(alarms, false_alarm_bound(trials, 0.05)) << alarms << " false alarms";
  // The test has teeth: a gate without Holm fails it on the same pairs.
  EXPECT_GT(uncorrected_alarms, false_alarm_bound(trials, 0.05)) << uncorrected_alarms;
  std::printf("A/A, 7 vs 7 runs, 20 rows: %d of %d pairs fail the gate (%d without Holm)\n", alarms,
              trials, uncorrected_alarms);
}

TEST(compare_gate, a_twenty_percent_loss_with_nine_runs_a_side_is_slower) {
  std::mt19937_64 random(20261127);
  const run_settings settings;
  run_settings loss = settings;
  loss.efficiency_factor = 0.8;
  const comparison result = compare_reports(workload_runs("b", 9, settings, {}, random),
                                            workload_runs("n", 9, loss, {}, random), {});
  EXPECT_TRUE(result.has_regression());
  std::size_t slower = 0;
  for (const auto& row : result.rows) slower += row.gated && row.verdict == verdict::slower;
  EXPECT_GE(slower, 18u) << "of 20 rows";
}

// Paired rounds: a drift between rounds that both builds of a round share cancels in the
// per-round ratio. 1,000 A/A sets of 12 rounds (2/4096 reaches 0.05/24), 10 rows and 2
// primitives, each gated on time and efficiency.
TEST(compare_gate, paired_a_a_false_alarms_stay_within_the_family_wise_rate) {
  std::mt19937_64 random(20261128);
  std::normal_distribution<double> drift(0, 0.2);
  const int trials = 1000;
  run_settings settings;
  settings.rows = 10;
  settings.repetitions = 1;
  settings.primitives = true;
  settings.counters = false;
  noise_model noise;
  noise.run_speed = 0.01;  // within a round; the rounds' drift is shared by both sides
  compare_options paired;
  paired.paired = true;
  int alarms = 0;
  for (int trial = 0; trial < trials; ++trial) {
    std::vector<report> base, next;
    for (int round = 0; round < 12; ++round) {
      run_settings this_round = settings;
      this_round.shared_speed = drift(random);
      base.push_back(workload_run("b" + std::to_string(round), this_round, noise, random));
      next.push_back(workload_run("n" + std::to_string(round), this_round, noise, random));
    }
    const comparison result = compare_reports(base, next, paired);
    if (trial == 0) {
      EXPECT_EQ(result.gated_count, 22u);
    }
    alarms += result.has_regression();
  }
  EXPECT_LE(alarms, false_alarm_bound(trials, 0.05)) << alarms << " false alarms";
  std::printf("A/A, 12 paired rounds, 22 gated tests: %d of %d fail the gate\n", alarms, trials);
}

TEST(compare_gate, paired_twenty_percent_time_loss_is_slower) {
  std::mt19937_64 random(20261129);
  std::normal_distribution<double> drift(0, 0.2);
  run_settings settings;
  settings.rows = 3;
  settings.repetitions = 1;
  noise_model noise;
  noise.run_speed = 0.01;
  compare_options paired;
  paired.paired = true;
  std::vector<report> base, next;
  for (int round = 0; round < 9; ++round) {
    run_settings this_round = settings;
    this_round.shared_speed = drift(random);
    base.push_back(workload_run("b" + std::to_string(round), this_round, noise, random));
    this_round.efficiency_factor = 0.8;  // a scheduler 20% slower: time up by 25%
    next.push_back(workload_run("n" + std::to_string(round), this_round, noise, random));
  }
  const comparison result = compare_reports(base, next, paired);
  EXPECT_EQ(result.unit, "round");
  const metric_comparison& time =
      find(result, "w0/loop/workers:1/process_time/real_time", "real_time");
  EXPECT_TRUE(time.gated);
  EXPECT_EQ(time.verdict, verdict::slower);
  EXPECT_NEAR(time.change, 0.25, 0.05);
  EXPECT_LT(time.ci_low, 0.25);
  EXPECT_GT(time.ci_high, 0.25);
  EXPECT_TRUE(result.has_regression());
}

// The Markdown output, against a golden file (EXECBENCH_UPDATE_GOLDEN=1 rewrites it).
using test_support::expect_golden;

TEST(render_comparison, markdown_golden) {
  report base = read_report(data_dir + "/base.json");
  report next = read_report(data_dir + "/new.json");
  base.path = "base.json";  // as the CLI prints them when run from data/
  next.path = "new.json";
  expect_golden(
      render_comparison(compare_reports({base}, {next}, {}), compare_format::markdown, false),
      "golden_compare.md");
}

TEST(render_comparison, markdown_golden_without_statistics) {
  report base = read_report(data_dir + "/base_single.json");
  report next = read_report(data_dir + "/new_single.json");
  base.path = "base_single.json";
  next.path = "new_single.json";
  compare_options options;
  options.metrics = {"real_time", "tasks_per_s"};
  expect_golden(
      render_comparison(compare_reports({base}, {next}, options), compare_format::markdown, false),
      "golden_compare_single.md");
}

TEST(render_comparison, json_is_valid_and_complete) {
  const comparison result = compare_reports({read_report(data_dir + "/base.json")},
                                            {read_report(data_dir + "/new.json")}, {});
  const auto json = nlohmann::json::parse(render_comparison(result, compare_format::json, false));
  EXPECT_EQ(json.at("rows").size(), result.rows.size());
  EXPECT_TRUE(json.at("regression").get<bool>());
  EXPECT_EQ(json.at("only_in_base").size(), 1u);
  EXPECT_EQ(json.at("errored").size(), 1u);
}

TEST(render_comparison, csv_lists_everything_and_console_colours_on_request) {
  const comparison result = compare_reports({read_report(data_dir + "/base.json")},
                                            {read_report(data_dir + "/new.json")}, {});
  const std::string csv = render_comparison(result, compare_format::csv, false);
  EXPECT_NE(csv.find("only_in_base,"), std::string::npos);
  EXPECT_NE(csv.find("only_in_new,"), std::string::npos);
  EXPECT_NE(csv.find("errored_new,"), std::string::npos);
  EXPECT_EQ(render_comparison(result, compare_format::console, false).find('\x1b'),
            std::string::npos);
  EXPECT_NE(render_comparison(result, compare_format::console, true).find("\x1b[31m"),
            std::string::npos);
}

TEST(compare_cli, bad_gate_metric_and_unpaired_rounds_are_one_line_exit_2) {
  const std::string base = data_dir + "/base.json", next = data_dir + "/new.json";
  const test_support::run_result metric =
      test_support::run({"compare", "--gate-metric", "real_time", base, next});
  EXPECT_EQ(metric.status, exit_bad_input);
  EXPECT_EQ(std::count(metric.err.begin(), metric.err.end(), '\n'), 1) << metric.err;
  EXPECT_NE(metric.err.find("--gate-metric must be efficiency or overhead_ms"), std::string::npos);
  EXPECT_TRUE(metric.out.empty());
  const test_support::run_result rounds =
      test_support::run({"compare", "--paired", base + "," + base, next});
  EXPECT_EQ(rounds.status, exit_bad_input);
  EXPECT_EQ(std::count(rounds.err.begin(), rounds.err.end(), '\n'), 1) << rounds.err;
  EXPECT_NE(rounds.err.find("as many BASE reports as NEW reports"), std::string::npos);
  EXPECT_TRUE(rounds.out.empty());
  // overhead_ms as the primary metric gates it instead of efficiency.
  const test_support::run_result overhead =
      test_support::run({"compare", "--format=json", "--gate-metric=overhead_ms", base, next});
  ASSERT_EQ(overhead.status, exit_ok) << overhead.err;
  const auto json = nlohmann::json::parse(overhead.out);
  EXPECT_EQ(json.at("gate_metric"), "overhead_ms");
  for (const auto& row : json.at("rows"))
    EXPECT_EQ(row.at("gated").get<bool>(), row.at("metric") == "overhead_ms") << row.dump();
}

}  // namespace
}  // namespace execbench::reports
