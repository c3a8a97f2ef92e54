// The presets: workload files shipped in workloads/presets/, in the format a user writes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "execbench/workloads/spec.hpp"

namespace execbench::workloads {

// Where the presets are read from: $EXECBENCH_PRESETS_DIR when set, else the source tree's
// workloads/presets when it is there, else where `cmake --install` puts them under the
// configured prefix (both fixed at build time; an installed package's config gives the place
// it was installed to as execbench_PRESETS_DIR).
std::filesystem::path preset_directory();

// The preset names (file names without .json), sorted.
std::vector<std::string> preset_names();

// Load one preset by name; an unknown name is a workload_error listing the known ones.
workload_spec load_preset(std::string_view name);

}  // namespace execbench::workloads
