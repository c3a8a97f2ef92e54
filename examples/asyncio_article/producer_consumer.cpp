// A producer and a consumer over a bounded queue, in a task group, under a timeout.
#include <cstdio>
#include <optional>

#include "execbench/runtime/asyncio.hpp"
namespace rt = execbench::rt;
using namespace std::chrono_literals;
using item_queue = rt::queue<std::optional<int>>;

rt::task<void> producer(item_queue& q, int n) {
  for (int i = 1; i <= n; ++i) {
    co_await q.put(i);
    co_await rt::sleep(10ms);
  }
  co_await q.put(std::nullopt);
}

rt::task<void> consumer(item_queue& q) {
  int total = 0;
  while (auto item = co_await q.get()) total += *item;
  std::printf("consumed total %d\n", total);
}

rt::task<void> amain() {
  item_queue q(2);
  co_await rt::timeout(5s, rt::with_task_group([&](rt::task_group& tg) -> rt::task<void> {
    tg.create_task(producer(q, 20));
    tg.create_task(consumer(q));
    co_return;
  }));
  std::printf("done\n");
}

int main() { rt::run(amain()); }
