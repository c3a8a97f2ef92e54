#include "execbench/workloads/floors.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "execbench/reports/floor_names.hpp"
#include "execbench/workloads/random.hpp"

namespace execbench::workloads {
namespace {

constexpr unsigned batches = 5;
constexpr std::size_t small_bytes = 64;
constexpr std::size_t large_bytes = 16 * 1024;
constexpr std::size_t disk_block = 64 * 1024;
constexpr std::size_t disk_file_bytes = 4 * 1024 * 1024;

double thread_cpu_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

double wall_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// The median, min and max of `batches` figures, each made by `one_batch` (µs per operation).
floor_estimate estimate(const std::function<double()>& one_batch) {
  std::vector<double> v;
  v.reserve(batches);
  one_batch();  // warm-up: first-touch costs are not the floor
  for (unsigned i = 0; i < batches; ++i) v.push_back(one_batch());
  std::sort(v.begin(), v.end());
  return floor_estimate{v[v.size() / 2], v.front(), v.back(), batches};
}

class fd {
 public:
  explicit fd(int f = -1) noexcept : f_(f) {}
  fd(fd&& o) noexcept : f_(std::exchange(o.f_, -1)) {}
  fd& operator=(fd&&) = delete;
  ~fd() {
    if (f_ >= 0) close(f_);
  }
  int get() const noexcept { return f_; }

 private:
  int f_;
};

void send_all(int s, const unsigned char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t k = send(s, data, n, MSG_NOSIGNAL);
    if (k < 0) {
      if (errno == EINTR) continue;
      throw_errno("send");
    }
    data += k;
    n -= static_cast<std::size_t>(k);
  }
}

void recv_all(int s, unsigned char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t k = recv(s, data, n, 0);
    if (k < 0) {
      if (errno == EINTR) continue;
      throw_errno("recv");
    }
    if (k == 0) throw std::runtime_error("the peer closed the connection");
    data += k;
    n -= static_cast<std::size_t>(k);
  }
}

// A connected loopback TCP pair, Nagle off at both ends, as the workloads' connections are.
struct tcp_pair {
  fd client, server;
};

tcp_pair connect_loopback() {
  fd listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) throw_errno("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw_errno("bind 127.0.0.1");
  if (listen(listener.get(), 1) != 0) throw_errno("listen");
  if (getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw_errno("getsockname");
  fd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (client.get() < 0) throw_errno("socket");
  if (connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw_errno("connect 127.0.0.1");
  tcp_pair p{std::move(client), fd(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC))};
  if (p.server.get() < 0) throw_errno("accept");
  const int one = 1;
  setsockopt(p.client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(p.server.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return p;
}

// CPU µs per round trip of `bytes` each way, on this thread.
floor_estimate tcp_round_trips(const tcp_pair& p, std::size_t bytes, unsigned per_batch) {
  std::vector<unsigned char> out(bytes, 0x5a), in(bytes);
  return estimate([&] {
    const double t0 = thread_cpu_ns();
    for (unsigned i = 0; i < per_batch; ++i) {
      send_all(p.client.get(), out.data(), bytes);
      recv_all(p.server.get(), in.data(), bytes);
      send_all(p.server.get(), in.data(), bytes);
      recv_all(p.client.get(), in.data(), bytes);
    }
    return (thread_cpu_ns() - t0) / 1e3 / per_batch;
  });
}

void measure_tcp(host_floors& f) {
  const tcp_pair p = connect_loopback();
  const floor_estimate small = tcp_round_trips(p, small_bytes, 400);
  const floor_estimate large = tcp_round_trips(p, large_bytes, 100);
  f.tcp_round_trip_us = small;
  // The slope over the extra KiB both ways; its spread from the extremes of the two.
  const double kib = 2.0 * static_cast<double>(large_bytes - small_bytes) / 1024;
  const auto slope = [&](double l, double s) { return std::max(0.0, (l - s) / kib); };
  f.tcp_us_per_kib = floor_estimate{slope(large.median, small.median), slope(large.low, small.high),
                                    slope(large.high, small.low), batches};
}

void measure_disk(host_floors& f) {
  namespace fs = std::filesystem;
  fs::path dir;
  try {
    dir = fs::temp_directory_path();
  } catch (const fs::filesystem_error& e) {
    const char* tmpdir = std::getenv("TMPDIR");
    throw std::runtime_error(std::string("no temporary directory") +
                             (tmpdir != nullptr ? std::string(" ($TMPDIR ") + tmpdir + ")" : "") +
                             ": " + e.code().message());
  }
  const fs::path file = dir / ("execbench-floor-" + std::to_string(getpid()));
  fd w(open(file.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600));
  if (w.get() < 0) throw_errno(("create " + file.string()).c_str());
  unlink(file.c_str());  // the descriptor keeps it until the end
  std::vector<unsigned char> block(disk_block);
  for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<unsigned char>(i * 131);
  for (std::size_t off = 0; off < disk_file_bytes; off += disk_block) {
    if (pwrite(w.get(), block.data(), block.size(), static_cast<off_t>(off)) !=
        static_cast<ssize_t>(block.size()))
      throw_errno("write the floor's file");
  }
  const std::size_t blocks = disk_file_bytes / disk_block;
  rng random(7);
  auto read_blocks = [&](unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
      const auto off = static_cast<off_t>(random.below(blocks) * disk_block);
      if (pread(w.get(), block.data(), block.size(), off) != static_cast<ssize_t>(block.size()))
        throw_errno("read the floor's file");
    }
  };
  read_blocks(static_cast<unsigned>(blocks) * 2);  // every block into the page cache
  constexpr unsigned per_batch = 200;
  f.disk_read_us_per_kib = estimate([&] {
    const double t0 = thread_cpu_ns();
    read_blocks(per_batch);
    return (thread_cpu_ns() - t0) / 1e3 / per_batch / (disk_block / 1024.0);
  });
}

void measure_timer(host_floors& f) {
  const int old_slack = prctl(PR_GET_TIMERSLACK);
  prctl(PR_SET_TIMERSLACK, 1UL);
  constexpr unsigned per_batch = 20;
  constexpr double sleep_ns = 100e3;
  f.timer_wake_us = estimate([&] {
    double over = 0;
    for (unsigned i = 0; i < per_batch; ++i) {
      const double t0 = wall_ns();
      const timespec ts{0, static_cast<long>(sleep_ns)};
      clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, nullptr);
      over += wall_ns() - t0 - sleep_ns;
    }
    return over / 1e3 / per_batch;
  });
  if (old_slack > 0) prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(old_slack));
}

