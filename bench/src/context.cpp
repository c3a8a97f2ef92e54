#include "execbench/bench/context.hpp"

#include <sys/utsname.h>

#include <fstream>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>
#include <oneapi/tbb/version.h>
#include <boost/version.hpp>
#include <nlohmann/json.hpp>

namespace execbench::bench {
namespace {

std::string compiler() {
#if defined(__clang__)
  return "clang " __VERSION__;
#elif defined(__GNUC__)
  return "gcc " __VERSION__;
#else
  return "unknown";
#endif
}

std::string kernel_release() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return u.release;
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (!line.starts_with("model name")) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) break;
    const auto start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? "unknown" : line.substr(start);
  }
  return "unknown";
}

std::string governor() {
  std::ifstream file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  std::string value;
  if (!std::getline(file, value) || value.empty()) return "unknown";
  return value;
}

// The headers' version and, when it differs, the library's actually loaded.
std::string tbb_version() {
  std::string version = TBB_VERSION_STRING;
  const std::string loaded = TBB_runtime_version();
  if (!loaded.starts_with(version)) version += " (runtime " + loaded + ")";
  return version;
}

std::string nlohmann_json_version() {
  return std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
         std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
         std::to_string(NLOHMANN_JSON_VERSION_PATCH);
}

}  // namespace

std::vector<context_entry> collect_context() {
  const unsigned threads = std::thread::hardware_concurrency();
  return {
      {"execbench_version", EXECBENCH_VERSION},
      {"git_sha", EXECBENCH_GIT_SHA},
      {"compiler", compiler()},
      {"build_type", EXECBENCH_BUILD_TYPE},
      {"boost_version", BOOST_LIB_VERSION},
      {"tbb_version", tbb_version()},
      {"nlohmann_json_version", nlohmann_json_version()},
      {"benchmark_version", EXECBENCH_BENCHMARK_VERSION},
      {"kernel", kernel_release()},
      {"cpu_model", cpu_model()},
      {"hardware_concurrency", threads == 0 ? "unknown" : std::to_string(threads)},
      {"governor", governor()},
      // Google Benchmark's own "library_build_type" describes the harness library, which Debian
      // builds without NDEBUG; readers of a report should not mistake it for the measured code.
      {"benchmark_library_note",
       "library_build_type is how libbenchmark itself was compiled (Debian's 1.7.1 package: "
       "\"debug\"); it times the loop but runs none of the measured code, which is built as "
       "build_type"},
  };
}

void add_context_to_report() {
  for (const auto& entry : collect_context()) benchmark::AddCustomContext(entry.key, entry.value);
}

}  // namespace execbench::bench
