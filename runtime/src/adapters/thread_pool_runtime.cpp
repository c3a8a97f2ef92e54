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

// A task's resumption, most of what is queued, goes in as its bare handle: the pool runs it with
// one indirect call. Anything else (a work_item from elsewhere than post()) goes in whole.
// The deque's growth failing is out of memory: terminate is fine.
void thread_pool_runtime::submit(detail::work_item w) noexcept {
  if (const auto h = w.coroutine()) {
    pool_.submit_resume(h);
  } else {
    pool_.submit(std::move(w));
  }
}

}  // namespace execbench::rt
