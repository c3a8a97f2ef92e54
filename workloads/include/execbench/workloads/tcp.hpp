// The tcp step's two ends, independent of any runtime.
//
// loopback_server: an in-process server on 127.0.0.1 (ephemeral port) with its own epoll
// thread. Each request starts with a 16-byte header saying what it wants (its own size, the
// response size, the delay), so that one server serves every tcp step of every workload; it
// answers after the delay with that many bytes and counts what it received and sent.
//
// The client side is plain functions over a non-blocking socket: tcp_advance() does as much as
// it can without blocking and says what to wait for next. A runtime then awaits readable(fd) or
// writable(fd) and calls it again, so the one step program serves every runtime.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace execbench::workloads {

// Wire format of a request's first 16 bytes (host byte order: both ends are this process).
struct tcp_request_header {
  std::uint32_t magic;           // tcp_request_magic
  std::uint32_t request_bytes;   // whole request, header included (>= 16)
  std::uint32_t response_bytes;  // what the server answers with (>= 1)
  std::uint32_t delay_us;        // how long the server waits before answering
};
static_assert(sizeof(tcp_request_header) == 16);
inline constexpr std::uint32_t tcp_request_magic = 0x52425845;  // "EXBR"

struct tcp_server_stats {
  std::uint64_t connections = 0;
  std::uint64_t requests = 0;  // complete requests answered
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t protocol_errors = 0;  // requests with a bad header (connection dropped)
};

// When the server cannot accept a connection (accept4 fails with anything but a passing error:
// EMFILE "Too many open files" at the process's descriptor limit, ENFILE, ENOBUFS, ENOMEM),
// the descriptor-limit errors would leave the connection in the listen queue, readable for
// ever: the server would spin on it and its client would wait for an answer that never comes.
// So it stops listening instead (shutdown of the listening socket resets every connection still
// queued) and keeps the reason, accept_error(): the clients' steps fail at once, and name it.
class loopback_server {
 public:
  // Binds 127.0.0.1 on an ephemeral port and starts the server thread. The first server of the
  // process raises its open-file soft limit to the hard limit: thousands of connections may be
  // open at once.
  // Throws std::system_error when the socket, its epoll set or its timer cannot be set up.
  loopback_server();
  ~loopback_server();
  loopback_server(const loopback_server&) = delete;
  loopback_server& operator=(const loopback_server&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  // Stop the thread and close every connection; idempotent.
  void stop();
  tcp_server_stats stats() const noexcept;
  void reset_stats() noexcept;
  // Why the server stopped accepting connections (the errno of accept4), 0 while it accepts.
  int accept_error() const noexcept { return accept_errno_.load(std::memory_order_acquire); }

 private:
  void serve();
  void close_fds() noexcept;

  int listen_fd_ = -1;
  int wake_fd_ = -1;
  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  std::uint16_t port_ = 0;
  std::uint64_t drop_after_requests_;  // testing::drop_connections_mid_request
  std::thread thread_;
  std::atomic<std::uint64_t> connections_{0}, requests_{0}, received_{0}, sent_{0}, errors_{0};
  std::atomic<int> accept_errno_{0};
};

// Test-only fault injection into the loopback server, to test how a run survives a server that
// misbehaves. Each server reads the setting once, when it is built (a row builds its fixtures
// before it runs); production code never sets it.
namespace testing {
inline constexpr std::uint64_t never = ~std::uint64_t{0};
// Servers built from now on answer `answered` requests (their stats' request count, every
// connection together), then close each connection as soon as they have read the header of
// its next request, without answering: the client sees the connection end mid-request.
// drop_connections_mid_request(never) restores normal service.
void drop_connections_mid_request(std::uint64_t answered) noexcept;
}  // namespace testing

// What a non-blocking operation waits for next; `none` when it is complete.
enum class io_wait : std::uint8_t { none, readable, writable };

// The state of one request/response exchange on a connection.
struct tcp_exchange {
  std::uint32_t request_bytes = 0;
  std::uint32_t response_bytes = 0;
  std::uint32_t delay_us = 0;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  bool connecting = false;  // set by tcp_connect when the connect is still in progress
};

// A non-blocking TCP socket connecting to 127.0.0.1:port (TCP_NODELAY). When the connect is
// still in progress, ex.connecting is set and tcp_advance finishes it. Throws std::system_error.
int tcp_connect(std::uint16_t port, tcp_exchange& ex);

// Prepare ex for a new request on an open connection (keeps `connecting`).
void tcp_begin(tcp_exchange& ex, std::uint32_t request_bytes, std::uint32_t response_bytes,
               std::uint32_t delay_us) noexcept;

// Progress the exchange on non-blocking fd: connect, send the request, read the response.
// Returns what to wait for before calling again, or io_wait::none when the whole response
// has arrived. Throws std::system_error on a socket error or an early end of stream.
io_wait tcp_advance(int fd, tcp_exchange& ex);

// A client's socket error, restated with the server's reason when the server (of `server`)
// stopped accepting connections: "tcp: the loopback server cannot accept connections (accept):
// Too many open files" rather than the "Connection reset by peer" its client saw. Otherwise
// nothing (the caller rethrows its own error).
void throw_if_server_failed(const loopback_server* server);

// Close without TIME_WAIT (an abortive close): a benchmark opens many short connections and
// must not run out of ephemeral ports.
void tcp_close(int fd) noexcept;

}  // namespace execbench::workloads
