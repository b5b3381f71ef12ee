"""The dispatcher on the in-memory fakes: each event once, its distributions' send-outs
written with it; a message too large fails and pauses its distribution; the read-first
batches (worked out in a read-only unit of work) fall back to the write lock when the batch
writes."""

from __future__ import annotations

import random

import pytest

from sendout.domain.distributions import DistributionStatus
from sendout.domain.event_catalogue import MANUAL
from sendout.domain.events import Event, EventChannel, EventSource
from sendout.domain.sendouts import SendoutStatus
from sendout.domain.template_nodes import MAX_RENDERED_BYTES
from sendout.services.pipeline.dispatch import Dispatcher
from sendout.services.pipeline.distributions import set_status
from tests.factories.pipeline import Pipeline

URL = "https://hooks.example.com/a"
HUGE = {"padding": "x" * MAX_RENDERED_BYTES}


def read_first(pipe: Pipeline) -> Dispatcher:
    return Dispatcher(pipe.db, pipe.clock, random.Random(1), read_first=True)


@pytest.mark.parametrize("reading_first", [False, True])
async def test_each_event_makes_its_sendouts_once(pipe: Pipeline, reading_first: bool) -> None:
    await pipe.distribution(URL)
    await pipe.distribution(URL + "/2")
    await pipe.record(3)
    dispatcher = read_first(pipe) if reading_first else pipe.dispatcher
    assert await dispatcher.run_batch(limit=2) == 2
    assert await dispatcher.run_batch() == 1
    assert await dispatcher.run_batch() == 0
    assert len(pipe.sendouts()) == 6
    assert pipe.db.data.dispatched == {1, 2, 3}


async def test_an_event_nothing_listens_to_is_marked_dispatched(pipe: Pipeline) -> None:
    await pipe.record()
    assert await pipe.dispatcher.run_batch() == 1
    assert (pipe.sendouts(), pipe.db.data.dispatched) == ([], {1})


@pytest.mark.parametrize("reading_first", [False, True])
async def test_a_message_too_large_fails_and_pauses_its_distribution(
    pipe: Pipeline, reading_first: bool
) -> None:
    made = await pipe.distribution(URL)
    await pipe.record(2, data=HUGE)
    dispatcher = read_first(pipe) if reading_first else pipe.dispatcher
    assert await dispatcher.run_batch() == 2
    (sendout,) = pipe.sendouts()  # the second event found it paused
    assert (sendout.status, sendout.body) == (SendoutStatus.FAILED, b"")
    assert pipe.status(made) is DistributionStatus.PAUSED
    assert len(pipe.db.data.notifications) == 1


async def test_a_manual_event_fires_its_distribution_unless_canceled(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL)
    await set_status(pipe.db, pipe.ctx, made.id, DistributionStatus.PAUSED)
    async with pipe.db() as uow:
        for n, named in enumerate([made.id, "distr_gone"]):
            await uow.events.add(
                Event(
                    id=f"evman_{n}",
                    project_id=pipe.ctx.project_id,
                    type=MANUAL,
                    customer_id="cust_1",
                    entity_id=None,
                    group_id="v-1",
                    source=EventSource(channel=EventChannel.INTERNAL),
                    created_at=pipe.clock.now(),
                    data={"distribution": {"id": named}, "customer": {"id": "cust_1"}},
                )
            )
        await uow.commit()
    assert await pipe.dispatcher.run_batch() == 2
    (sendout,) = pipe.sendouts()  # fired by name, whatever its trigger; the gone one: none
    assert sendout.source.id == made.id
