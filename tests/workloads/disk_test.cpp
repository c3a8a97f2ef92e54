#include "execbench/workloads/disk.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

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
