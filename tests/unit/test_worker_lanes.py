"""Lanes share one event loop: a lane draining a backlog must not keep the others waiting."""

from __future__ import annotations

import asyncio

from sendout.entrypoints.worker import Lanes, Worker


async def test_a_lane_draining_a_backlog_lets_the_other_lanes_and_tasks_run() -> None:
    backlog = 1_000
    order: list[str] = []

    async def drain() -> int:  # never suspends, like a batch of inline SQLite statements
        nonlocal backlog
        if backlog == 0:
            return 0
        backlog -= 1
        order.append("batch")
        return 1

    async def other() -> int:
        order.append("other lane")
        return 0

    busy = Worker([("drain", drain)], poll_interval=60)
    idle = Worker([("other", other)], poll_interval=0.001)
    lanes = Lanes([busy, idle])
    run = asyncio.create_task(lanes.run())

    async def api_request() -> None:  # another task on the loop, such as the API's
        await asyncio.sleep(0)
        order.append("request")

    await api_request()
    seen_at = order.index("request")
    for _ in range(5_000):  # at most ~5 s on a slow machine
        if backlog == 0:
            break
        await asyncio.sleep(0.001)
    lanes.stop()
    await run
    assert backlog == 0  # the backlog was drained all the same
    assert seen_at < 10, f"a request waited behind {order[:seen_at].count('batch')} batches"
    assert order.index("other lane") < 10
