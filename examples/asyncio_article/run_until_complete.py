# run_until_complete: a loop made by hand runs one coroutine to its end and gives its value.
import asyncio


async def compute(x):
    await asyncio.sleep(0.1)
    return x * 2


loop = asyncio.new_event_loop()
result = loop.run_until_complete(compute(21))
print(f"result {result}")
loop.close()
