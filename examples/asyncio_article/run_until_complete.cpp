// run_until_complete: a loop made by hand runs one coroutine to its end and gives its value.
#include <cstdio>

#include "execbench/runtime/asyncio.hpp"
namespace rt = execbench::rt;
using namespace std::chrono_literals;

rt::task<int> compute(int x) {
  co_await rt::sleep(100ms);
  co_return x * 2;
}

int main() {
  rt::event_loop loop;
  std::printf("result %d\n", loop.run_until_complete(compute(21)));
}
