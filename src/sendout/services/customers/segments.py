"""Segments: create, read, list, delete; keep rule segments' members current as customers
change, recording ``customer.segment.entered`` and ``.left`` in the change's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sendout.domain.async_actions import AsyncAction, AsyncActionType, AsyncStatus
from sendout.domain.customers import Customer, CustomerQuery, customer_object, simple_customer
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.domain.facts import CustomerChanged, CustomerRemoved, SegmentEntered
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.segments import (
    MAX_RULE_SEGMENTS,
    Segment,
    SegmentType,
    SyncStatus,
    check_filter,
    check_static_customers,
    filter_matches,
    simple_segment,
)
from sendout.services.bus import publish
from sendout.services.context import Context
from sendout.services.recording import record_event

SYNC_BATCH = 500  # customers evaluated per committed step of a new segment's first sync


@dataclass(frozen=True, slots=True, kw_only=True)
class SegmentDraft:
    name: str
    type: SegmentType
    customers: Sequence[str] = ()
    filter: Mapping[str, Any] | None = None


async def create_segment(
    uow_factory: UnitOfWorkFactory, ctx: Context, draft: SegmentDraft
) -> Segment:
    """A static segment gets its listed customers now; a rule segment is evaluated over the
    existing customers by the worker (``initial_sync_status`` IN_PROGRESS, then DONE)."""
    now = ctx.now()
    by_rules = draft.type is not SegmentType.STATIC
    if by_rules:
        check_filter(draft.filter)
    else:
        check_static_customers(draft.customers)
    segment = Segment(
        id=ctx.new_id(IdPrefix.SEGMENT),
        project_id=ctx.project_id,
        name=draft.name,
        type=draft.type,
        filter=draft.filter if by_rules else None,
        initial_sync_status=SyncStatus.IN_PROGRESS if by_rules else SyncStatus.DONE,
        created_at=now,
    )
    async with uow_factory() as uow:
        if by_rules:
            if await uow.segments.count_by_rules(ctx.project_id) >= MAX_RULE_SEGMENTS:
                raise InvalidPayload(
                    details=f"a project has at most {MAX_RULE_SEGMENTS} rule segments",
                    key="invalid_segment",
                )
            await uow.segments.add(segment)
            everyone = await uow.customers.list(ctx.project_id, CustomerQuery(limit=1))
            await uow.async_actions.add(
                AsyncAction(
                    id=ctx.new_id(IdPrefix.ASYNC_ACTION),
                    project_id=ctx.project_id,
                    type=AsyncActionType.SEGMENT_SYNC,
                    request={"segment_id": segment.id, "after": None},
                    total=everyone.total or 0,
                    created_at=now,
                )
            )
        else:
            members = {(await _customer(uow, ctx, ref)).id for ref in draft.customers}
            await uow.segments.add(segment)
            await uow.segments.add_members(ctx.project_id, segment.id, members, now)
        await uow.commit()
    return segment


async def _customer(uow: UnitOfWork, ctx: Context, id_or_source_id: str) -> Customer:
    customer = await uow.customers.get(ctx.project_id, id_or_source_id)
    if customer is None:
        customer = await uow.customers.get_by_source_id(ctx.project_id, id_or_source_id)
    if customer is None:
        raise NotFound.of("customer", id_or_source_id)
    return customer


async def _require(uow: UnitOfWork, ctx: Context, segment_id: str) -> Segment:
    segment = await uow.segments.get(ctx.project_id, segment_id)
    if segment is None:
        raise NotFound.of("segment", segment_id)
    return segment


async def get_segment(uow_factory: UnitOfWorkFactory, ctx: Context, segment_id: str) -> Segment:
    async with uow_factory() as uow:
        return await _require(uow, ctx, segment_id)


async def list_segments(
    uow_factory: UnitOfWorkFactory, ctx: Context, limit: int, page: int
) -> Page[Segment]:
    async with uow_factory() as uow:
        return await uow.segments.list(ctx.project_id, limit, page)


async def delete_segment(uow_factory: UnitOfWorkFactory, ctx: Context, segment_id: str) -> None:
    async with uow_factory() as uow:
        await _require(uow, ctx, segment_id)
        await uow.segments.remove(ctx.project_id, segment_id)
        await uow.commit()


async def customer_segments(
    uow_factory: UnitOfWorkFactory, ctx: Context, customer_id: str
) -> Sequence[Segment]:
    async with uow_factory() as uow:
        customer = await _customer(uow, ctx, customer_id)
        ids = await uow.segments.memberships(ctx.project_id, customer.id)
        return await uow.segments.get_many(ctx.project_id, ids)


async def reevaluate(uow: UnitOfWork, ctx: Context, fact: CustomerChanged) -> None:
    """After a change to a customer: join the rule segments they now match, leave those they
    no longer do, and record it for auto-update segments (in the caller's transaction)."""
    customer = fact.customer
    segments = await uow.segments.by_rules(ctx.project_id)
    if not segments:
        return
    view = customer_object(customer)
    current = await uow.segments.memberships(ctx.project_id, customer.id)
    now = ctx.now()
    for segment in segments:
        assert segment.filter is not None
        inside = filter_matches(segment.filter, view)
        if inside == (segment.id in current):
            continue
        if inside:
            await uow.segments.add_members(ctx.project_id, segment.id, [customer.id], now)
        else:
            await uow.segments.remove_member(ctx.project_id, segment.id, customer.id)
        if segment.announces and inside:
            await publish(uow, ctx, SegmentEntered(customer=customer, segment_id=segment.id))
        if segment.announces:
            await record_event(
                uow,
                ctx,
                type=(EventType.SEGMENT_ENTERED if inside else EventType.SEGMENT_LEFT).value,
                customer_id=customer.id,
                entity_id=customer.id,
                data={"customer": simple_customer(customer), "segment": simple_segment(segment)},
            )


async def forget_member(uow: UnitOfWork, ctx: Context, fact: CustomerRemoved) -> None:
    """A deleted customer leaves every segment (without a left event: they are gone)."""
    for segment_id in await uow.segments.memberships(ctx.project_id, fact.customer_id):
        await uow.segments.remove_member(ctx.project_id, segment_id, fact.customer_id)


async def sync_step(uow: UnitOfWork, ctx: Context, action: AsyncAction) -> AsyncAction:
    """One batch of a new rule segment's first evaluation over the existing customers.

    Matching customers join without an entered event: the segment is new, they did not move.
    """
    segment = await uow.segments.get(ctx.project_id, action.request["segment_id"])
    if segment is None or segment.filter is None:
        return replace(action, status=AsyncStatus.FAILED, result={"message": "segment deleted"})
    batch = await uow.customers.after(ctx.project_id, action.request.get("after"), SYNC_BATCH)
    if not batch:
        await uow.segments.set_synced(segment.id, ctx.now())
        return replace(
            action,
            status=AsyncStatus.DONE,
            result={"message": f"{action.done} customers evaluated", "count": action.done},
        )
    # A change during the sync may have added some already.
    members = await uow.segments.members_among(ctx.project_id, segment.id, [c.id for c in batch])
    matching = [c.id for c in batch if filter_matches(segment.filter, customer_object(c))]
    await uow.segments.add_members(
        ctx.project_id, segment.id, [c for c in matching if c not in members], ctx.now()
    )
    done = action.done + len(batch)
    return replace(
        action,
        done=done,
        total=max(action.total, done),
        request={**action.request, "after": batch[-1].id},
    )
