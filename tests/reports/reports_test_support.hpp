// What several of reports_test's files share: the CLI run in-process with its output captured,
// and a rendering compared with a golden file of data/.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "execbench/reports/cli.hpp"

namespace execbench::reports::test_support {

struct run_result {
  int status;
  std::string out, err;
};

// run_cli on args, without colour; its exit status and what it wrote to stdout and stderr.
inline run_result run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int status = run_cli(args, out, err, false);
  return {status, out.str(), err.str()};
}

// actual against the golden file data/golden_name (EXECBENCH_UPDATE_GOLDEN=1 rewrites it and
// skips the test instead).
inline void expect_golden(const std::string& actual, const std::string& golden_name) {
  const std::string path = std::string(EXECBENCH_REPORTS_DATA_DIR) + "/" + golden_name;
  if (std::getenv("EXECBENCH_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << path;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path;
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "differs from " << path;
}

}  // namespace execbench::reports::test_support
