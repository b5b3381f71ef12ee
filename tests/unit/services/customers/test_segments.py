"""Segments on the in-memory fakes: static ones get their customers at once, rule ones are
synced by the worker and then kept current as customers change (auto-update ones recording
entered and left events), and a deleted customer leaves them all."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sendout.domain.async_actions import AsyncActionType
from sendout.domain.customers import CustomerRef
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.domain.segments import MAX_RULE_SEGMENTS, SegmentType, SyncStatus
from sendout.services.context import Context
from sendout.services.customers import segments as svc
from sendout.services.customers.customers import (
    delete_customer,
    update_customer,
    upsert_customer,
)
from sendout.testing import FakeClock, InMemoryUnitOfWorkFactory, make_context, seeded_rng

GOLD = {"junction": "and", "metadata.tier": {"conditions": {"$is": ["gold"]}}}


async def customer(uow: InMemoryUnitOfWorkFactory, ctx: Context, who: str, tier: str) -> str:
    ref = CustomerRef(source_id=who, fields={"metadata": {"tier": tier}})
    return (await upsert_customer(uow, ctx, ref)).id


def segment_events(uow: InMemoryUnitOfWorkFactory) -> list[tuple[str, Any]]:
    wanted = {EventType.SEGMENT_ENTERED, EventType.SEGMENT_LEFT}
    return [(e.type, e.customer_id) for e in uow.data.events if e.type in wanted]


async def test_a_static_segment_holds_the_customers_it_lists(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    ann = await customer(uow, ctx, "ann", "gold")
    draft = svc.SegmentDraft(name="Picked", type=SegmentType.STATIC, customers=["ann"])
    segment = await svc.create_segment(uow, ctx, draft)
    assert segment.initial_sync_status is SyncStatus.DONE
    assert [s.id for s in await svc.customer_segments(uow, ctx, ann)] == [segment.id]
    assert uow.data.async_actions == {}


async def test_a_static_segment_of_an_unknown_customer_is_not_made(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    draft = svc.SegmentDraft(name="Picked", type=SegmentType.STATIC, customers=["nobody"])
    with pytest.raises(NotFound):
        await svc.create_segment(uow, ctx, draft)
    assert uow.data.segments == {}


@pytest.mark.parametrize(
    ("kind", "customers", "rules"),
    [
        (SegmentType.STATIC, [], None),
        (SegmentType.AUTO_UPDATE, [], {"junction": "xor"}),
        (SegmentType.PASSIVE, [], {"nickname": {"conditions": {"$is": ["x"]}}}),
    ],
)
async def test_a_segment_must_name_customers_or_usable_rules(
    uow: InMemoryUnitOfWorkFactory,
    ctx: Context,
    kind: SegmentType,
    customers: list[str],
    rules: dict[str, Any] | None,
) -> None:
    draft = svc.SegmentDraft(name="Bad", type=kind, customers=customers, filter=rules)
    with pytest.raises(InvalidPayload):
        await svc.create_segment(uow, ctx, draft)


async def test_a_rule_segment_waits_for_its_first_sync(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    await customer(uow, ctx, "ann", "gold")
    await customer(uow, ctx, "bob", "silver")
    draft = svc.SegmentDraft(name="Gold", type=SegmentType.AUTO_UPDATE, filter=GOLD)
    segment = await svc.create_segment(uow, ctx, draft)
    assert segment.initial_sync_status is SyncStatus.IN_PROGRESS
    (action,) = uow.data.async_actions.values()
    assert action.type is AsyncActionType.SEGMENT_SYNC
    assert (action.request["segment_id"], action.total) == (segment.id, 2)


async def test_a_project_has_a_bounded_number_of_rule_segments(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    draft = svc.SegmentDraft(name="Gold", type=SegmentType.PASSIVE, filter=GOLD)
    for _ in range(MAX_RULE_SEGMENTS):
        await svc.create_segment(uow, ctx, draft)
    with pytest.raises(InvalidPayload):
        await svc.create_segment(uow, ctx, draft)
    other = make_context("proj_other", rng=seeded_rng(2))
    await svc.create_segment(uow, other, draft)  # another project's count is its own


async def test_auto_update_members_enter_and_leave_as_they_change(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    draft = svc.SegmentDraft(name="Gold", type=SegmentType.AUTO_UPDATE, filter=GOLD)
    segment = await svc.create_segment(uow, ctx, draft)
    ann = await customer(uow, ctx, "ann", "gold")
    await customer(uow, ctx, "bob", "silver")
    await update_customer(uow, ctx, "ann", {"metadata": {"tier": "silver"}})
    await update_customer(uow, ctx, "bob", {"metadata": {"tier": "gold"}})
    bob = (await upsert_customer(uow, ctx, CustomerRef(source_id="bob"))).id
    assert segment_events(uow) == [
        (EventType.SEGMENT_ENTERED, ann),
        (EventType.SEGMENT_LEFT, ann),
        (EventType.SEGMENT_ENTERED, bob),
    ]
    assert await svc.customer_segments(uow, ctx, ann) == []
    assert [s.id for s in await svc.customer_segments(uow, ctx, bob)] == [segment.id]


async def test_passive_members_move_without_events(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    draft = svc.SegmentDraft(name="Gold", type=SegmentType.PASSIVE, filter=GOLD)
    segment = await svc.create_segment(uow, ctx, draft)
    ann = await customer(uow, ctx, "ann", "gold")
    assert [s.id for s in await svc.customer_segments(uow, ctx, ann)] == [segment.id]
    assert segment_events(uow) == []


async def test_a_deleted_customer_leaves_every_segment_silently(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    draft = svc.SegmentDraft(name="Gold", type=SegmentType.AUTO_UPDATE, filter=GOLD)
    await svc.create_segment(uow, ctx, draft)
    await customer(uow, ctx, "ann", "gold")
    await delete_customer(uow, ctx, "ann")
    assert uow.data.members == {}
    assert [t for t, _ in segment_events(uow)] == [EventType.SEGMENT_ENTERED]


async def test_segments_are_read_listed_and_deleted_in_their_project(
    uow: InMemoryUnitOfWorkFactory, ctx: Context, clock: FakeClock
) -> None:
    clock.step = timedelta(seconds=1)  # listed newest first
    draft = svc.SegmentDraft(name="Gold", type=SegmentType.PASSIVE, filter=GOLD)
    first = await svc.create_segment(uow, ctx, draft)
    second = await svc.create_segment(uow, ctx, draft)
    page = await svc.list_segments(uow, ctx, 1, 1)
    assert ([s.id for s in page.items], page.total, page.has_more) == ([second.id], 2, True)
    other = make_context("proj_other")
    with pytest.raises(NotFound):
        await svc.get_segment(uow, other, first.id)
    with pytest.raises(NotFound):
        await svc.delete_segment(uow, other, first.id)
    await svc.delete_segment(uow, ctx, first.id)
    with pytest.raises(NotFound):
        await svc.get_segment(uow, ctx, first.id)
    assert (await svc.get_segment(uow, ctx, second.id)).name == "Gold"


async def test_the_segments_of_an_unknown_customer_are_not_found(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    with pytest.raises(NotFound):
        await svc.customer_segments(uow, ctx, "nobody")
