#include "execbench/bench/command_line.hpp"

#include <array>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "execbench/bench/measurement.hpp"

namespace execbench::bench {
namespace {

// argv as main receives it, over strings the test owns.
struct fake_argv {
  explicit fake_argv(std::vector<std::string> args) : storage(std::move(args)) {
    for (auto& a : storage) pointers.push_back(a.data());
    pointers.push_back(nullptr);
    argc = static_cast<int>(storage.size());
  }
  std::vector<std::string> remaining() const { return {pointers.begin(), pointers.begin() + argc}; }
  std::vector<std::string> storage;
  std::vector<char*> pointers;
  int argc = 0;
};

TEST(take_options, removes_own_flags_and_keeps_the_rest_in_order) {
  fake_argv args({"execbench", "--benchmark_filter=x", "--runtimes=loop,asio", "--workers=1,4",
                  "--workload=w.json", "--benchmark_min_time=0.01", "--workload=v.json"});
  const auto opts = take_options(args.argc, args.pointers.data());
  EXPECT_EQ(opts.runtimes, (std::vector<std::string>{"loop", "asio"}));
  EXPECT_EQ(opts.workers, (std::vector<std::size_t>{1, 4}));
  EXPECT_EQ(opts.workloads, (std::vector<std::string>{"w.json", "v.json"}));
  EXPECT_EQ(args.remaining(), (std::vector<std::string>{"execbench", "--benchmark_filter=x",
                                                        "--benchmark_min_time=0.01"}));
  EXPECT_EQ(args.pointers[static_cast<std::size_t>(args.argc)], nullptr);
}

TEST(take_options, leaves_similar_looking_flags_for_google_benchmark_to_reject) {
  fake_argv args({"execbench", "--workersx=1", "--runtime=loop"});
  const auto opts = take_options(args.argc, args.pointers.data());
  EXPECT_TRUE(opts.workers.empty());
  EXPECT_TRUE(opts.runtimes.empty());
  EXPECT_EQ(args.argc, 3);
}

TEST(take_options, rejects_a_flag_without_value) {
  fake_argv args({"execbench", "--workers"});
  EXPECT_THROW(take_options(args.argc, args.pointers.data()), usage_error);
  fake_argv empty({"execbench", "--runtimes="});
  EXPECT_THROW(take_options(empty.argc, empty.pointers.data()), usage_error);
  fake_argv empty_name({"execbench", "--runtimes=loop,,asio"});
  EXPECT_THROW(take_options(empty_name.argc, empty_name.pointers.data()), usage_error);
}

TEST(parse_worker_list, accepts_positive_distinct_counts) {
  EXPECT_EQ(parse_worker_list("1"), (std::vector<std::size_t>{1}));
  EXPECT_EQ(parse_worker_list("64,1,2"), (std::vector<std::size_t>{64, 1, 2}));
}

TEST(parse_worker_list, rejects_what_is_not_a_list_of_counts) {
  for (const std::string_view bad : {"x", "", "0", "1,", ",1", "1,,2", "-1", "1.5", "2,2", "1 ,2",
                                     "99999999999999999999999", "1025"}) {
    EXPECT_THROW(parse_worker_list(bad), usage_error) << bad;
  }
}

TEST(parse_worker_list, message_names_the_bad_item_on_one_line) {
  try {
    parse_worker_list("1,x");
    FAIL() << "no exception";
  } catch (const usage_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'x'"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(check_runtime_names, names_the_unknown_one_and_lists_the_valid_ones) {
  constexpr std::array<std::string_view, 2> known = {"loop", "asio"};
  EXPECT_NO_THROW(check_runtime_names({"asio"}, known));
  EXPECT_NO_THROW(check_runtime_names({}, known));
  try {
    check_runtime_names({"loop", "nope"}, known);
    FAIL() << "no exception";
  } catch (const usage_error& e) {
    EXPECT_STREQ(e.what(), "--runtimes: unknown runtime 'nope' (valid: loop, asio)");
  }
}

TEST(wants_runtime, all_when_none_named) {
  options opts;
  EXPECT_TRUE(wants_runtime(opts, "loop"));
  opts.runtimes = {"asio"};
  EXPECT_FALSE(wants_runtime(opts, "loop"));
  EXPECT_TRUE(wants_runtime(opts, "asio"));
}

TEST(own_flags_help, names_every_flag_and_the_runtimes_with_their_traits) {
  const std::array<runtime_entry, 2> known = {
      runtime_entry{"one", {.threads = rt::thread_model::single_loop, .fixed_workers = 1}},
      runtime_entry{"many", {.threads = rt::thread_model::blocking, .thread_per_post = true}}};
  const auto help = own_flags_help(known);
  // The help with its wrapped lines joined again.
  const auto joined = std::regex_replace(help, std::regex("\n {19}"), " ");
  for (const std::string_view expected :
       {"--runtimes=a,b", "--workers=LIST", "--workload=FILE", "one, many\n",
        "  one              one loop thread;", "(rows at workers:1 only)",
        "  many             N threads; every wait", "a thread per task and per post"}) {
    EXPECT_NE(joined.find(expected), std::string::npos) << expected;
  }
  // Wrapped as the rest of the help is, at 95 columns.
  std::size_t start = 0;
  for (std::size_t end; (end = help.find('\n', start)) != std::string::npos; start = end + 1) {
    EXPECT_LE(end - start, 95U) << help.substr(start, end - start);
  }
}

}  // namespace
TEST(take_options, takes_the_measurement_flags_and_notes_google_benchmarks_own) {
  fake_argv args({"execbench", "--quick", "--calibration=r.json", "--benchmark_repetitions=9",
                  "--benchmark_enable_random_interleaving=false"});
  const auto opts = take_options(args.argc, args.pointers.data());
  EXPECT_TRUE(opts.quick);
  EXPECT_EQ(opts.calibration, "r.json");
  EXPECT_FALSE(opts.recalibrate);
  EXPECT_TRUE(opts.gives_repetitions);
  EXPECT_EQ(opts.repetitions_given, 9);
  EXPECT_TRUE(opts.gives_interleaving);
  EXPECT_FALSE(opts.gives_min_time);
  EXPECT_EQ(args.remaining(),
            (std::vector<std::string>{"execbench", "--benchmark_repetitions=9",
                                      "--benchmark_enable_random_interleaving=false"}));
}

TEST(take_options, refuses_recalibrate_beside_a_given_calibration) {
  fake_argv args({"execbench", "--recalibrate", "--calibration=r.json"});
  EXPECT_THROW(take_options(args.argc, args.pointers.data()), usage_error);
}

TEST(take_options, takes_metg_and_its_files) {
  fake_argv plain({"execbench", "--metg", "--metg-threshold=0.25"});
  const auto builtin = take_options(plain.argc, plain.pointers.data());
  EXPECT_TRUE(builtin.metg);
  EXPECT_TRUE(builtin.metg_files.empty());
  EXPECT_DOUBLE_EQ(builtin.metg_threshold, 0.25);
  fake_argv files({"execbench", "--metg=a.json", "--metg=b.json", "--runtimes=loop"});
  const auto opts = take_options(files.argc, files.pointers.data());
  EXPECT_TRUE(opts.metg);
  EXPECT_EQ(opts.metg_files, (std::vector<std::string>{"a.json", "b.json"}));
  EXPECT_EQ(files.remaining(), (std::vector<std::string>{"execbench"}));
}

TEST(measurement_flags, default_suite_repeats_every_row_in_random_interleaving) {
  options opts;
  EXPECT_EQ(measurement_flags(opts),
            (std::vector<std::string>{"--benchmark_repetitions=3", "--benchmark_min_time=0.05",
                                      "--benchmark_enable_random_interleaving=true"}));
  opts.quick = true;
  EXPECT_EQ(measurement_flags(opts).front(), "--benchmark_repetitions=1");
  EXPECT_NE(measurement_summary(opts).find("quick"), std::string::npos);
}

TEST(measurement_flags, each_flag_the_user_gives_replaces_only_its_own_default) {
  options opts;
  opts.gives_repetitions = true;
  opts.repetitions_given = 9;
  opts.gives_interleaving = true;
  EXPECT_EQ(measurement_flags(opts), (std::vector<std::string>{"--benchmark_min_time=0.05"}));
  EXPECT_EQ(repetitions_of(opts), 9);
}

}  // namespace execbench::bench
