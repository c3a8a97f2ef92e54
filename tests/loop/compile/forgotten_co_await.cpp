// Compiled by tests/loop/forgotten_co_await.cmake, not built: a task of the loop's that awaits
// what it should. With FORGET=1, 2 or 3 it forgets one co_await (a sleep, an event's wait, a
// yield: a wait that does not wait), which must not compile under -Werror=unused-result, since
// every awaitable is [[nodiscard]]. Without FORGET it compiles: the check's control.
#include <chrono>

#include "execbench/runtime/event.hpp"
#include "execbench/runtime/event_loop.hpp"
#include "execbench/runtime/task.hpp"

using namespace std::chrono_literals;

execbench::rt::task<void> pause(execbench::rt::event_loop& loop, execbench::rt::event& ready) {
#if FORGET == 1
  loop.sleep(100ms);
#elif FORGET == 2
  ready.wait();
#elif FORGET == 3
  loop.yield();
#endif
  co_await loop.sleep(0.25s);  // any std::chrono duration
  co_await ready.wait();
  co_await loop.yield();
}
