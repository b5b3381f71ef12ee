"""Events are written in the caller's unit of work: they commit or vanish with its change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sendout.domain.ids import IdPrefix
from sendout.services.context import Context
from sendout.services.recording import new_event, record_event
from sendout.testing import FakeClock, InMemoryUnitOfWorkFactory


async def test_a_recorded_event_carries_the_request_and_its_source(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    async with uow() as work:
        event = await record_event(
            work, ctx, type="customer.created", customer_id="c1", entity_id="c1", data={"a": 1}
        )
        await work.commit()
    (stored,) = uow.data.events
    assert stored.id == event.id
    assert event.id.startswith(f"{IdPrefix.EVENT}_")
    assert (stored.group_id, stored.source, stored.project_id) == (
        ctx.request_id,
        ctx.source,
        ctx.project_id,
    )
    assert stored.seq == 1  # its place in the outbox


async def test_an_event_of_a_rolled_back_change_is_not_kept(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    async def failing_change() -> None:
        async with uow() as work:
            await record_event(work, ctx, type="x", customer_id=None, entity_id=None, data={})
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await failing_change()
    assert uow.data.events == []


def test_an_event_may_be_given_its_id_and_time(ctx: Context, clock: FakeClock) -> None:
    at = clock.now() - timedelta(days=1)
    event = new_event(
        ctx, type="x", customer_id=None, entity_id=None, data={}, event_id="ev_1", created_at=at
    )
    assert (event.id, event.created_at, event.seq) == ("ev_1", at, None)
    assert new_event(ctx, type="x", customer_id=None, entity_id=None, data={}).created_at == (
        clock.now()
    )
