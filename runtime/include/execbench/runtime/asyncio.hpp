// The loop and asyncio's toolkit in one include, as `import asyncio` is one line: the event loop
// (with get_running_loop, run, sleep, create_task, timeout, to_thread), event, future, gather,
// task groups, lock, semaphore, condition, queue, wait, as_completed and shield. Part of
// execbench::loop: no Boost, no oneTBB.
#pragma once

#include "execbench/runtime/event.hpp"
#include "execbench/runtime/event_loop.hpp"
#include "execbench/runtime/future.hpp"
#include "execbench/runtime/gather.hpp"
#include "execbench/runtime/sync.hpp"
#include "execbench/runtime/task_group.hpp"
#include "execbench/runtime/waiting.hpp"
