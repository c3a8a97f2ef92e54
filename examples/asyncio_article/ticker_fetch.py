# A ticker task beside a fetch: create_task starts it, it ticks while the fetch waits.
import asyncio


async def ticker():
    n = 0
    while True:
        await asyncio.sleep(0.2)
        n += 1
        print(f"tick {n}")


async def fetch():
    await asyncio.sleep(0.5)
    return "data"


async def main():
    t = asyncio.create_task(ticker())
    data = await fetch()
    t.cancel()
    print(f"fetched {data}")


asyncio.run(main())
