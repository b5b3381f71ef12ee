"""Writing events to the outbox, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sendout.domain.events import Event
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import UnitOfWork
from sendout.services.context import Context


async def record_event(
    uow: UnitOfWork,
    ctx: Context,
    *,
    type: str,
    customer_id: str | None,
    entity_id: str | None,
    data: Mapping[str, Any],
    event_id: str | None = None,
    created_at: datetime | None = None,
) -> Event:
    """Add one event row; it commits or rolls back with the state change that caused it."""
    event = new_event(
        ctx,
        type=type,
        customer_id=customer_id,
        entity_id=entity_id,
        data=data,
        event_id=event_id,
        created_at=created_at,
    )
    await uow.events.add(event)
    return event


def new_event(
    ctx: Context,
    *,
    type: str,
    customer_id: str | None,
    entity_id: str | None,
    data: Mapping[str, Any],
    event_id: str | None = None,
    created_at: datetime | None = None,
) -> Event:
    """An event of ``ctx`` (its project, request and source), for ``record_event`` or to be
    written with others (``EventStore.add_many``)."""
    return Event(
        id=event_id or ctx.new_sortable_id(IdPrefix.EVENT),
        project_id=ctx.project_id,
        type=type,
        customer_id=customer_id,
        entity_id=entity_id,
        group_id=ctx.request_id,
        source=ctx.source,
        created_at=created_at or ctx.now(),
        data=data,
    )
