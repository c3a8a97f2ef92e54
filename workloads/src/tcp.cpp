#include "execbench/workloads/tcp.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <queue>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace execbench::workloads {

namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Payload bytes for both directions: content does not matter, only the counts do.
constexpr std::size_t chunk_bytes = 64 * 1024;
const char* zero_chunk() {
  static const std::vector<char> chunk(chunk_bytes, 'x');
  return chunk.data();
}

// The set-up the server and the client share: a non-blocking, close-on-exec TCP socket with the
// option `level`/`option` set to 1 (`what` names the caller in the error), and the address
// 127.0.0.1:port (port 0 lets bind choose an ephemeral one).
int open_tcp_socket(const char* what, int level, int option) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno(what);
  int one = 1;
  setsockopt(fd, level, option, &one, sizeof one);
  return fd;
}
sockaddr_in loopback_address(std::uint16_t port) noexcept {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

// Once per process, at its first server: a limit lowered afterwards (by the user, or by a test
// of what happens at it) is left as it is.
void raise_fd_limit() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
      lim.rlim_cur = lim.rlim_max;
      setrlimit(RLIMIT_NOFILE, &lim);
    }
  });
}

std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

// Server-side state of one connection: read a request, wait, answer, repeat.
struct connection {
  enum class phase { header, body, delayed, answering } state = phase::header;
  int fd = -1;
  std::uint32_t watching = 0;  // the epoll events asked for it now (EPOLLIN from accept on)
  tcp_request_header header{};
  std::uint32_t header_got = 0;
  std::uint64_t body_left = 0;
  std::uint64_t send_left = 0;
};

constexpr std::uint64_t listen_id = 0, wake_id = 1, timer_id = 2, first_conn_id = 3;

std::atomic<std::uint64_t> drop_after_requests{testing::never};

// accept4's errors that say nothing about the server: the next call may succeed.
bool passing_accept_error(int err) noexcept {
  return err == EINTR || err == ECONNABORTED || err == EPROTO || err == EPERM;
}

}  // namespace

void testing::drop_connections_mid_request(std::uint64_t answered) noexcept {
  drop_after_requests.store(answered, std::memory_order_relaxed);
}

void throw_if_server_failed(const loopback_server* server) {
  if (server == nullptr) return;
  if (const int err = server->accept_error(); err != 0)
    throw std::system_error(err, std::generic_category(),
                            "tcp: the loopback server cannot accept connections (accept)");
}

loopback_server::loopback_server()
    : drop_after_requests_(drop_after_requests.load(std::memory_order_relaxed)) {
  raise_fd_limit();
  listen_fd_ = open_tcp_socket("loopback_server: socket", SOL_SOCKET, SO_REUSEADDR);
  sockaddr_in addr = loopback_address(0);
  socklen_t len = sizeof addr;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
      listen(listen_fd_, SOMAXCONN) < 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) < 0) {
    int err = errno;
    close(listen_fd_);
    errno = err;
    throw_errno("loopback_server: bind/listen");
  }
  port_ = ntohs(addr.sin_port);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  // A timerfd for the answer delays: epoll_wait's millisecond timeout would add up to 1 ms.
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (wake_fd_ < 0 || epoll_fd_ < 0 || timer_fd_ < 0) {
    const int err = errno;
    close_fds();
    errno = err;
    throw_errno("loopback_server: eventfd/epoll/timerfd");
  }
  try {
    thread_ = std::thread([this] { serve(); });
  } catch (...) {
    close_fds();
    throw;
  }
}

void loopback_server::close_fds() noexcept {
  for (int* fd : {&listen_fd_, &wake_fd_, &epoll_fd_, &timer_fd_}) {
    if (*fd >= 0) close(std::exchange(*fd, -1));
  }
}

loopback_server::~loopback_server() {
  stop();
}

void loopback_server::stop() {
  if (thread_.joinable()) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  close_fds();
}

tcp_server_stats loopback_server::stats() const noexcept {
  tcp_server_stats s;
  s.connections = connections_.load(std::memory_order_relaxed);
  s.requests = requests_.load(std::memory_order_relaxed);
  s.bytes_received = received_.load(std::memory_order_relaxed);
  s.bytes_sent = sent_.load(std::memory_order_relaxed);
  s.protocol_errors = errors_.load(std::memory_order_relaxed);
  return s;
}

void loopback_server::reset_stats() noexcept {
  for (auto* c : {&connections_, &requests_, &received_, &sent_, &errors_})
    c->store(0, std::memory_order_relaxed);
}

