// The disk step's fixture: a real file of known content in a temporary directory, created
// before a run and removed afterwards; reads are checked against the content's checksum.
//
// Content: the file's 64-bit little-endian word k is mix64(k ^ salt), so the checksum of any
// range is computable without the file. checksum(offset, bytes) = sum (mod 2^64) of
// byte[i] << (8 * (i % 8)) over the range: the sum of its words, partial words masked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace execbench::workloads {

class disk_fixture {
 public:
  // Creates a fresh directory under the system's temporary directory and writes the file.
  // Throws std::system_error on failure (nothing is left behind).
  explicit disk_fixture(std::uint64_t file_bytes);
  ~disk_fixture();
  disk_fixture(const disk_fixture&) = delete;
  disk_fixture& operator=(const disk_fixture&) = delete;

  const std::filesystem::path& directory() const noexcept { return dir_; }
  const std::filesystem::path& file() const noexcept { return file_; }
  std::uint64_t size() const noexcept { return size_; }

  // A new read-only descriptor on the file; the caller closes it. It is a duplicate of one the
  // fixture opened when it created the file, so it reads the file even if the file was removed
  // since (reads use pread: the shared offset does not matter).
  int open_for_reading() const;
  // Remove the file and its directory now (the destructor does it otherwise); idempotent.
  void remove() noexcept;

 private:
  std::filesystem::path dir_, file_;
  std::uint64_t size_ = 0;
  int read_fd_ = -1;
};

// The checksum of bytes [offset, offset + bytes) of the fixture's content.
std::uint64_t disk_expected_checksum(std::uint64_t offset, std::uint64_t bytes) noexcept;

// Read bytes [offset, offset + bytes) of fd with pread (blocking: regular files have no
// readiness) and return their checksum. Throws std::system_error on an error or a short file.
std::uint64_t disk_read_checksum(int fd, std::uint64_t offset, std::uint64_t bytes);

// The checksum of `n` bytes read from position `pos` of the fixture, held in `data` (what
// disk_read_checksum sums, for a runtime that reads the bytes itself).
std::uint64_t disk_checksum_of(const unsigned char* data, std::uint64_t pos, std::size_t n) noexcept;

// A buffer for one asynchronous read step: other reads are in flight while its bytes land, so
// each step needs its own. It is taken from, and given back to, a cache of the thread that
// frees it (a few buffers), so that at steady state a step allocates nothing: a fresh heap
// buffer per step costs, where the allocator gives the memory back between steps, page faults
// and the kernel's zeroing of every page on the thread that reads.
class read_buffer {
 public:
  explicit read_buffer(std::size_t size);
  ~read_buffer();
  read_buffer(const read_buffer&) = delete;
  read_buffer& operator=(const read_buffer&) = delete;

  unsigned char* data() noexcept { return data_.get(); }

 private:
  std::unique_ptr<unsigned char[]> data_;
  std::size_t capacity_ = 0;
};

}  // namespace execbench::workloads
