"""The dispatcher on real databases: one send-out per (event, distribution, channel), ever."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from sendout.adapters.db.migrate import upgrade_async
from sendout.bootstrap import Container, bootstrap
from sendout.config import Settings
from sendout.domain.campaigns import CampaignKind
from sendout.domain.customers import CustomerRef
from sendout.domain.distributions import ActionSpec
from sendout.domain.event_catalogue import Action
from sendout.domain.events import Event
from sendout.domain.ports import UnitOfWork, WriteRefused
from sendout.domain.publications import PublicationQuery
from sendout.domain.sendouts import Sendout, SendoutQuery, SendoutStatus
from sendout.entrypoints.dispatch_share import LONG_QUEUE, STALL, QueueShare, Share
from sendout.services.accounts.projects import create_project
from sendout.services.context import Context
from sendout.services.customers.events import track_custom_event
from sendout.services.pipeline.dispatch import Dispatcher
from sendout.services.pipeline.distributions import create_distribution
from sendout.testing import FakeClock, make_context, webhook_distribution_draft
from tests.factories.projects import campaign_of, record_joined, webhook_project


class Crash(Exception):
    pass


class CrashingUnitOfWork:
    """A unit of work whose commit dies, as a process killed at that moment would."""

    def __init__(self, inner: UnitOfWork) -> None:
        self.inner = inner

    async def __aenter__(self) -> UnitOfWork:
        uow = await self.inner.__aenter__()

        async def crash() -> None:
            raise Crash

        uow.commit = crash  # type: ignore[method-assign]
        return uow

    async def __aexit__(self, *exc: Any) -> None:
        await self.inner.__aexit__(*exc)


async def setup(container: Container) -> tuple[Context, str]:
    issued = await create_project(container.uow_factory, container.clock, container.rng, "d")
    ctx = make_context(issued.project.id, clock=container.clock, rng=container.rng)
    campaign_id = await campaign_of(container, ctx, "Welcome", 5, CampaignKind.STATIC)
    distribution = await create_distribution(
        container.uow_factory,
        ctx,
        webhook_distribution_draft(
            "joined",
            "https://hooks.example.com/a",
            action=ActionSpec(type=Action.PUBLISH, campaign_id=campaign_id),
            payload='{"code": "{{voucher.code}}"}',
        ),
        catalog=container.channels,
    )
    return ctx, distribution.id


async def test_a_crash_before_commit_leaves_nothing_and_the_rerun_sends_once(
    isolated_container: Container,
) -> None:
    container = isolated_container
    ctx, distribution_id = await setup(container)
    await track_custom_event(
        container.uow_factory, ctx, name="joined", customer=CustomerRef(source_id="a"), metadata={}
    )
    crashing = Dispatcher(
        lambda: CrashingUnitOfWork(container.uow_factory()),  # type: ignore[arg-type,return-value]
        container.clock,
        container.rng,
    )
    with pytest.raises(Crash):
        await crashing.run_batch()

    async with container.uow_factory() as uow:
        assert (await uow.sendouts.list(ctx.project_id, SendoutQuery())).total == 0
        assert (await uow.publications.list(ctx.project_id, PublicationQuery())).total == 0

    dispatcher = Dispatcher(container.uow_factory, container.clock, container.rng)
    handled = 0
    while (batch := await dispatcher.run_batch()) > 0:
        handled += batch
    assert handled >= 1
    assert await dispatcher.run_batch() == 0  # nothing is dispatched twice

    async with container.uow_factory() as uow:
        sendouts = await uow.sendouts.list(
            ctx.project_id, SendoutQuery(distribution_id=distribution_id)
        )
        publications = await uow.publications.list(ctx.project_id, PublicationQuery())
    assert sendouts.total == 1
    (sendout,) = sendouts.items
    assert sendout.status is SendoutStatus.PENDING
    assert publications.total == 1
    (publication,) = publications.items
    assert orjson.loads(sendout.body)["data"] == {"code": publication.codes[0]}
    assert publication.channel == "Automation"
    assert publication.source_id == f"{distribution_id}-{sendout.event_id}"


async def test_events_nobody_listens_to_are_simply_marked_dispatched(
    isolated_container: Container,
) -> None:
    container = isolated_container
    issued = await create_project(container.uow_factory, container.clock, container.rng, "q")
    ctx = make_context(issued.project.id, clock=container.clock, rng=container.rng)
    for n in range(5):
        await track_custom_event(
            container.uow_factory,
            ctx,
            name=f"e{n}",
            customer=CustomerRef(source_id="x"),
            metadata={},
        )
    dispatcher = Dispatcher(container.uow_factory, container.clock, container.rng)
    assert await dispatcher.run_batch(limit=3) == 3
    assert await dispatcher.run_batch(limit=100) == 3  # 5 custom events + 1 customer.created
    assert await dispatcher.run_batch() == 0


async def test_worked_out_before_taking_the_write_lock_each_event_is_sent_once(
    isolated_container: Container,
) -> None:
    container = isolated_container
    ctx, distribution_id = await webhook_project(container, '{"n": "{{event.metadata.n}}"}')
    await record_joined(container, ctx, 5, customers=5)
    dispatcher = Dispatcher(container.uow_factory, container.clock, container.rng, read_first=True)
    while await dispatcher.run_batch() > 0:
        pass
    assert await dispatcher.run_batch() == 0
    async with container.uow_factory() as uow:
        sendouts = await uow.sendouts.list(
            ctx.project_id, SendoutQuery(distribution_id=distribution_id, limit=100)
        )
    assert sendouts.total == 5
    assert {s.status for s in sendouts.items} == {SendoutStatus.PENDING}
    assert sorted(orjson.loads(s.body)["data"]["n"] for s in sendouts.items) == [
        str(n) for n in range(5)
    ]


async def test_a_batch_that_publishes_a_code_is_done_under_the_write_lock(
    isolated_container: Container,
) -> None:
    container = isolated_container
    ctx, distribution_id = await setup(container)
    await record_joined(container, ctx, 1)
    dispatcher = Dispatcher(container.uow_factory, container.clock, container.rng, read_first=True)
    handled = 0
    while (batch := await dispatcher.run_batch()) > 0:
        handled += batch
    assert handled >= 1
    async with container.uow_factory() as uow:
        sendouts = await uow.sendouts.list(
            ctx.project_id, SendoutQuery(distribution_id=distribution_id)
        )
        publications = await uow.publications.list(ctx.project_id, PublicationQuery())
    assert sendouts.total == 1
    assert publications.total == 1
    (sendout,), (publication,) = sendouts.items, publications.items
    assert orjson.loads(sendout.body)["data"] == {"code": publication.codes[0]}


async def test_events_another_dispatcher_took_meanwhile_are_not_sent_twice(
    tmp_path: Path,
) -> None:
    """Two dispatchers on one SQLite file, as two processes: the one that worked its batch
    out first finds at its write that the other has dispatched those events, and gives the
    batch up."""
    url = f"sqlite:///{tmp_path / 'two.db'}"
    await upgrade_async(url)
    first, second = bootstrap(Settings(database_url=url)), bootstrap(Settings(database_url=url))
    try:
        ctx, _ = await webhook_project(first)
        await record_joined(first, ctx, 3, customers=3)
        slow = Dispatcher(first.uow_factory, first.clock, first.rng, read_first=True)
        other = Dispatcher(second.uow_factory, second.clock, second.rng, read_first=True)
        worked_out = slow._sendouts
        raced = 0

        async def the_other_goes_first(uow: UnitOfWork, events: Sequence[Event]) -> list[Sendout]:
            nonlocal raced
            outbox = await worked_out(uow, events)
            raced = await other.run_batch()  # its own connection: this one holds no write lock
            return outbox

        slow._sendouts = the_other_goes_first  # type: ignore[method-assign]
        assert await slow.run_batch() == 0  # given up
        assert raced == 6  # 3 custom events and 3 customer.created, all by the other
        slow._sendouts = worked_out  # type: ignore[method-assign]
        assert await slow.run_batch() == 0  # nothing left
        async with first.uow_factory() as uow:
            sendouts = await uow.sendouts.list(ctx.project_id, SendoutQuery(limit=100))
        assert sendouts.total == 3
        assert len({s.event_id for s in sendouts.items}) == 3
    finally:
        await first.close()
        await second.close()


class StandInHelper:
    """Stands in for the dispatch process (its own tests run the real one): says whether it
    is ready, and remembers being wanted."""

    def __init__(self) -> None:
        self.ready = False
        self.wanted = 0

    def want(self) -> None:
        self.wanted += 1


async def test_beside_a_helper_the_worker_leaves_it_backlogs_once_it_is_ready(
    isolated_container: Container,
) -> None:
    container = isolated_container
    ctx, _ = await webhook_project(container)
    # One customer: the queue holds the events and one customer.created.
    await record_joined(container, ctx, LONG_QUEUE + 50)
    clock = FakeClock()
    helper = StandInHelper()
    uow = container.uow_factory
    worker_share = QueueShare(uow, clock, Share.SHORT, helper)
    worker = Dispatcher(uow, clock, container.rng, turns=worker_share)
    child = Dispatcher(uow, clock, container.rng, turns=QueueShare(uow, clock, Share.LONG))

    async def waiting() -> int:
        async with container.uow_factory(read_only=True) as uow:
            return (await uow.events.backlog(10_000))[1]

    # Not ready yet: the worker dispatches the long queue itself, and asks for the helper.
    assert await worker.run_batch(limit=10) == 10
    assert helper.wanted == 1
    # Ready: the long queue is the helper's.
    helper.ready = True
    assert await worker.run_batch(limit=10) == 0
    assert await child.run_batch(limit=10) == 10
    # Left standing by the helper for STALL, it is the worker's again.
    assert await worker.run_batch(limit=10) == 0
    clock.advance(STALL)
    assert await worker.run_batch(limit=10) == 10
    assert await worker.run_batch(limit=10) == 10  # and stays so while it is long
    # Once short, the helper leaves it; the worker dispatches the rest.
    while await waiting() > LONG_QUEUE:
        assert await worker.run_batch(limit=10) == 10
    assert await child.run_batch(limit=10) == 0
    while await worker.run_batch() > 0:
        pass
    assert await waiting() == 0
    async with container.uow_factory() as uow:
        sendouts = await uow.sendouts.list(ctx.project_id, SendoutQuery(limit=1))
    assert sendouts.total == LONG_QUEUE + 50


async def test_a_read_only_unit_of_work_reads_the_queue_and_refuses_to_write(
    isolated_container: Container,
) -> None:
    container = isolated_container
    ctx, _ = await webhook_project(container)
    await record_joined(container, ctx, 3)
    async with container.uow_factory(read_only=True) as uow:
        oldest, waiting = await uow.events.backlog(100)
        assert waiting == 4  # 3 custom events and 1 customer.created
        assert await uow.events.backlog(2) == (oldest, 2)  # counted up to the cap
        events = list(await uow.events.claim_undispatched(10))
        assert events[0].seq == oldest
        seqs = [e.seq for e in events if e.seq is not None]
        with pytest.raises(WriteRefused):
            await uow.events.mark_dispatched(seqs, container.clock.now())
    async with container.uow_factory() as uow:
        assert await uow.events.mark_dispatched(seqs, container.clock.now()) == 4
        assert await uow.events.mark_dispatched(seqs, container.clock.now()) == 0
        await uow.commit()
    async with container.uow_factory(read_only=True) as uow:
        assert await uow.events.backlog(100) == (None, 0)
