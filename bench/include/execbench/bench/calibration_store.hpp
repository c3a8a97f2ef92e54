// Where the kernels' calibration of a run comes from. A CPU step is a duration turned into
// iterations by the calibration, so two runs do the same work only on the same calibration:
// it is cached per machine, compiler, build type and kernel code (not per commit, so that two
// commits' builds compared on one machine do the same work), or taken from an earlier report
// (--calibration=FILE, as scripts/ab does for both of its builds), or measured anew
// (--recalibrate, or no cache yet).
#pragma once

#include <filesystem>
#include <string>

#include "execbench/bench/command_line.hpp"
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

// Settles the calibration before any row runs, as the options ask: --calibration=FILE, else
// the cache unless --recalibrate, else measured now and written to the cache (a cache that
// cannot be written is a warning, not an error). Returns the context's calibration_source.
std::string settle_calibration(const options& opts);

}  // namespace execbench::bench
