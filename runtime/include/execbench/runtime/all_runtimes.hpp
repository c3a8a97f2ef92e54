// The runtimes of execbench, in the order reports list them: one line each.
#pragma once

#include <tuple>

#include "execbench/runtime/asio_runtime.hpp"
#include "execbench/runtime/loop_runtime.hpp"
#include "execbench/runtime/loop_uring_runtime.hpp"
#include "execbench/runtime/tbb_runtime.hpp"
#include "execbench/runtime/thread_per_task_runtime.hpp"
#include "execbench/runtime/thread_pool_runtime.hpp"

namespace execbench::rt {

// A type list (std::tuple of the runtime types) for code that instantiates something per runtime.
using all_runtimes = std::tuple<loop_runtime, loop_offload_runtime, loop_uring_runtime, asio_runtime,
                                thread_per_task_runtime, thread_pool_runtime, tbb_runtime>;

// The runtime types as another list template: apply_runtimes_t<::testing::Types> and the like.
template <template <class...> class List, class Tuple = all_runtimes>
struct apply_runtimes;
template <template <class...> class List, class... R>
struct apply_runtimes<List, std::tuple<R...>> {
  using type = List<R...>;
};
template <template <class...> class List>
using apply_runtimes_t = typename apply_runtimes<List>::type;

}  // namespace execbench::rt
