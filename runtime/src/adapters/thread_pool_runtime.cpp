#include "execbench/runtime/thread_pool_runtime.hpp"

namespace execbench::rt {

thread_pool_runtime::thread_pool_runtime(std::size_t workers)
    : pool_(workers, detail::worker_pool::at_stop::drop_queued) {}

thread_pool_runtime::~thread_pool_runtime() {
  pool_.stop();
  // Once stopped, nothing queued runs any more: cancelling wakes workers blocked in waits.
  roots().cancel_all();
  pool_.join();  // queued handles are dropped unresumed; their frames go with destroy_all
  roots().destroy_all();
}

// A work_item fits a job's in-place storage: queueing one allocates nothing.
void thread_pool_runtime::submit(detail::work_item w) noexcept {
  pool_.submit(std::move(w));  // the deque's growth failing is out of memory: terminate is fine
}

}  // namespace execbench::rt
