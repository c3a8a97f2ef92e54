#include "execbench/bench/context.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace execbench::bench {
namespace {

TEST(collect_context, has_every_key_of_the_report_once_and_none_empty) {
  const std::vector<std::string> expected = {"execbench_version",
                                             "git_sha",
                                             "compiler",
                                             "build_type",
                                             "boost_version",
                                             "tbb_version",
                                             "nlohmann_json_version",
                                             "benchmark_version",
                                             "kernel",
                                             "cpu_model",
                                             "hardware_concurrency",
                                             "governor",
                                             "benchmark_library_note"};
  const auto context = collect_context();
  ASSERT_EQ(context.size(), expected.size());
  for (const auto& key : expected) {
    const auto count = std::count_if(context.begin(), context.end(),
                                     [&](const context_entry& e) { return e.key == key; });
    EXPECT_EQ(count, 1) << key;
  }
  for (const auto& e : context) EXPECT_FALSE(e.value.empty()) << e.key;
}

TEST(collect_context, versions_look_like_versions) {
  for (const auto& e : collect_context()) {
    if (e.key == "benchmark_version") {
      EXPECT_EQ(e.value, "1.7.1");
    } else if (e.key == "boost_version") {
      EXPECT_EQ(e.value.find('_'), 1U) << e.value;  // e.g. 1_74
    } else if (e.key == "nlohmann_json_version") {
      EXPECT_EQ(std::count(e.value.begin(), e.value.end(), '.'), 2) << e.value;
    } else if (e.key == "hardware_concurrency") {
      EXPECT_GT(std::stoi(e.value), 0);
    }
  }
}

}  // namespace
}  // namespace execbench::bench
