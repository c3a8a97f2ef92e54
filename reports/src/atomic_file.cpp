#include "execbench/reports/atomic_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace execbench::reports {

void write_file_atomically(const std::string& path, std::string_view content) {
  // The temporary lives in the target's directory so that rename() stays within one file system.
  std::string pattern = path + ".tmp.XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) throw std::runtime_error(path + ": cannot create (" + std::strerror(errno) + ")");
  auto fail = [&](const char* what) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    ::unlink(name.data());
    throw std::runtime_error(path + ": " + what + " (" + reason + ")");
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write");
    }
    written += static_cast<std::size_t>(n);
  }
  // mkstemp creates 0600; a report is an ordinary file, readable like any other output.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  if (::fsync(fd) != 0) fail("cannot flush");
  if (::close(fd) != 0) {
    ::unlink(name.data());
    throw std::runtime_error(path + ": cannot close (" + std::strerror(errno) + ")");
  }
  if (::rename(name.data(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(name.data());
    throw std::runtime_error(path + ": cannot rename into place (" + reason + ")");
  }
}

}  // namespace execbench::reports
