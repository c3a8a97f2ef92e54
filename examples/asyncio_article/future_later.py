# A future set by a timer, awaited after other work: the await waits only for what is left.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_later(0.3, fut.set_result, "ready")
    print("doing other work")
    await asyncio.sleep(0.1)
    print("other work done")
    print(f"future: {await fut}")


asyncio.run(main())
