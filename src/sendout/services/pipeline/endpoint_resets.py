"""A person saying "try now" closes that endpoint's breaker in every worker (issue 21 §3).

Set live, enabling a project webhook, resend and recover are a person saying the endpoint
works again. The breakers live in each worker process's memory (``services/pipeline/deliver.py``)
while the API that takes the action may run in another process (PostgreSQL: ``serve
--no-worker`` beside any number of ``sendout worker``s). So the action writes, in its own
transaction (the one that requeues or sets live), the time of the reset of each endpoint it
concerns (``try_now``); each worker reads the resets of the endpoints whose breaker it holds
open, at the start of a claim, and only then (``close_reset_breakers``): with no breaker
open, the hot path runs no query for it. The action's requeue wakes the workers as any new
work does (in-process signal, LISTEN/NOTIFY, SQLite's ``data_version``), so the held
send-outs go out at once instead of after the cool-down (up to ten minutes).

Why a time rather than a counter: a worker compares it with the start of its breaker's run
of failures (``Breaker.reset``), which needs no memory of what it read before and no order
between commits (a sequence's numbers are not in commit order on PostgreSQL). The times
come from the API's and the worker's clocks, one machine's or NTP-synchronised ones; a skew
can only make a worker miss a reset made within that skew of the failures' start (the probe
still goes out on the breaker's schedule).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, MutableMapping
from datetime import datetime, timedelta

from sendout.domain.breaker import Breaker
from sendout.domain.ports import UnitOfWork

log = logging.getLogger("sendout.worker")

#: how long a reset is kept: a worker holding that endpoint's breaker open reads it within a
#: claim cycle (a poll interval at most), so a day is ample; the table stays one row per URL
RESET_KEPT = timedelta(days=1)


async def try_now(uow: UnitOfWork, urls: Collection[str], now: datetime) -> None:
    """A person said "try now" to these endpoints: every worker closes their breaker."""
    await uow.endpoint_resets.reset(urls, now, now - RESET_KEPT)


async def close_reset_breakers(
    uow: UnitOfWork, breakers: MutableMapping[str, Breaker], now: datetime
) -> int:
    """Close the open breakers whose endpoint a person reset since its failures began
    (their entries are dropped: a closed breaker with no failures is nothing to keep).
    Answers how many closed."""
    held = [url for url, breaker in breakers.items() if breaker.blocks(now)]
    if not held:
        return 0
    resets = await uow.endpoint_resets.of(held)
    closed = [url for url, at in resets.items() if breakers[url].reset(at)]
    for url in closed:
        del breakers[url]
    if closed:
        # The URLs stay out of the log: a URL may carry a token.
        log.info("%d endpoint breaker(s) closed: a person said try now", len(closed))
    return len(closed)
