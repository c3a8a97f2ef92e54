#include "execbench/reports/atomic_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace execbench::reports {
namespace {

namespace fs = std::filesystem;

fs::path fresh_directory(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("execbench_reports_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(write_file_atomically, writes_whole_file_and_no_temporary) {
  const fs::path dir = fresh_directory("atomic");
  const fs::path target = dir / "out.md";
  write_file_atomically(target.string(), "old");
  write_file_atomically(target.string(), "new content\n");
  std::ifstream in(target);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "new content\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(write_file_atomically, missing_directory_throws_naming_the_path) {
  const fs::path dir = fresh_directory("atomic_missing");
  const fs::path target = dir / "no" / "such" / "out.md";
  try {
    write_file_atomically(target.string(), "x");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(target));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace execbench::reports
