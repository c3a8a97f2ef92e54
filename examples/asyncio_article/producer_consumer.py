# A producer and a consumer over a bounded queue, in a task group, under a timeout.
import asyncio


async def producer(q, n):
    for i in range(1, n + 1):
        await q.put(i)
        await asyncio.sleep(0.01)
    await q.put(None)


async def consumer(q):
    total = 0
    while (item := await q.get()) is not None:
        total += item
    print(f"consumed total {total}")


async def main():
    q = asyncio.Queue(maxsize=2)
    async with asyncio.timeout(5):
        async with asyncio.TaskGroup() as tg:
            tg.create_task(producer(q, 20))
            tg.create_task(consumer(q))
    print("done")


asyncio.run(main())
