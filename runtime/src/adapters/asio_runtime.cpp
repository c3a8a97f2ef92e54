#include "execbench/runtime/asio_runtime.hpp"

#include <algorithm>
#include <exception>

namespace execbench::rt {

lag_summary detail::lag_samples::summary() const {
  lag_summary out;
  const std::size_t n = std::min(count(), capacity);
  if (n == 0) return out;
  std::vector<std::uint64_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = slots_[i].load(std::memory_order_relaxed);
  std::sort(v.begin(), v.end());
  const auto at = [&](double q) {
    const auto k = std::min(n - 1, static_cast<std::size_t>(q * static_cast<double>(n)));
    return std::chrono::nanoseconds(static_cast<std::int64_t>(v[k]));
  };
  std::uint64_t sum = 0;
  for (auto x : v) sum += x;
  out.count = n;
  out.p50 = at(0.50);
  out.p99 = at(0.99);
  out.p999 = at(0.999);
  out.max = std::chrono::nanoseconds(static_cast<std::int64_t>(v.back()));
  out.mean = std::chrono::nanoseconds(static_cast<std::int64_t>(sum / n));
  return out;
}

asio_runtime::asio_runtime(std::size_t workers)
    : io_(static_cast<int>(std::max<std::size_t>(workers, 1))), work_(io_.get_executor()) {
  workers = std::max<std::size_t>(workers, 1);
  threads_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    threads_.emplace_back([this] {
      try {
        io_.run();
      } catch (const std::exception& e) {
        detail::fatal("asio: a handler threw", e.what());
      }
    });
  }
}

asio_runtime::~asio_runtime() {
  roots().cancel_all();
  work_.reset();
  io_.stop();  // handlers still queued are destroyed with io_, never run
  for (auto& t : threads_) t.join();
  // Frames first: their timers and descriptors need io_ alive to be destroyed.
  roots().destroy_all();
}

}  // namespace execbench::rt
