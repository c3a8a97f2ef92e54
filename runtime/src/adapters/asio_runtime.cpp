#include "execbench/runtime/asio_runtime.hpp"

#include <algorithm>
#include <exception>

namespace execbench::rt {

asio_runtime::asio_runtime(std::size_t workers)
    : io_(static_cast<int>(std::max<std::size_t>(workers, 1))), work_(io_.get_executor()) {
  detail::start_threads(
      threads_, std::max<std::size_t>(workers, 1),
      [this] {
        try {
          io_.run();
        } catch (const std::exception& e) {
          detail::fatal("asio: a handler threw", e.what());
        }
      },
      [this] {
        work_.reset();
        io_.stop();
      });
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
