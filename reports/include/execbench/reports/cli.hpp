#pragma once
// The execbench-report command line, as a function so that tests can run it without a process.

#include <iosfwd>
#include <string>
#include <vector>

namespace execbench::reports {

/// Exit statuses of execbench-report.
inline constexpr int exit_ok = 0;
inline constexpr int exit_regression = 1;  ///< compare --fail-on-regression found a slower row
inline constexpr int exit_bad_input = 2;   ///< bad input or usage error

/// Runs execbench-report with `args` (without the program name). `out_is_terminal` allows colour
/// on the console format when the output goes to `out`.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            bool out_is_terminal);

}  // namespace execbench::reports
