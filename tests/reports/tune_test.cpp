#include "execbench/reports/tune.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
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
  for (const char* key : {"workload", "runtime", "recommended_workers", "best_workers",
                          "goetz_workers", "n_star", "sigma", "kappa", "lambda", "r2", "reliable",
                          "recommended_throughput", "recommended_lat_p99_us", "reasons", "points"})
    EXPECT_TRUE(document["results"][0].contains(key)) << key;
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
  EXPECT_NE(console.out.find("cpu_spin / thread_pool: 2 workers"), std::string::npos);
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
