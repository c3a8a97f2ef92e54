#include "execbench/workloads/disk.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <set>
#include <system_error>
#include <vector>

namespace wl = execbench::workloads;

TEST(DiskFixture, CreatesAFileOfKnownContentAndRemovesIt) {
  std::filesystem::path dir, file;
  {
    wl::disk_fixture fixture(1 << 20);
    dir = fixture.directory();
    file = fixture.file();
    ASSERT_TRUE(std::filesystem::exists(file));
    EXPECT_EQ(std::filesystem::file_size(file), 1u << 20);
    const int fd = fixture.open_for_reading();
    for (auto [offset, bytes] : {std::pair<std::uint64_t, std::uint64_t>{0, 4096},
                                 {4096, 65536},
                                 {3, 5},
                                 {13, 100000},
                                 {(1 << 20) - 7, 7},
                                 {0, 1 << 20}}) {
      SCOPED_TRACE(std::to_string(offset) + "+" + std::to_string(bytes));
      const auto sum = wl::disk_read_checksum(fd, offset, bytes);
      EXPECT_EQ(sum, wl::disk_expected_checksum(offset, bytes));
      EXPECT_NE(sum + 1, wl::disk_expected_checksum(offset, bytes));
    }
    // Different ranges, different checksums.
    EXPECT_NE(wl::disk_expected_checksum(0, 4096), wl::disk_expected_checksum(4096, 4096));
    EXPECT_THROW(wl::disk_read_checksum(fd, (1 << 20) - 10, 20), std::system_error);
    close(fd);
  }
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(DiskFixture, RemoveIsIdempotent) {
  wl::disk_fixture fixture(100);
  const auto dir = fixture.directory();
  fixture.remove();
  EXPECT_FALSE(std::filesystem::exists(dir));
  fixture.remove();
}

// A freed read buffer is the next one taken on its thread when it is large enough, so that a
// steady stream of read steps allocates nothing; a larger request gets a buffer of its size.
TEST(ReadBuffer, IsReusedOnItsThreadWhenLargeEnough) {
  unsigned char* first = nullptr;
  {
    wl::read_buffer b(65536);
    first = b.data();
    first[65535] = 1;  // the whole size is usable (ASan checks)
  }
  {
    wl::read_buffer again(4096);
    EXPECT_EQ(again.data(), first);
    wl::read_buffer larger(1 << 20);
    EXPECT_NE(larger.data(), first);
    larger.data()[(1 << 20) - 1] = 1;
  }
  // Many at once, then all freed: each is still its own buffer (none handed out twice).
  std::vector<std::unique_ptr<wl::read_buffer>> held;
  std::set<unsigned char*> seen;
  for (int i = 0; i < 64; ++i) {
    held.push_back(std::make_unique<wl::read_buffer>(65536));
    EXPECT_TRUE(seen.insert(held.back()->data()).second);
  }
}