void measure_thread_wake(host_floors& f) {
  // ping counts as a semaphore, so that after a failed write here the echo thread can be given
  // its remaining rounds at once and always ends.
  fd ping(eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE)), pong(eventfd(0, EFD_CLOEXEC));
  if (ping.get() < 0 || pong.get() < 0) throw_errno("eventfd");
  constexpr unsigned per_batch = 200;
  const unsigned total = per_batch * (batches + 1);  // estimate()'s warm-up batch too
  std::thread echo([&] {
    std::uint64_t v;
    for (unsigned i = 0; i < total; ++i) {
      if (read(ping.get(), &v, sizeof v) != sizeof v) return;
      v = 1;
      if (write(pong.get(), &v, sizeof v) != sizeof v) return;
    }
  });
  unsigned done = 0;
  bool failed = false;
  f.thread_wake_us = estimate([&] {
    const double t0 = wall_ns();
    for (unsigned i = 0; i < per_batch && !failed; ++i, ++done) {
      std::uint64_t v = 1;
      failed =
          write(ping.get(), &v, sizeof v) != sizeof v || read(pong.get(), &v, sizeof v) != sizeof v;
    }
    return (wall_ns() - t0) / 1e3 / per_batch / 2;  // a round trip is two wakes
  });
  if (failed) {
    const std::uint64_t rest = total - done + 1;  // one more than it may lack: it stops at total
    [[maybe_unused]] const auto w = write(ping.get(), &rest, sizeof rest);
  }
  echo.join();
  if (failed) {
    f.thread_wake_us.reset();
    throw std::runtime_error("eventfd ping-pong failed");
  }
}

void measure_thread_start(host_floors& f) {
  constexpr unsigned per_batch = 40;
  f.thread_start_us = estimate([&] {
    const double t0 = wall_ns();
    for (unsigned i = 0; i < per_batch; ++i) std::thread([] {}).join();
    return (wall_ns() - t0) / 1e3 / per_batch;
  });
}

// Runs one floor's measurement; its failure is recorded as the floor's reason.
void attempt(host_floors& f, const char* name, void (*measure)(host_floors&)) {
  try {
    measure(f);
  } catch (const std::exception& e) {
    f.missing[name] = e.what();
  }
}

