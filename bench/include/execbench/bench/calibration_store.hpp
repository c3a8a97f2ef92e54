// Where the kernels' calibration of a run, and its host cost floors (workloads/floors.hpp), come
// from. A CPU step is a duration turned into
// iterations by the calibration, so two runs do the same work only on the same calibration:
// it is cached per machine, compiler, build type and kernel code (not per commit, so that two
// commits' builds compared on one machine do the same work), or taken from an earlier report
// (--calibration=FILE, as scripts/ab does for both of its builds), or measured anew
// (--recalibrate, or no cache yet). The floors go with the calibration: cached beside it, taken
// from the same report, measured with it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "execbench/bench/command_line.hpp"
#include "execbench/workloads/floors.hpp"
#include "execbench/workloads/kernels.hpp"

namespace execbench::bench {

// The cache file of this machine and kernel code: in $EXECBENCH_CACHE_DIR, else
// $XDG_CACHE_HOME/execbench, else ~/.cache/execbench; its name carries a hash of the key
// (host, CPU model, hardware threads, compiler, build type, kernels::kernel_code_version).
std::filesystem::path calibration_cache_file();

// The kernels' speeds (ns per iteration, by cpu_kernel) in an execbench report's context (its
// calibration_ns_per_iteration_<kernel> keys). Throws usage_error naming the file and the
// problem: missing, not a report, no calibration, a speed that is not a positive number.
workloads::kernels::kernel_speeds read_calibration_file(const std::filesystem::path& file);

// The calibration and, when the report has them, the floors of an execbench report's context
// (its "floors" key). Throws usage_error as read_calibration_file does, or for floors that do
// not read.
struct calibration_report {
  workloads::kernels::kernel_speeds speeds{};
  std::optional<workloads::host_floors> floors;
};
calibration_report read_calibration_report(const std::filesystem::path& file);

// Settles the calibration and the floors before any row runs, as the options ask:
// --calibration=FILE, else the cache unless --recalibrate, else measured now and written to the
// cache (a cache that cannot be written is a warning, not an error). A report or a cache without
// floors gets this machine's, measured now. Returns the context's calibration_source.
std::string settle_calibration(const options& opts);

}  // namespace execbench::bench
