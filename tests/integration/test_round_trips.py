"""A batch of send-outs costs the same number of statements whatever its size (issue 23).

Through the real stores, on both backends: N send-outs are made by dispatching N / 10 events
in one batch (one distribution, ten webhook channels: each endpoint starts at 16 attempts in
flight), claimed in one claim and their N attempts recorded in one report, with N = 10 and
N = 100. Every statement a store sends is counted (``CountingDatabase`` wraps the database's
transactions); on PostgreSQL so is every round trip asyncpg makes (``BEGIN`` and ``COMMIT``
included), which is what the server pays for. The exact counts are written here: a statement
per row, or one more per batch, fails the test.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import asyncpg
import pytest

from sendout.adapters.db.engine import Database, Transaction
from sendout.bootstrap import Container
from sendout.domain.customers import CustomerRef
from sendout.domain.deliveries import OutboundRequest, SendResult
from sendout.domain.sendouts import SendoutStatus
from sendout.services.accounts.projects import create_project
from sendout.services.context import Context
from sendout.services.customers.events import track_custom_event
from sendout.services.pipeline.deliver import Deliverer
from sendout.services.pipeline.dispatch import Dispatcher
from sendout.services.pipeline.distributions import create_distribution
from sendout.testing import make_context, webhook_distribution_draft

CHANNELS = 10  # webhook channels of the distribution, each to an endpoint of its own
#: statements per stage, on either backend: (transactions, statements)
STATEMENTS = {
    # claim the events, the distributions they fire, insert the send-outs, mark the events
    "dispatch": (1, 4),
    # the due send-outs, their distribution, the lease
    "claim": (1, 3),
    # the claims' states (locked), the attempts, the outcomes
    "report": (1, 3),
}
#: asyncpg round trips per stage on PostgreSQL: BEGIN, the statements, COMMIT (with NOTIFY)
ROUND_TRIPS = {"dispatch": 6, "claim": 5, "report": 5}

_STATEMENT_METHODS = ("execute", "fetch", "run", "run_many", "insert_many")
_ROUND_TRIP_METHODS = ("execute", "fetch", "fetchrow", "fetchval", "executemany")
_ROUND_TRIP_EXTRAS = ("copy_records_to_table", "copy_to_table")


class _CountingTransaction:
    def __init__(self, inner: Transaction, counts: Counter[str]) -> None:
        self._inner = inner
        self._counts = counts

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name not in _STATEMENT_METHODS:
            return attribute

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self._counts["statements"] += 1
            return await attribute(*args, **kwargs)

        return counted


class CountingDatabase:
    """The database, its transactions and their statements counted in ``counts``."""

    def __init__(self, inner: Database) -> None:
        self._inner = inner
        self.counts: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def begin(self, read_only: bool = False) -> Transaction:
        self.counts["transactions"] += 1
        tx = await self._inner.begin(read_only)
        return _CountingTransaction(tx, self.counts)  # type: ignore[return-value]


@contextmanager
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Every call asyncpg answers with a trip to the server, counted (its statements are
    prepared once per connection, before the counted runs: see ``_warm_up``)."""
    counts: Counter[str] = Counter()
    with monkeypatch.context() as patched:
        for name in (*_ROUND_TRIP_METHODS, *_ROUND_TRIP_EXTRAS):
            original = getattr(asyncpg.Connection, name)
            patched.setattr(asyncpg.Connection, name, _counting(original, counts))
        yield counts


def _counting(original: Callable[..., Any], counts: Counter[str]) -> Callable[..., Any]:
    async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["round trips"] += 1
        return await original(self, *args, **kwargs)

    return counted


class Answering:
    """A webhook transport that answers 200 at once (a receiver that works)."""

    def __init__(self, expected: int) -> None:
        self.sent = 0
        self.expected = expected
        self.all_sent = asyncio.Event()

    async def send(self, request: OutboundRequest) -> SendResult:
        self.sent += 1
        if self.sent == self.expected:
            self.all_sent.set()
        return SendResult(status_code=200, duration_ms=1)

    async def close(self) -> None:
        pass


async def _events(container: Container, ctx: Context, count: int) -> None:
    for _ in range(count):
        await track_custom_event(
            container.uow_factory,
            ctx,
            name="ping",
            customer=CustomerRef(source_id="c"),  # created by _project: no other event
            metadata={},
        )


async def _stages(
    container: Container, ctx: Context, count: int, measure: Callable[[str], Any]
) -> None:
    """Dispatch ``count`` events, claim their send-outs, record their attempts: each stage
    one batch, measured by ``measure(stage)`` (a context manager)."""
    events = max(1, count // CHANNELS)
    await _events(container, ctx, events)
    dispatcher = Dispatcher(container.uow_factory, container.clock, container.rng)
    sender = Answering(events * CHANNELS)
    deliverer = Deliverer(
        container.uow_factory,
        sender,
        container.clock,
        random.Random(7),
    )
    with measure("dispatch"):
        assert await dispatcher.run_batch(limit=events) == events
    with measure("claim"):
        await deliverer.run_batch()
    await asyncio.wait_for(sender.all_sent.wait(), 10)  # one claim sent them all
    with measure("report"):
        await deliverer.settle()


async def _project(container: Container) -> tuple[Context, str]:
    issued = await create_project(container.uow_factory, container.clock, container.rng, "rt")
    ctx = make_context(issued.project.id, clock=container.clock, rng=container.rng)
    draft = webhook_distribution_draft("ping", "https://hooks.example.com/rt")
    channels = tuple(
        replace(draft.channels[0], url=f"https://hooks.example.com/rt{n}") for n in range(CHANNELS)
    )
    distribution = await create_distribution(
        container.uow_factory, ctx, replace(draft, channels=channels), catalog=container.channels
    )
    # The customer (and its customer.created event), by an event no distribution listens to
    await track_custom_event(
        container.uow_factory, ctx, name="hello", customer=CustomerRef(source_id="c"), metadata={}
    )
    dispatcher = Dispatcher(container.uow_factory, container.clock, container.rng)
    while await dispatcher.run_batch():
        pass
    return ctx, distribution.id


@pytest.mark.parametrize("count", [10, 100])
async def test_a_batch_costs_the_same_statements_whatever_its_size(
    isolated_container: Container, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    container = isolated_container
    ctx, distribution_id = await _project(container)
    await _stages(container, ctx, 1, _ignore)  # every statement prepared on its connection
    counting = CountingDatabase(container.uow_factory.database)
    monkeypatch.setattr(container.uow_factory, "database", counting)
    postgres = container.database.dialect == "postgresql"
    seen: dict[str, tuple[int, int, int]] = {}

    @contextmanager
    def measure(stage: str) -> Iterator[None]:
        counting.counts.clear()
        with round_trips(monkeypatch) as trips:
            yield
        seen[stage] = (
            counting.counts["transactions"],
            counting.counts["statements"],
            trips["round trips"],
        )

    await _stages(container, ctx, count, measure)

    assert {stage: figures[:2] for stage, figures in seen.items()} == STATEMENTS
    if postgres:
        assert {stage: figures[2] for stage, figures in seen.items()} == ROUND_TRIPS
    async with container.uow_factory() as uow:
        counts = await uow.sendouts.counts(ctx.project_id, [distribution_id])
    # every one delivered, the warm-up's ten too: nothing left out to keep the counts down
    assert counts[distribution_id] == {SendoutStatus.DELIVERED.value: count + CHANNELS}


@contextmanager
def _ignore(_stage: str) -> Iterator[None]:
    yield
