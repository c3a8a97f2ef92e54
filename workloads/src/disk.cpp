#include "execbench/workloads/disk.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "execbench/workloads/random.hpp"

namespace execbench::workloads {

namespace {

constexpr std::uint64_t content_salt = 0x5851f42d4c957f2dULL;
constexpr std::size_t io_chunk = 256 * 1024;

std::uint64_t word_at(std::uint64_t k) noexcept {
  return mix64(k ^ content_salt);
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Checksum contribution of `n` bytes at absolute position `pos` held in `data`.
std::uint64_t checksum_bytes(const unsigned char* data, std::uint64_t pos, std::size_t n) noexcept {
  std::uint64_t sum = 0;
  std::size_t i = 0;
  // Leading bytes up to a word boundary, then whole words, then the tail.
  for (; i < n && (pos + i) % 8 != 0; ++i) sum += std::uint64_t{data[i]} << (8 * ((pos + i) % 8));
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, data + i, 8);
    sum += w;
  }
  for (; i < n; ++i) sum += std::uint64_t{data[i]} << (8 * ((pos + i) % 8));
  return sum;
}

}  // namespace

static_assert(std::endian::native == std::endian::little, "the disk content is little-endian");

disk_fixture::disk_fixture(std::uint64_t file_bytes) : size_(file_bytes) {
  std::string pattern = (std::filesystem::temp_directory_path() / "execbench-disk-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw_errno("disk_fixture: mkdtemp " + pattern);
  dir_ = pattern;
  file_ = dir_ / "data.bin";
  const int fd = open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    remove();
    errno = err;
    throw_errno("disk_fixture: create " + file_.string());
  }
  read_fd_ = open(file_.c_str(), O_RDONLY | O_CLOEXEC);
  if (read_fd_ < 0) {
    int err = errno;
    close(fd);
    remove();
    errno = err;
    throw_errno("disk_fixture: open " + file_.string());
  }
  std::vector<std::uint64_t> chunk(io_chunk / 8);
  std::uint64_t written = 0;
  while (written < size_) {
    const std::uint64_t first_word = written / 8;
    for (std::size_t j = 0; j < chunk.size(); ++j) chunk[j] = word_at(first_word + j);
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(io_chunk, size_ - written));
    std::size_t done = 0;
    while (done < n) {
      const ssize_t w = write(fd, reinterpret_cast<const char*>(chunk.data()) + done, n - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        close(fd);
        close(read_fd_);
        remove();
        errno = err;
        throw_errno("disk_fixture: write " + file_.string());
      }
      done += static_cast<std::size_t>(w);
    }
    written += n;
  }
  close(fd);
}

disk_fixture::~disk_fixture() {
  if (read_fd_ >= 0) close(read_fd_);
  remove();
}

void disk_fixture::remove() noexcept {
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  dir_.clear();
}

int disk_fixture::open_for_reading() const {
  const int fd = fcntl(read_fd_, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) throw_errno("disk_fixture: open " + file_.string());
  return fd;
}

std::uint64_t disk_expected_checksum(std::uint64_t offset, std::uint64_t bytes) noexcept {
  std::uint64_t sum = 0;
  const std::uint64_t end = offset + bytes;
  std::uint64_t pos = offset;
  // Partial first word: only its bytes from `pos`, shifted into their positions.
  while (pos < end) {
    const std::uint64_t k = pos / 8;
    const std::uint64_t word = word_at(k);
    const unsigned lo = static_cast<unsigned>(pos % 8);
    const unsigned hi = static_cast<unsigned>(std::min<std::uint64_t>(8, end - k * 8));
    if (lo == 0 && hi == 8) {
      sum += word;
    } else {
      for (unsigned b = lo; b < hi; ++b) sum += ((word >> (8 * b)) & 0xff) << (8 * b);
    }
    pos = k * 8 + 8;
  }
  return sum;
}

std::uint64_t disk_checksum_of(const unsigned char* data, std::uint64_t pos, std::size_t n) noexcept {
  return checksum_bytes(data, pos, n);
}

std::uint64_t disk_read_checksum(int fd, std::uint64_t offset, std::uint64_t bytes) {
  // Per-thread buffer: the task path allocates once per thread, not per read.
  thread_local std::unique_ptr<unsigned char[]> buffer(new unsigned char[io_chunk]);
  std::uint64_t sum = 0, pos = offset;
  const std::uint64_t end = offset + bytes;
  while (pos < end) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(io_chunk, end - pos));
    const ssize_t r = pread(fd, buffer.get(), want, static_cast<off_t>(pos));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw_errno("disk read");
    }
    if (r == 0)
      throw std::system_error(EIO, std::generic_category(),
                              "disk read: file shorter than expected");
    sum += checksum_bytes(buffer.get(), pos, static_cast<std::size_t>(r));
    pos += static_cast<std::uint64_t>(r);
  }
  return sum;
}

namespace {

struct cached_buffer {
  std::unique_ptr<unsigned char[]> data;
  std::size_t capacity;
};

// Enough for the reads one thread has in flight at once in the presets (16); beyond it a freed
// buffer goes back to the allocator.
constexpr std::size_t read_buffer_cache_size = 32;

std::vector<cached_buffer>& read_buffer_cache() {
  thread_local std::vector<cached_buffer> cache;
  return cache;
}

}  // namespace

read_buffer::read_buffer(std::size_t size) {
  auto& cache = read_buffer_cache();
  if (!cache.empty() && cache.back().capacity >= size) {
    data_ = std::move(cache.back().data);
    capacity_ = cache.back().capacity;
    cache.pop_back();
    return;
  }
  data_ = std::make_unique_for_overwrite<unsigned char[]>(size);
  capacity_ = size;
}

read_buffer::~read_buffer() {
  if (data_ == nullptr) return;
  auto& cache = read_buffer_cache();
  if (cache.size() >= read_buffer_cache_size) return;
  try {
    if (cache.capacity() < read_buffer_cache_size) cache.reserve(read_buffer_cache_size);
  } catch (...) {
    return;  // no memory for the cache: the buffer goes back to the allocator
  }
  cache.push_back(cached_buffer{std::move(data_), capacity_});
}

}  // namespace execbench::workloads
