// A future set by a timer, awaited after other work: the await waits only for what is left.
#include <cstdio>
#include <string>

#include "execbench/runtime/asyncio.hpp"
namespace rt = execbench::rt;
using namespace std::chrono_literals;

rt::task<void> amain() {
  rt::future<std::string> fut;
  rt::get_running_loop().call_later(300ms, [fut]() mutable { fut.set_result("ready"); });
  std::printf("doing other work\n");
  co_await rt::sleep(100ms);
  std::printf("other work done\n");
  std::printf("future: %s\n", (co_await fut).c_str());
}

int main() { rt::run(amain()); }
