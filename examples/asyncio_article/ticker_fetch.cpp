// A ticker task beside a fetch: create_task starts it, it ticks while the fetch waits.
#include <cstdio>
#include <string>

#include "execbench/runtime/asyncio.hpp"
namespace rt = execbench::rt;
using namespace std::chrono_literals;

rt::task<void> ticker() {
  for (int n = 1;; ++n) {
    co_await rt::sleep(200ms);
    std::printf("tick %d\n", n);
  }
}

rt::task<std::string> fetch() {
  co_await rt::sleep(500ms);
  co_return "data";
}

rt::task<void> amain() {
  auto t = rt::create_task(ticker());
  std::string data = co_await fetch();
  t.cancel();
  std::printf("fetched %s\n", data.c_str());
}

int main() { rt::run(amain()); }
