"""The manual scheduler on the in-memory fakes: a due manual distribution's recipients each
get an event, batch by batch with its progress; one not due yet, or canceled, waits.
(A NOTIFY distribution here: its events go to the dispatcher, whose action reads the
promotions stores.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from sendout.domain.customers import CustomerRef
from sendout.domain.distributions import DistributionStatus, ManualPlan
from sendout.domain.event_catalogue import MANUAL
from sendout.services.customers.customers import upsert_customer
from sendout.services.pipeline.manual import ManualScheduler, distribution_data
from sendout.testing import seeded_rng
from tests.factories.pipeline import Pipeline


async def customers(pipe: Pipeline, *cities: str) -> list[str]:
    ids = []
    for n, city in enumerate(cities):
        pipe.clock.advance(timedelta(seconds=1))
        ref = CustomerRef(source_id=f"c{n}", fields={"address": {"city": city}})
        ids.append((await upsert_customer(pipe.db, pipe.ctx, ref)).id)
    return ids


def scheduler(pipe: Pipeline) -> ManualScheduler:
    return ManualScheduler(pipe.db, pipe.clock, seeded_rng(4))


def manual_events(pipe: Pipeline) -> list[Any]:
    return [e for e in pipe.db.data.events if e.type == MANUAL]


async def test_listed_recipients_get_one_event_each_the_deleted_skipped(pipe: Pipeline) -> None:
    await customers(pipe, "Oslo", "Bergen")
    made = await pipe.manual(ManualPlan(customer_ids=("c0", "c1", "gone")))
    assert await scheduler(pipe).run_next() == 1
    events = manual_events(pipe)
    assert [e.data["customer"]["source_id"] for e in events] == ["c0", "c1"]
    assert {e.data["distribution"]["id"] for e in events} == {made.id}
    assert events[0].data["distribution"] == distribution_data(made)
    stored = pipe.db.data.distributions[made.id]
    assert stored.status is DistributionStatus.DONE
    assert stored.manual is not None
    assert (stored.manual.done, stored.manual.total) == (3, 3)
    assert await scheduler(pipe).run_next() == 0  # done: never again


async def test_filtered_recipients_are_those_matching_in_creation_order(pipe: Pipeline) -> None:
    oslo, _, oslo_too = await customers(pipe, "Oslo", "Bergen", "Oslo")
    made = await pipe.manual(ManualPlan(customer_filter={"city": "Oslo"}))
    assert await scheduler(pipe).run_next() == 1
    assert [e.customer_id for e in manual_events(pipe)] == [oslo, oslo_too]
    stored = pipe.db.data.distributions[made.id]
    assert stored.manual is not None
    assert (stored.manual.done, stored.manual.total, stored.status) == (
        2,
        2,
        DistributionStatus.DONE,
    )


@pytest.mark.parametrize("status", [DistributionStatus.CANCELED, DistributionStatus.DONE])
async def test_only_a_distribution_to_send_is_taken(
    pipe: Pipeline, status: DistributionStatus
) -> None:
    await customers(pipe, "Oslo")
    made = await pipe.manual(ManualPlan(customer_ids=("c0",)))
    async with pipe.db() as uow:
        await uow.distributions.update(replace(made, status=status))
        await uow.commit()
    assert await scheduler(pipe).run_next() == 0
    assert manual_events(pipe) == []


async def test_a_distribution_waits_for_its_time(pipe: Pipeline) -> None:
    await customers(pipe, "Oslo")
    later = pipe.clock.now() + timedelta(hours=1)
    await pipe.manual(ManualPlan(customer_ids=("c0",), set_live_at=later))
    assert await scheduler(pipe).run_next() == 0
    pipe.clock.advance(timedelta(hours=1))
    assert await scheduler(pipe).run_next() == 1
