#pragma once
// Output files appear whole or not at all: a reader never sees half a report.

#include <string>
#include <string_view>

namespace execbench::reports {

/// Writes `content` to a temporary file beside `path`, flushes it, then renames it over `path`.
/// Throws std::runtime_error naming `path` on failure, leaving no temporary file behind.
void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace execbench::reports
