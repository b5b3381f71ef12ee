"""What the worker runs: jobs, and how often an idle one is asked for work.

Beside ``config.py``: both the composition root (``bootstrap.py``, which wires the jobs) and
the worker's loops (``entrypoints/worker.py``, which run them) use these.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

#: A job returns how many items it handled; 0 lets the worker sleep until the next cycle.
Job = Callable[[], Awaitable[int]]


def at_most_every(seconds: float, job: Job) -> Job:
    """``job`` run again only ``seconds`` after a run that found nothing to do (one that did
    runs again at once, to drain). For jobs whose work comes due by the day (pending points,
    expiring points and tiers): asking on every cycle of a busy lane would add their queries
    to dispatch's hot loop for nothing."""
    next_run = 0.0

    async def run() -> int:
        nonlocal next_run
        if time.monotonic() < next_run:
            return 0
        handled = await job()
        if not handled:
            next_run = time.monotonic() + seconds
        return handled

    return run