void loopback_server::serve() {
  const int ep = epoll_fd_;
  const int timer = timer_fd_;
  auto add = [&](int fd, std::uint64_t id, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  };
  add(listen_fd_, listen_id, EPOLLIN);
  add(wake_fd_, wake_id, EPOLLIN);
  add(timer, timer_id, EPOLLIN);

  std::unordered_map<std::uint64_t, connection> conns;
  std::uint64_t next_id = first_conn_id;
  using due = std::pair<std::uint64_t, std::uint64_t>;  // (deadline ns, connection id)
  std::priority_queue<due, std::vector<due>, std::greater<>> delays;
  std::uint64_t armed_for = 0;
  std::vector<char> sink(chunk_bytes);

  // What epoll reports for a connection, changed only when it differs: a request's round trip
  // costs the server no epoll_ctl (a client sends nothing until it has its answer, so reading
  // stays watched while an answer is delayed; writing is watched only when a send would block).
  auto watch = [&](std::uint64_t id, connection& c, std::uint32_t events) {
    if (c.watching == events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
    c.watching = events;
  };
  auto drop = [&](std::uint64_t id) {
    auto it = conns.find(id);
    if (it == conns.end()) return;
    close(it->second.fd);  // closing removes it from the epoll set
    conns.erase(it);
  };
  // Send as much of the answer as the socket takes; back to reading when done.
  auto answer = [&](std::uint64_t id, connection& c) {
    while (c.send_left > 0) {
      const std::size_t n = std::min<std::uint64_t>(c.send_left, chunk_bytes);
      const ssize_t w = send(c.fd, zero_chunk(), n, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          watch(id, c, EPOLLOUT);
          return;
        }
        drop(id);
        return;
      }
      c.send_left -= static_cast<std::uint64_t>(w);
      sent_.fetch_add(static_cast<std::uint64_t>(w), std::memory_order_relaxed);
    }
    c.state = connection::phase::header;
    c.header_got = 0;
    watch(id, c, EPOLLIN);
  };
  auto request_complete = [&](std::uint64_t id, connection& c) {
    requests_.fetch_add(1, std::memory_order_relaxed);
    c.send_left = c.header.response_bytes;
    if (c.header.delay_us == 0) {
      c.state = connection::phase::answering;
      answer(id, c);
      return;
    }
    c.state = connection::phase::delayed;
    delays.emplace(now_ns() + std::uint64_t{c.header.delay_us} * 1000, id);
  };
  auto on_readable = [&](std::uint64_t id, connection& c) {
    for (;;) {
      if (c.state == connection::phase::header) {
        auto* dst = reinterpret_cast<char*>(&c.header) + c.header_got;
        const ssize_t r = recv(c.fd, dst, sizeof c.header - c.header_got, 0);
        if (r <= 0) {
          if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
          drop(id);
          return;
        }
        received_.fetch_add(static_cast<std::uint64_t>(r), std::memory_order_relaxed);
        c.header_got += static_cast<std::uint32_t>(r);
        if (c.header_got < sizeof c.header) continue;
        if (c.header.magic != tcp_request_magic || c.header.request_bytes < sizeof c.header) {
          errors_.fetch_add(1, std::memory_order_relaxed);
          drop(id);
          return;
        }
        if (requests_.load(std::memory_order_relaxed) >= drop_after_requests_) {
          drop(id);  // the fault injected by testing::drop_connections_mid_request
          return;
        }
        c.body_left = c.header.request_bytes - sizeof c.header;
        c.state = connection::phase::body;
      }
      if (c.state == connection::phase::body) {
        while (c.body_left > 0) {
          const ssize_t r =
              recv(c.fd, sink.data(), std::min<std::uint64_t>(c.body_left, sink.size()), 0);
          if (r <= 0) {
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
            drop(id);
            return;
          }
          received_.fetch_add(static_cast<std::uint64_t>(r), std::memory_order_relaxed);
          c.body_left -= static_cast<std::uint64_t>(r);
        }
        request_complete(id, c);
        return;  // one request at a time: the client waits for its answer
      }
      return;
    }
  };

  std::vector<epoll_event> events(256);
  for (bool running = true; running;) {
    // Arm the timer for the earliest pending answer.
    if (!delays.empty() && delays.top().first != armed_for) {
      armed_for = delays.top().first;
      itimerspec spec{};
      spec.it_value.tv_sec = static_cast<time_t>(armed_for / 1'000'000'000);
      spec.it_value.tv_nsec = static_cast<long>(armed_for % 1'000'000'000);
      timerfd_settime(timer, TFD_TIMER_ABSTIME, &spec, nullptr);
    }
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      const std::uint64_t id = events[i].data.u64;
      if (id == wake_id) {
        running = false;
      } else if (id == listen_id) {
        for (;;) {
          const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) {
            const int err = errno;
            if (passing_accept_error(err)) continue;
            if (err != EAGAIN && err != EWOULDBLOCK) {
              // Stop listening (see the class comment); the descriptor is closed by stop().
              accept_errno_.store(err, std::memory_order_release);
              epoll_ctl(ep, EPOLL_CTL_DEL, listen_fd_, nullptr);
              shutdown(listen_fd_, SHUT_RDWR);
            }
            break;
          }
          int one = 1;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          connection c;
          c.fd = fd;
          c.watching = EPOLLIN;
          const std::uint64_t cid = next_id++;
          conns.emplace(cid, c);
          add(fd, cid, EPOLLIN);
          connections_.fetch_add(1, std::memory_order_relaxed);
        }
      } else if (id == timer_id) {
        std::uint64_t expirations;
        [[maybe_unused]] auto r = read(timer, &expirations, sizeof expirations);
        armed_for = 0;
        const std::uint64_t now = now_ns();
        while (!delays.empty() && delays.top().first <= now) {
          const std::uint64_t cid = delays.top().second;
          delays.pop();
          auto it = conns.find(cid);
          if (it == conns.end()) continue;
          it->second.state = connection::phase::answering;
          answer(cid, it->second);
        }
      } else {
        auto it = conns.find(id);
        if (it == conns.end()) continue;
        connection& c = it->second;
        if (events[i].events & (EPOLLERR | EPOLLHUP)) {
          drop(id);
        } else if (c.state == connection::phase::answering) {
          answer(id, c);
        } else if (c.state == connection::phase::header || c.state == connection::phase::body) {
          on_readable(id, c);
        } else if (c.state == connection::phase::delayed) {
          // Readable before its answer: the client closed the connection (drop it), or sent
          // ahead of the protocol (stop reading until the answer is out, rather than spin).
          char byte;
          const ssize_t r = recv(c.fd, &byte, 1, MSG_PEEK);
          if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            drop(id);
          } else if (r > 0) {
            watch(id, c, 0);
          }
        }
      }
    }
  }
  for (auto& [cid, c] : conns) close(c.fd);
}

