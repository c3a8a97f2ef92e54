#include "execbench/workloads/presets.hpp"

#include <algorithm>
#include <cstdlib>

namespace execbench::workloads {

std::filesystem::path preset_directory() {
  if (const char* dir = std::getenv("EXECBENCH_PRESETS_DIR"); dir && *dir) return dir;
  std::error_code ec;
  if (std::filesystem::is_directory(EXECBENCH_PRESETS_SOURCE_DIR, ec)) {
    return EXECBENCH_PRESETS_SOURCE_DIR;
  }
  return EXECBENCH_PRESETS_INSTALL_DIR;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(preset_directory(), ec))
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

workload_spec load_preset(std::string_view name) {
  const auto names = preset_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw workload_error("unknown preset \"" + std::string(name) + "\" in " +
                         preset_directory().string() + " (known: " + known + ")");
  }
  return load_workload(preset_directory() / (std::string(name) + ".json"));
}

}  // namespace execbench::workloads
