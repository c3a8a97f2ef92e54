#include "execbench/reports/tune.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "execbench/reports/cli.hpp"
#include "execbench/reports/usl_fit.hpp"
#include "reports_test_support.hpp"

namespace execbench::reports {
namespace {

const std::string data_dir = EXECBENCH_REPORTS_DATA_DIR;

/// A sweep report in memory: one series, `repetitions` iteration rows per worker count, each
/// throughput the curve times a deterministic noise factor in [1 - noise, 1 + noise].
report make_sweep(const std::string& workload, const std::string& runtime,
                  const std::vector<long>& workers, const std::function<double(double)>& curve,
                  double wait_compute_ratio, double noise = 0, int repetitions = 5) {
  report sweep;
  sweep.path = "synthetic.json";
  sweep.context = {{"num_cpus", 2}};
  std::mt19937 random(42);
  std::uniform_real_distribution<double> jitter(-noise, noise);
  for (long n : workers) {
    for (int i = 0; i < repetitions; ++i) {
      benchmark_row row;
      row.run_name = workload + "/" + runtime + "/workers:" + std::to_string(n) + "/real_time";
      row.name = row.run_name;
      row.real_time_ns = 1e6;
      row.counters["tasks_per_s"] = curve(static_cast<double>(n)) * (1 + jitter(random));
      row.counters["lat_p99_us"] = 100.0 * static_cast<double>(n);
      row.counters["wait_compute_ratio"] = wait_compute_ratio;
      row.counters["workers"] = static_cast<double>(n);
      sweep.rows.push_back(row);
    }
  }
  return sweep;
}

const std::vector<long> powers_of_two = {1, 2, 4, 8, 16, 32, 64, 128, 256};

TEST(fit_usl, recovers_known_parameters) {
  std::vector<double> n, x;
  for (double w : {1, 2, 4, 8, 16, 32, 64, 128}) {
    n.push_back(w);
    x.push_back(usl_throughput(0.05, 0.001, 1000, w));
  }
  const usl_fit fit = fit_usl(n, x);
  EXPECT_NEAR(fit.sigma, 0.05, 0.05 * 1e-4);
  EXPECT_NEAR(fit.kappa, 0.001, 0.001 * 1e-4);
  EXPECT_NEAR(fit.lambda, 1000, 1000 * 1e-4);
  EXPECT_GT(fit.r2, 0.9999);
  EXPECT_NEAR(fit.n_star, std::sqrt(0.95 / 0.001), 0.01);
}

TEST(fit_usl, amdahl_curve_has_no_peak) {
  // kappa = 0 (pure contention): throughput never turns down, N* is infinite.
  std::vector<double> n, x;
  for (double w : {1, 2, 4, 8, 16, 32}) {
    n.push_back(w);
    x.push_back(usl_throughput(0.1, 0, 500, w));
  }
  const usl_fit fit = fit_usl(n, x);
  EXPECT_NEAR(fit.sigma, 0.1, 1e-4);
  EXPECT_LT(fit.kappa, 1e-9);
  EXPECT_GT(fit.r2, 0.9999);
  if (fit.kappa == 0) {
    EXPECT_TRUE(std::isinf(fit.n_star));
  }
}

TEST(fit_usl, needs_three_distinct_worker_counts) {
  const std::vector<double> n = {1, 2, 2}, x = {1, 2, 2};
  EXPECT_THROW(fit_usl(n, x), std::invalid_argument);
}

TEST(tune_report, cpu_bound_on_two_cores_recommends_about_two) {
  // Rises to 2 workers, best (barely) at 4, then slowly falls.
  const std::map<long, double> curve = {{1, 1000}, {2, 1985}, {3, 1995},  {4, 2000},
                                        {6, 1990}, {8, 1975}, {16, 1950}, {32, 1900}};
  std::vector<long> workers;
  for (const auto& [n, x] : curve) workers.push_back(n);
  const tuning t = tune_report(make_sweep(
      "cpu_spin", "thread_pool", workers, [&](double n) { return curve.at(static_cast<long>(n)); },
      0.01));
  ASSERT_EQ(t.results.size(), 1u);
  const tune_result& r = t.results.front();
  EXPECT_EQ(t.cores, 2);
  EXPECT_NEAR(r.recommended_workers, 2, 1);
  EXPECT_EQ(r.best_workers, 4);
  EXPECT_GE(r.recommended_throughput, 0.95 * r.best_throughput);
  EXPECT_NEAR(r.goetz_workers, 2.02, 1e-9);
  ASSERT_GE(r.reasons.size(), 2u);
  EXPECT_EQ(r.reasons[0], "2 workers reach 99% of the best throughput (at 4)");
  EXPECT_NE(r.reasons[1].find("CPU-bound"), std::string::npos) << r.reasons[1];
}

TEST(tune_report, io_bound_recommends_many_workers) {
  const tuning t = tune_report(make_sweep(
      "web_io", "asio", powers_of_two, [](double n) { return 100 * std::min(n, 64.0); }, 30, 0.01));
  const tune_result& r = t.results.front();
  EXPECT_GT(r.recommended_workers, 32);
  EXPECT_GE(r.recommended_throughput, 0.95 * r.best_throughput);
  EXPECT_NEAR(r.goetz_workers, 62, 1e-9);
}

TEST(tune_report, usl_curve_is_recovered_from_noisy_repetitions) {
  const tuning t = tune_report(make_sweep(
      "usl_model", "tbb", {1, 2, 4, 8, 16, 32, 64, 128},
      [](double n) { return usl_throughput(0.05, 0.001, 1000, n); }, 1.0, 0.005, 9));
  const tune_result& r = t.results.front();
  EXPECT_NEAR(r.fit.sigma, 0.05, 0.05 * 0.05);
  EXPECT_NEAR(r.fit.kappa, 0.001, 0.001 * 0.05);
  EXPECT_NEAR(r.fit.lambda, 1000, 1000 * 0.03);
  EXPECT_GT(r.fit.r2, 0.99);
  EXPECT_TRUE(r.reliable);
  EXPECT_NEAR(r.fit.n_star, std::sqrt(0.95 / 0.001), 0.05 * 30.8);
  EXPECT_EQ(r.best_workers, 32);  // the measured point nearest N* = 30.8
  EXPECT_GE(r.recommended_throughput, 0.95 * r.best_throughput);
}

TEST(tune_report, poor_fit_is_unreliable) {
  const std::map<long, double> zigzag = {{1, 900}, {2, 2400}, {3, 700},  {4, 2600},
                                         {6, 500}, {8, 2500}, {12, 800}, {16, 2300}};
  std::vector<long> workers;
  for (const auto& [n, x] : zigzag) workers.push_back(n);
  const tuning t = tune_report(make_sweep(
      "noisy", "thread_per_task", workers,
      [&](double n) { return zigzag.at(static_cast<long>(n)); }, 0.5));
  const tune_result& r = t.results.front();
  EXPECT_FALSE(r.reliable);
  EXPECT_LT(r.fit.r2, 0.9);
  EXPECT_GE(r.recommended_throughput, 0.95 * r.best_throughput);
  const std::string console = render_tuning(t, tune_format::console);
  EXPECT_NE(console.find("unreliable fit, R² = 0.0"), std::string::npos) << console;
  EXPECT_NE(console.find("the recommendation rests on the measured points only"),
            std::string::npos);
}

TEST(tune_report, within_is_a_parameter) {
  const report sweep = make_sweep(
      "web_io", "asio", powers_of_two, [](double n) { return 100 * std::min(n, 64.0) + n; }, 30);
  tune_options options;
  options.within = 0;
  const tune_result exact = tune_report(sweep, options).results.front();
  EXPECT_EQ(exact.recommended_workers, exact.best_workers);
  options.within = 0.6;
  const tune_result loose = tune_report(sweep, options).results.front();
  EXPECT_EQ(loose.recommended_workers, 32);
}

TEST(fit_usl, scale_of_throughput_does_not_matter) {
  // Marquardt's scaling: a million times the throughput, the same sigma and kappa.
  std::vector<double> n, small, large;
  for (double w : {1, 2, 3, 4, 6, 8, 12, 16}) {
    n.push_back(w);
    small.push_back(usl_throughput(0.2, 0.02, 3, w) * (1 + 0.01 * std::sin(w)));
    large.push_back(small.back() * 1e6);
  }
  const usl_fit a = fit_usl(n, small), b = fit_usl(n, large);
  EXPECT_NEAR(a.sigma, b.sigma, 1e-6);
  EXPECT_NEAR(a.kappa, b.kappa, 1e-7);
  EXPECT_NEAR(a.lambda * 1e6, b.lambda, 1e-3 * b.lambda);
  EXPECT_NEAR(a.sigma, 0.2, 0.02);
  EXPECT_NEAR(a.kappa, 0.02, 0.002);
}

TEST(tune_report, aggregates_only_and_hardware_concurrency) {
  // --benchmark_report_aggregates_only: the median aggregate stands in for the repetitions;
  // a context without num_cpus still gives cores through hardware_concurrency.
  report sweep = make_sweep(
      "web_io", "asio", powers_of_two, [](double n) { return 100 * std::min(n, 64.0); }, 3, 0, 1);
  for (auto& row : sweep.rows) {
    row.aggregate = true;
    row.aggregate_name = "median";
    row.name += "_median";
  }
  sweep.context = {{"hardware_concurrency", "8"}};
  const tuning t = tune_report(sweep);
  EXPECT_EQ(t.cores, 8);
  const tune_result& r = t.results.front();
  EXPECT_EQ(r.points.front().repetitions, 1u);
  EXPECT_EQ(r.recommended_workers, 64);
  EXPECT_NEAR(r.goetz_workers, 32, 1e-9);
}

TEST(tune_report, one_worker_is_singular) {
  // Nothing scales: one worker is within 5% of the best.
  const tuning t = tune_report(make_sweep(
      "serial", "loop", {1, 2, 4, 8}, [](double n) { return 1000 - n; }, 0.0));
  const tune_result& r = t.results.front();
  EXPECT_EQ(r.recommended_workers, 1);
  EXPECT_EQ(r.reasons[0], "1 worker gives the best measured throughput");
  // Best at the smallest count, but there is nothing below one worker: no edge.
  EXPECT_EQ(r.edge, "");
  EXPECT_TRUE(r.next_sweep.empty());
}

/// One series of sweep_ranges.json (see make_sweep_fixtures.py for how each was built).
tune_result ranges_series(const std::string& workload) {
  const tuning t = tune_report(read_report(data_dir + "/sweep_ranges.json"));
  for (const auto& r : t.results)
    if (r.workload == workload) return r;
  ADD_FAILURE() << "no series " << workload;
  return {};
}

TEST(tune_report, range_of_counts_that_cannot_be_told_apart) {
  // 64 is the fewest within 5% of the best (96); 48 and 96 overlap 64's range, 32 and 128 do not.
  const tune_result r = ranges_series("drift");
  EXPECT_EQ(r.best_workers, 96);
  EXPECT_EQ(r.recommended_workers, 64);
  EXPECT_EQ(r.recommended_low, 48);
  EXPECT_EQ(r.recommended_high, 96);
  EXPECT_EQ(r.edge, "");
  EXPECT_NE(std::find(r.reasons.begin(), r.reasons.end(),
                      "48 to 96 workers cannot be told apart from 64: their throughputs' ranges "
                      "overlap its own"),
            r.reasons.end());
  tuning t;
  t.path = "x.json";
  t.results = {r};
  EXPECT_NE(render_tuning(t, tune_format::console).find("drift / thread_pool: 64 (48–96) workers"),
            std::string::npos);
  // A single count when nothing around it overlaps.
  const tune_result shrinking = ranges_series("shrinking");
  EXPECT_EQ(shrinking.recommended_low, 8);
  EXPECT_EQ(shrinking.recommended_high, 8);
}

TEST(tune_report, wait_compute_ratio_is_the_smallest_point_median) {
  // W/C drifts from 10 (at 4 workers) to 35; the median over the points would be 20.
  const tune_result r = ranges_series("drift");
  EXPECT_EQ(r.wait_compute_ratio, 10);
  EXPECT_EQ(r.wait_compute_workers, 4);
  EXPECT_NEAR(r.goetz_workers, 2 * (1 + 10), 1e-12);
  EXPECT_NE(r.reasons.back().find("(W/C the sweep's smallest, at 4 workers)"), std::string::npos)
      << r.reasons.back();
}

TEST(tune_report, waits_only_has_infinite_wait_compute_and_no_goetz_bound) {
  // The fixture writes the bare token Infinity, as Google Benchmark does: the reader keeps it.
  const tune_result r = ranges_series("wait_only");
  EXPECT_TRUE(std::isinf(r.wait_compute_ratio) && r.wait_compute_ratio > 0);
  EXPECT_TRUE(std::isnan(r.goetz_workers));
  for (const auto& point : r.points) EXPECT_TRUE(std::isinf(point.wait_compute_ratio));
  EXPECT_NE(r.reasons.back().find("Goetz: no bound from W/C"), std::string::npos)
      << r.reasons.back();
  tuning t;
  t.path = "x.json";
  t.cores = 2;
  t.results = {r};
  const auto document = nlohmann::json::parse(render_tuning(t, tune_format::json));
  const auto& series = document["results"][0];
  EXPECT_TRUE(series["wait_compute_ratio"].is_null());
  EXPECT_EQ(series["wait_compute_infinite"], true);
  EXPECT_TRUE(series["goetz_workers"].is_null());
  EXPECT_TRUE(series["points"][0]["wait_compute_ratio"].is_null());
  EXPECT_EQ(series["points"][0]["wait_compute_infinite"], true);
  const std::string console = render_tuning(t, tune_format::console);
  EXPECT_NE(console.find("∞"), std::string::npos);
  // A finite W/C at one count is the smallest: Goetz has a bound again.
  report sweep = make_sweep(
      "mostly_waits", "asio", {1, 2, 4, 8}, [](double n) { return 100 * n; },
      std::numeric_limits<double>::infinity());
  for (auto& row : sweep.rows)
    if (row.counters["workers"] == 4) row.counters["wait_compute_ratio"] = 50;
  const tune_result mixed = tune_report(sweep).results.front();
  EXPECT_EQ(mixed.wait_compute_ratio, 50);
  EXPECT_EQ(mixed.wait_compute_workers, 4);
  EXPECT_NEAR(mixed.goetz_workers, 102, 1e-12);
  const auto mixed_json =
      nlohmann::json::parse(render_tuning(tune_report(sweep), tune_format::json));
  EXPECT_EQ(mixed_json["results"][0]["wait_compute_infinite"], false);
  EXPECT_EQ(mixed_json["results"][0]["wait_compute_ratio"], 50);
}

TEST(tune_report, best_at_the_largest_count_swept_is_an_edge) {
  const tune_result r = ranges_series("wait_only");
  EXPECT_EQ(r.best_workers, 256);
  EXPECT_EQ(r.edge, "max");
  EXPECT_EQ(r.next_sweep, (std::vector<long>{256, 384, 512}));
  EXPECT_NE(std::find(r.reasons.begin(), r.reasons.end(),
                      "best at the largest count swept (256): sweep on, e.g. "
                      "--workers=256,384,512"),
            r.reasons.end());
}

TEST(tune_report, best_at_the_smallest_count_swept_is_an_edge) {
  const tune_result r = ranges_series("shrinking");
  EXPECT_EQ(r.best_workers, 8);
  EXPECT_EQ(r.edge, "min");
  EXPECT_EQ(r.next_sweep, (std::vector<long>{2, 4, 6, 8}));
  EXPECT_NE(std::find(r.reasons.begin(), r.reasons.end(),
                      "best at the smallest count swept (8): sweep lower, e.g. --workers=2,4,6,8"),
            r.reasons.end());
}

TEST(tune_report, open_loop_is_tuned_by_p99) {
  // p99 lowest at 16 (1500 us); 8 is 3.3% above it; 32 completes the most tasks per second.
  const tune_result r = ranges_series("open_rate");
  EXPECT_TRUE(r.open_loop);
  EXPECT_EQ(r.tuned_by, "lat_p99_us");
  EXPECT_EQ(r.offered_rate_per_s, 4000);
  EXPECT_EQ(r.best_workers, 16);
  EXPECT_EQ(r.best_lat_p99_us, 1500);
  EXPECT_EQ(r.recommended_workers, 8);
  EXPECT_EQ(r.recommended_lat_p99_us, 1550);
  EXPECT_EQ(r.recommended_low, 8);  // 4 and 16 can be told apart from 8 by p99
  EXPECT_EQ(r.recommended_high, 8);
  EXPECT_EQ(r.edge, "");
  EXPECT_EQ(r.reasons[0], "8 workers have a p99 latency 3.3% above the lowest (1.5 ms at 16)");
  // Closed-loop series keep tuning by throughput.
  EXPECT_EQ(ranges_series("drift").tuned_by, "tasks_per_s");
  EXPECT_FALSE(ranges_series("drift").open_loop);
}

TEST(tune_report, fixture_sweep) {
  const tuning t = tune_report(read_report(data_dir + "/sweep.json"));
  ASSERT_EQ(t.results.size(), 4u);  // primitive/spawn is ignored
  EXPECT_TRUE(t.skipped.empty());
  EXPECT_EQ(t.cores, 2);
  for (const auto& r : t.results) {
    EXPECT_GE(r.recommended_throughput, 0.95 * r.best_throughput) << r.workload;
    EXPECT_EQ(r.points.front().repetitions, 5u) << r.workload;  // aggregates are not samples
  }
  EXPECT_NEAR(t.results[0].recommended_workers, 2, 1);  // cpu_spin
  EXPECT_GT(t.results[1].recommended_workers, 32);      // web_io
  EXPECT_TRUE(t.results[2].reliable);                   // usl_model
  EXPECT_NEAR(t.results[2].fit.kappa, 0.001, 0.001 * 0.05);
  EXPECT_FALSE(t.results[3].reliable);  // noisy
}

TEST(tune_report, bad_series_are_skipped_with_reasons) {
  const tuning t = tune_report(read_report(data_dir + "/sweep_partly_bad.json"));
  ASSERT_EQ(t.results.size(), 1u);
  EXPECT_EQ(t.results[0].runtime, "thread_pool");
  ASSERT_EQ(t.skipped.size(), 3u);
  EXPECT_EQ(t.skipped[0].runtime, "asio");
  EXPECT_NE(t.skipped[0].reason.find("only 3 worker counts (1, 2, 4)"), std::string::npos);
  EXPECT_EQ(t.skipped[1].runtime, "tbb");
  EXPECT_NE(t.skipped[1].reason.find("no successful points"), std::string::npos);
  EXPECT_EQ(t.skipped[2].runtime, "loop");
  EXPECT_NE(t.skipped[2].reason.find("non-positive tasks_per_s (0) in row "
                                     "cpu_spin/loop/workers:4"),
            std::string::npos);
}

TEST(tune_report, nothing_to_tune_is_one_line_naming_the_file) {
  for (const char* name : {"sweep_few_counts.json", "sweep_nonpositive.json", "sweep_errored.json",
                           "sweep_primitives_only.json"}) {
    const std::string path = data_dir + "/" + name;
    try {
      tune_report(read_report(path));
      ADD_FAILURE() << name << ": no error";
    } catch (const input_error& e) {
      const std::string message = e.what();
      EXPECT_TRUE(message.starts_with(path + ": ")) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
}

TEST(render_tuning, json_has_every_key) {
  const tuning t = tune_report(read_report(data_dir + "/sweep_partly_bad.json"));
  const auto document = nlohmann::json::parse(render_tuning(t, tune_format::json));
  ASSERT_EQ(document["results"].size(), 1u);
  for (const char* key : {"workload",
                          "runtime",
                          "recommended_workers",
                          "best_workers",
                          "goetz_workers",
                          "n_star",
                          "sigma",
                          "kappa",
                          "lambda",
                          "r2",
                          "reliable",
                          "recommended_throughput",
                          "recommended_lat_p99_us",
                          "reasons",
                          "points",
                          "recommended_low",
                          "recommended_high",
                          "edge",
                          "next_sweep",
                          "tuned_by",
                          "open_loop",
                          "wait_compute_infinite",
                          "wait_compute_workers"})
    EXPECT_TRUE(document["results"][0].contains(key)) << key;
  EXPECT_TRUE(document["results"][0]["edge"].is_null());
  const auto ranges = nlohmann::json::parse(
      render_tuning(tune_report(read_report(data_dir + "/sweep_ranges.json")), tune_format::json));
  EXPECT_EQ(ranges["results"][0]["edge"], "max");
  EXPECT_EQ(ranges["results"][0]["next_sweep"], nlohmann::json({256, 384, 512}));
  EXPECT_EQ(ranges["results"][1]["recommended_low"], 48);
  EXPECT_EQ(ranges["results"][1]["recommended_high"], 96);
  EXPECT_EQ(ranges["results"][2]["edge"], "min");
  EXPECT_EQ(document["skipped"].size(), 3u);
  EXPECT_EQ(document["cores"], 2);
}

TEST(render_tuning, json_n_star_is_null_without_coherency_cost) {
  // A straight line: kappa = 0, so no peak.
  const tuning t = tune_report(make_sweep(
      "linear", "asio", {1, 2, 4, 8, 16}, [](double n) { return 100 * n; }, 10));
  ASSERT_EQ(t.results.front().fit.kappa, 0);
  const auto document = nlohmann::json::parse(render_tuning(t, tune_format::json));
  EXPECT_TRUE(document["results"][0]["n_star"].is_null());
  EXPECT_NE(render_tuning(t, tune_format::console).find("N* none"), std::string::npos);
}

using test_support::run;
using test_support::run_result;

TEST(run_cli, tune) {
  const std::string sweep = data_dir + "/sweep.json";
  const run_result console = run({"tune", sweep});
  EXPECT_EQ(console.status, exit_ok) << console.err;
  EXPECT_NE(console.out.find("cpu_spin / thread_pool: 2 (2–4) workers"), std::string::npos)
      << console.out;
  const run_result markdown = run({"tune", "--format=markdown", sweep});
  EXPECT_TRUE(markdown.out.starts_with("## Worker count tuning")) << markdown.out;
  EXPECT_EQ(run({"tune", "--within", "10%", sweep}).status, exit_ok);
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"tune"},
                                             {"tune", sweep, sweep},
                                             {"tune", "--within", "100", sweep},
                                             {"tune", "--min-r2", "2", sweep},
                                             {"tune", "--format", "csv", sweep},
                                             {"tune", "--bogus", sweep},
                                             {"tune", data_dir + "/sweep_few_counts.json"}}) {
    const run_result bad = run(args);
    EXPECT_EQ(bad.status, exit_bad_input) << args.back();
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  }
  EXPECT_NE(run({"--help"}).out.find("tune"), std::string::npos);
  EXPECT_NE(run({"help", "tune"}).out.find("Levenberg-Marquardt"), std::string::npos);
}

}  // namespace
}  // namespace execbench::reports