int tcp_connect(std::uint16_t port, tcp_exchange& ex) {
  const int fd = open_tcp_socket("tcp_connect: socket", IPPROTO_TCP, TCP_NODELAY);
  const sockaddr_in addr = loopback_address(port);
  ex.connecting = false;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
    if (errno != EINPROGRESS) {
      int err = errno;
      tcp_close(fd);
      errno = err;
      throw_errno("tcp_connect: connect");
    }
    ex.connecting = true;
  }
  return fd;
}

void tcp_begin(tcp_exchange& ex, std::uint32_t request_bytes, std::uint32_t response_bytes,
               std::uint32_t delay_us) noexcept {
  ex.request_bytes = request_bytes;
  ex.response_bytes = response_bytes;
  ex.delay_us = delay_us;
  ex.sent = 0;
  ex.received = 0;
}

io_wait tcp_advance(int fd, tcp_exchange& ex) {
  if (ex.connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) throw_errno("tcp: getsockopt");
    if (err == EINPROGRESS || err == EALREADY) return io_wait::writable;
    if (err != 0) throw std::system_error(err, std::generic_category(), "tcp: connect");
    // SO_ERROR is 0 both when connected and while still in progress: ask the peer address.
    sockaddr_in peer{};
    socklen_t plen = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) < 0) {
      if (errno == ENOTCONN) return io_wait::writable;
      throw_errno("tcp: getpeername");
    }
    ex.connecting = false;
  }
  while (ex.sent < ex.request_bytes) {
    const char* data;
    std::size_t n;
    tcp_request_header h{tcp_request_magic, ex.request_bytes, ex.response_bytes, ex.delay_us};
    if (ex.sent < sizeof h) {
      data = reinterpret_cast<const char*>(&h) + ex.sent;
      n = sizeof h - ex.sent;
    } else {
      data = zero_chunk();
      n = std::min<std::uint64_t>(ex.request_bytes - ex.sent, chunk_bytes);
    }
    const ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return io_wait::writable;
      throw_errno("tcp: send");
    }
    ex.sent += static_cast<std::uint64_t>(w);
  }
  // Per-thread scratch: the response is counted, not kept, and reading allocates nothing.
  thread_local std::unique_ptr<char[]> scratch(new char[chunk_bytes]);
  while (ex.received < ex.response_bytes) {
    const std::size_t want = std::min<std::uint64_t>(ex.response_bytes - ex.received, chunk_bytes);
    const ssize_t r = recv(fd, scratch.get(), want, 0);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return io_wait::readable;
      throw_errno("tcp: recv");
    }
    if (r == 0)
      throw std::system_error(ECONNRESET, std::generic_category(),
                              "tcp: the server closed the connection mid-response");
    ex.received += static_cast<std::uint64_t>(r);
  }
  return io_wait::none;
}

void tcp_close(int fd) noexcept {
  if (fd < 0) return;
  linger lin{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
  close(fd);
}

}  // namespace execbench::workloads
