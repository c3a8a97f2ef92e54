// A blocking call in the default executor beside a ticking task: the loop keeps ticking.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "execbench/runtime/asyncio.hpp"
namespace rt = execbench::rt;
using namespace std::chrono_literals;

std::string blocking_read() {
  std::this_thread::sleep_for(500ms);
  return "file contents";
}

rt::task<void> ticker() {
  for (int n = 1;; ++n) {
    co_await rt::sleep(200ms);
    std::printf("tick %d\n", n);
  }
}

rt::task<void> amain() {
  auto& loop = rt::get_running_loop();
  auto t = rt::create_task(ticker());
  std::string data = co_await loop.run_in_executor(blocking_read);
  t.cancel();
  std::printf("read %s\n", data.c_str());
}

int main() { rt::run(amain()); }
