# A blocking call in the default executor beside a ticking task: the loop keeps ticking.
import asyncio
import time


def blocking_read():
    time.sleep(0.5)
    return "file contents"


async def ticker():
    n = 0
    while True:
        await asyncio.sleep(0.2)
        n += 1
        print(f"tick {n}")


async def main():
    loop = asyncio.get_running_loop()
    t = asyncio.create_task(ticker())
    data = await loop.run_in_executor(None, blocking_read)
    t.cancel()
    print(f"read {data}")


asyncio.run(main())