nlohmann::json to_json(const floor_estimate& e) {
  return {{"median", e.median}, {"low", e.low}, {"high", e.high}, {"n", e.n}};
}

floor_estimate estimate_from(const nlohmann::json& j, const std::string& name) {
  floor_estimate e;
  try {
    e.median = j.at("median").get<double>();
    e.low = j.at("low").get<double>();
    e.high = j.at("high").get<double>();
    e.n = j.at("n").get<unsigned>();
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error("floor \"" + name + "\" lacks a number median, low, high or n");
  }
  if (!(e.low >= 0 && e.low <= e.median && e.median <= e.high) || e.n == 0)
    throw std::runtime_error("floor \"" + name + "\" is not 0 <= low <= median <= high with n > 0");
  return e;
}

// The floors by their names in the context.
struct floor_field {
  const char* name;
  std::optional<floor_estimate> host_floors::*member;
};
constexpr floor_field fields[] = {
    {"tcp_round_trip_us", &host_floors::tcp_round_trip_us},
    {"tcp_us_per_kib", &host_floors::tcp_us_per_kib},
    {"disk_read_us_per_kib", &host_floors::disk_read_us_per_kib},
    {"timer_wake_us", &host_floors::timer_wake_us},
    {"thread_wake_us", &host_floors::thread_wake_us},
    {"thread_start_us", &host_floors::thread_start_us},
};

// The report's list of floors (floor_names.hpp) is this table's, name for name and in order.
constexpr bool fields_match_report_names() {
  if (std::size(fields) != std::size(reports::floor_names)) return false;
  for (std::size_t i = 0; i < std::size(fields); ++i)
    if (std::string_view(fields[i].name) != reports::floor_names[i].key) return false;
  return true;
}
static_assert(fields_match_report_names(),
              "floors.cpp's fields differ from reports/floor_names.hpp: change both");

host_floors& floors_in_use() {
  static host_floors f;
  return f;
}

}  // namespace

double host_floors::step_floor_ns(const planned_step& s) const noexcept {
  switch (traits_of(s.op).floor) {
    case host_floor::none:
      return 0;
    case host_floor::tcp_round_trip: {
      if (!tcp_round_trip_us) return 0;
      const double bytes = static_cast<double>(s.size) + static_cast<double>(s.size2);
      const double extra_kib = std::max(0.0, bytes - 2.0 * small_bytes) / 1024;
      const double slope = tcp_us_per_kib ? tcp_us_per_kib->low : 0;
      return (tcp_round_trip_us->low + slope * extra_kib) * 1e3;
    }
    case host_floor::disk_read:
      if (!disk_read_us_per_kib) return 0;
      return disk_read_us_per_kib->low * static_cast<double>(s.size) / 1024 * 1e3;
  }
  return 0;
}

host_floors measure_host_floors() {
  host_floors f;
  attempt(f, "tcp_round_trip_us", measure_tcp);
  if (f.missing.count("tcp_round_trip_us"))
    f.missing["tcp_us_per_kib"] = f.missing["tcp_round_trip_us"];
  attempt(f, "disk_read_us_per_kib", measure_disk);
  attempt(f, "timer_wake_us", measure_timer);
  attempt(f, "thread_wake_us", measure_thread_wake);
  attempt(f, "thread_start_us", measure_thread_start);
  return f;
}

std::string floors_to_json(const host_floors& f) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& field : fields) {
    if (const auto& e = f.*field.member) j[field.name] = to_json(*e);
  }
  if (!f.missing.empty()) j["missing"] = f.missing;
  return j.dump();
}

host_floors floors_from_json(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("floors: not a JSON object");
  host_floors f;
  for (const auto& field : fields) {
    if (j.contains(field.name)) f.*field.member = estimate_from(j.at(field.name), field.name);
  }
  if (j.contains("missing")) {
    const auto& m = j.at("missing");
    if (!m.is_object()) throw std::runtime_error("floors: \"missing\" is not an object");
    for (const auto& [name, why] : m.items()) {
      if (!why.is_string()) throw std::runtime_error("floors: missing." + name + " is not text");
      f.missing[name] = why.get<std::string>();
    }
  }
  return f;
}

void use_floors(const host_floors& f) {
  floors_in_use() = f;
}

const host_floors& current_floors() noexcept {
  return floors_in_use();
}

}  // namespace execbench::workloads
