#include "execbench/workloads/tcp.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <system_error>
#include <vector>

namespace wl = execbench::workloads;

namespace {

// Drive one exchange to completion the way a blocking runtime would: poll(2) for what
// tcp_advance asks for. Bounded: a stuck exchange fails the test instead of hanging it.
bool drive(int fd, wl::tcp_exchange& ex) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    const wl::io_wait w = wl::tcp_advance(fd, ex);
    if (w == wl::io_wait::none) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    pollfd p{fd, static_cast<short>(w == wl::io_wait::readable ? POLLIN : POLLOUT), 0};
    if (poll(&p, 1, 2000) < 0) return false;
  }
}

// Wait (bounded) until the server has counted what it should: it counts on its own thread.
template <class Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    poll(nullptr, 0, 1);
  }
  return true;
}

}  // namespace

TEST(LoopbackServer, AnswersEachRequestWithTheBytesItAsksFor) {
  wl::loopback_server server;
  ASSERT_NE(server.port(), 0);
  wl::tcp_exchange ex;
  const int fd = wl::tcp_connect(server.port(), ex);
  ASSERT_GE(fd, 0);
  struct sizes {
    std::uint32_t request, response, delay_us;
  };
  // Several requests on one connection, one of them large enough to fill the socket buffers.
  const std::vector<sizes> requests = {
      {16, 1, 0}, {512, 4096, 200}, {64, 64, 0}, {3 << 20, 5 << 20, 0}, {100, 10, 1000}};
  std::uint64_t sent = 0, received = 0;
  for (const auto& r : requests) {
    wl::tcp_begin(ex, r.request, r.response, r.delay_us);
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(drive(fd, ex)) << "exchange did not complete";
    EXPECT_EQ(ex.sent, r.request);
    EXPECT_EQ(ex.received, r.response);
    // Not a timing assertion on the machine's speed: the server must not answer early.
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::microseconds(r.delay_us));
    sent += r.request;
    received += r.response;
  }
  wl::tcp_close(fd);
  // The server counts after its send returns, which may be after the client has read.
  ASSERT_TRUE(eventually([&] {
    const auto s = server.stats();
    return s.requests == requests.size() && s.bytes_sent == received;
  }));
  const auto s = server.stats();
  EXPECT_EQ(s.bytes_received, sent);
  EXPECT_EQ(s.bytes_sent, received);
  EXPECT_EQ(s.connections, 1u);
  EXPECT_EQ(s.protocol_errors, 0u);
}

TEST(LoopbackServer, ServesManyConnectionsAtOnce) {
  wl::loopback_server server;
  constexpr int n = 64;
  std::vector<int> fds(n);
  std::vector<wl::tcp_exchange> ex(n);
  std::vector<bool> done(n, false);
  for (int i = 0; i < n; ++i) {
    fds[i] = wl::tcp_connect(server.port(), ex[i]);
    wl::tcp_begin(ex[i], 128, 256 + i, 500);
  }
  // Multiplex all of them, as an event loop would.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int remaining = n;
  while (remaining > 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << remaining << " exchanges stuck";
    std::vector<pollfd> polls;
    std::vector<int> which;
    for (int i = 0; i < n; ++i) {
      if (done[i]) continue;
      const auto w = wl::tcp_advance(fds[i], ex[i]);
      if (w == wl::io_wait::none) {
        done[i] = true;
        --remaining;
        continue;
      }
      polls.push_back(
          {fds[i], static_cast<short>(w == wl::io_wait::readable ? POLLIN : POLLOUT), 0});
      which.push_back(i);
    }
    if (!polls.empty()) poll(polls.data(), polls.size(), 100);
  }
  std::uint64_t expected_sent = 0;
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(ex[i].received, 256u + i);
    expected_sent += 256 + i;
    wl::tcp_close(fds[i]);
  }
  ASSERT_TRUE(eventually(
      [&] { return server.stats().requests == n && server.stats().bytes_sent == expected_sent; }));
  EXPECT_EQ(server.stats().bytes_sent, expected_sent);
  EXPECT_EQ(server.stats().bytes_received, 128u * n);
}

TEST(LoopbackServer, DropsABadHeaderAndStopsCleanly) {
  wl::loopback_server server;
  wl::tcp_exchange ex;
  const int fd = wl::tcp_connect(server.port(), ex);
  pollfd p{fd, POLLOUT, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1);
  const char junk[16] = "not a header...";
  ASSERT_EQ(send(fd, junk, sizeof junk, MSG_NOSIGNAL), 16);
  ASSERT_TRUE(eventually([&] { return server.stats().protocol_errors == 1; }));
  wl::tcp_close(fd);
  server.stop();
  server.stop();  // idempotent
}

TEST(LoopbackServer, ConnectingToAClosedPortFails) {
  std::uint16_t port;
  {
    wl::loopback_server server;
    port = server.port();
  }
  wl::tcp_exchange ex;
  EXPECT_THROW(
      {
        const int fd = wl::tcp_connect(port, ex);
        wl::tcp_begin(ex, 16, 1, 0);
        const bool ok = drive(fd, ex);
        wl::tcp_close(fd);
        (void)ok;
      },
      std::system_error);
}
