#include "execbench/reports/cli.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "reports_test_support.hpp"

namespace execbench::reports {
namespace {

const std::string data_dir = EXECBENCH_REPORTS_DATA_DIR;

using test_support::run;
using test_support::run_result;

TEST(run_cli, fail_on_regression_exit_status) {
  const std::string base = data_dir + "/base.json", next = data_dir + "/new.json";
  EXPECT_EQ(run({"compare", base, next}).status, exit_ok);
  EXPECT_EQ(run({"compare", "--fail-on-regression", base, next}).status, exit_regression);
  EXPECT_EQ(run({"compare", "--fail-on-regression", base, base}).status, exit_ok);
  // The regression is +20%: a 25% threshold lets it pass.
  EXPECT_EQ(run({"compare", "--fail-on-regression", "--threshold=25", base, next}).status, exit_ok);
}

TEST(run_cli, usage_errors_are_one_line_with_a_hint) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"compare", "--bogus", "a", "b"},
           {"compare", "--threshold", "abc", "a", "b"},
           {"compare", "--alpha=2", "a", "b"},
           {"compare", "--format", "xml", "a", "b"},
           {"compare", "only_one.json"},
           {"summary"},
       }) {
    const run_result result = run(args);
    EXPECT_EQ(result.status, exit_bad_input);
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_NE(result.err.find("--help"), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty());
  }
}

TEST(run_cli, help_lists_every_command) {
  const run_result help = run({"--help"});
  EXPECT_EQ(help.status, exit_ok);
  EXPECT_NE(help.out.find("compare"), std::string::npos);
  EXPECT_NE(help.out.find("summary"), std::string::npos);
  EXPECT_NE(help.out.find("tune"), std::string::npos);
  EXPECT_NE(run({"compare", "--help"}).out.find("--fail-on-regression"), std::string::npos);
  EXPECT_NE(run({"help", "summary"}).out.find("REPORT"), std::string::npos);
  EXPECT_NE(run({"help", "tune"}).out.find("SWEEP"), std::string::npos);
  EXPECT_EQ(run({"tune", "x.json"}).status, exit_bad_input);  // no such file
}

TEST(run_cli, pooling_syntaxes_agree) {
  const std::string part1 = data_dir + "/base_part1.json", part2 = data_dir + "/base_part2.json";
  const std::string next = data_dir + "/new.json";
  const run_result commas = run({"compare", "--format=csv", part1 + "," + part2, next});
  const run_result repeated =
      run({"compare", "--format=csv", "--base", part1, "--base", part2, "--new", next});
  EXPECT_EQ(commas.status, exit_ok);
  EXPECT_EQ(commas.out, repeated.out);
  EXPECT_NE(commas.out.find(",2,1,"), std::string::npos);  // two reports: two per-run medians
}

// On a terminal, compare colours its console table unless NO_COLOR is set to a non-empty value
// (https://no-color.org: an empty NO_COLOR does not count); --color always overrides it.
TEST(run_cli, no_color_turns_terminal_colour_off) {
  const std::vector<std::string> args = {"compare", data_dir + "/base.json",
                                         data_dir + "/new.json"};
  auto escapes_on_terminal = [&](const char* no_color, std::vector<std::string> extra = {}) {
    if (no_color)
      ::setenv("NO_COLOR", no_color, 1);
    else
      ::unsetenv("NO_COLOR");
    std::vector<std::string> all = args;
    all.insert(all.begin() + 1, extra.begin(), extra.end());
    std::ostringstream out, err;
    EXPECT_EQ(run_cli(all, out, err, true), exit_ok) << err.str();
    ::unsetenv("NO_COLOR");
    return (out.str() + err.str()).find('\x1b') != std::string::npos;
  };
  EXPECT_TRUE(escapes_on_terminal(nullptr));
  EXPECT_TRUE(escapes_on_terminal(""));
  EXPECT_FALSE(escapes_on_terminal("1"));
  EXPECT_FALSE(escapes_on_terminal("0"));  // any non-empty value
  EXPECT_FALSE(escapes_on_terminal(nullptr, {"--color", "never"}));
  EXPECT_TRUE(escapes_on_terminal("1", {"--color", "always"}));
}

}  // namespace
}  // namespace execbench::reports
