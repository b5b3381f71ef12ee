"""The events store: the outbox every state change writes to, and the dispatcher's claims on it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.engine import (
    DRIVER_INTEGRITY_ERRORS,
    WORK_CHANNEL,
    DriverStatement,
    columns_sql,
)
from sendout.adapters.db.store_helpers import (
    Observed,
    param,
    select_by_id,
)
from sendout.domain.activity import ActivityQuery
from sendout.domain.errors import Conflict
from sendout.domain.events import Event, EventChannel, EventSource
from sendout.domain.ports import Page

_events = t.events.c
_EVENT_BY_ID = select_by_id(t.events)
_EVENTS_DELETE_FOR_CUSTOMER = t.events.delete().where(
    _events.project_id == param("project_id"), _events.customer_id == param("customer_id")
)


_EVENT_COLUMNS = columns_sql(t.events)
# Ordered by (dispatched_at, seq), all NULL then seq: the order ix_events_undispatched
# gives, and only it (ordered by seq, PostgreSQL may read the primary key instead, past
# every event dispatched: see migration 0029).
_UNDISPATCHED = DriverStatement(
    f"SELECT {_EVENT_COLUMNS} FROM events WHERE dispatched_at IS NULL "
    "ORDER BY dispatched_at, seq LIMIT ?",
    # Several dispatchers take different events (SQLite has one writer at a time anyway).
    f"SELECT {_EVENT_COLUMNS} FROM events WHERE dispatched_at IS NULL "
    "ORDER BY dispatched_at, seq LIMIT $1 FOR UPDATE SKIP LOCKED",
    returns=list(t.events.columns),
)
_BACKLOG = DriverStatement(
    "SELECT MIN(seq), COUNT(*) FROM (SELECT seq FROM events WHERE dispatched_at IS NULL "
    "ORDER BY dispatched_at, seq LIMIT ?)",
    "SELECT MIN(seq), COUNT(*) FROM (SELECT seq FROM events WHERE dispatched_at IS NULL "
    "ORDER BY dispatched_at, seq LIMIT $1) AS waiting",
)
# Only those still undispatched: a dispatcher that read its events outside the write lock
# learns from the count whether another one took some of them meanwhile.
_MARK_DISPATCHED = DriverStatement(
    "UPDATE events SET dispatched_at = ? "
    "WHERE seq IN (SELECT value FROM json_each(?)) AND dispatched_at IS NULL",
    "UPDATE events SET dispatched_at = $1 WHERE seq = ANY($2::bigint[]) AND dispatched_at IS NULL",
)
_EVENT_FIELDS = tuple(t.events.columns.keys())


def _event(row: Sequence[Any]) -> Event:
    """An event from its row (the columns of ``select(t.events)``, in order)."""
    m = dict(zip(_EVENT_FIELDS, row, strict=True))
    source = m["source"]
    return Event(
        id=m["id"],
        project_id=m["project_id"],
        type=m["type"],
        customer_id=m["customer_id"],
        entity_id=m["entity_id"],
        group_id=m["group_id"],
        source=EventSource(
            channel=EventChannel(source["channel"]),
            api_key_name=source.get("api_key_name"),
            app_id=source.get("app_id"),
            user_id=source.get("user_id"),
        ),
        created_at=m["created_at"],
        data=m["data"],
        seq=m["seq"],
    )


# Every state change writes one: straight through the driver. On PostgreSQL the same
# statement wakes the workers (``pg_notify``, delivered if and when the transaction commits,
# as ``signal_work`` would), instead of a NOTIFY of its own: one round trip fewer.
_EVENT_INSERT = DriverStatement(
    "INSERT INTO events (id, project_id, type, customer_id, entity_id, group_id, source, "
    "created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    f"WITH woken AS (SELECT pg_notify('{WORK_CHANNEL}', '')) "
    "INSERT INTO events (id, project_id, type, customer_id, entity_id, group_id, source, "
    "created_at, data) SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, "
    "$7::jsonb, $8::timestamptz, $9::jsonb FROM woken",
)


#: the columns ``_event_row`` fills, in its order
_EVENT_ROW_FIELDS = (
    "id",
    "project_id",
    "type",
    "customer_id",
    "entity_id",
    "group_id",
    "source",
    "created_at",
    "data",
)


def _event_row(event: Event) -> tuple[Any, ...]:
    """An event's values in the order of ``_EVENT_ROW_FIELDS`` (JSON documents as text)."""
    source = event.source
    return (
        event.id,
        event.project_id,
        str(event.type),
        event.customer_id,
        event.entity_id,
        event.group_id,
        orjson.dumps(
            {
                "channel": source.channel.value,
                "api_key_name": source.api_key_name,
                "app_id": source.app_id,
                "user_id": source.user_id,
            }
        ).decode(),
        event.created_at,
        orjson.dumps(event.data).decode(),
    )


class SqlEventStore(Observed):
    async def add(self, event: Event) -> None:
        # The dispatcher has an event to look at: _EVENT_INSERT wakes it.
        if self.facts is not None:
            self.facts.events.append(event.type)
        try:
            await self._tx.run(_EVENT_INSERT, *_event_row(event))
        except DRIVER_INTEGRITY_ERRORS as exc:
            raise Conflict(details="Duplicate key in events") from exc

    async def add_many(self, events: Sequence[Event], dispatched_at: datetime | None) -> None:
        if not events:
            return
        if dispatched_at is None:
            self._tx.signal_work()
        if self.facts is not None:
            self.facts.events.extend(event.type for event in events)
            if dispatched_at is not None:
                self.facts.dispatched.append(len(events))  # dispatched as they were written
        await self._tx.insert_many(
            t.events,
            _EVENT_ROW_FIELDS,
            [_event_row(e) for e in events],
            constants={"dispatched_at": dispatched_at},
        )

    async def get(self, project_id: str, event_id: str) -> Event | None:
        row = await self._one(_EVENT_BY_ID, project_id=project_id, id=event_id)
        return None if row is None else _event(row)

    async def recent(self, project_id: str, event_type: str, limit: int) -> list[Event]:
        rows = await self._tx.execute(
            sa.select(t.events)
            .where(t.events.c.project_id == project_id, t.events.c.type == event_type)
            .order_by(t.events.c.created_at.desc(), t.events.c.id.desc())
            .limit(limit)
        )
        return [_event(row) for row in rows]

    async def list_for_customer(
        self, project_id: str, customer_id: str, types: frozenset[str], query: ActivityQuery
    ) -> Page[Event]:
        c = _events
        wanted = c.type.in_(sorted(types)) if query.type is None else c.type == query.type
        return await self._activity(project_id, query, [c.customer_id == customer_id, wanted])

    async def list_for_card(
        self,
        project_id: str,
        holder_id: str,
        card_id: str,
        types: frozenset[str],
        query: ActivityQuery,
    ) -> Page[Event]:
        c = _events
        # A card's events name it as their entity (points, tiers) or carry it as their
        # ``voucher`` (redemptions, publications, rewards); the holder narrows the read to
        # the customer index.
        about_card = sa.or_(c.entity_id == card_id, c.data["voucher"]["id"].as_string() == card_id)
        return await self._activity(
            project_id,
            query,
            [c.customer_id == holder_id, c.type.in_(sorted(types)), about_card],
        )

    async def _activity(
        self, project_id: str, query: ActivityQuery, wanted: list[sa.ColumnElement[bool]]
    ) -> Page[Event]:
        c = _events
        conditions: list[sa.ColumnElement[bool]] = [c.project_id == project_id, *wanted]
        if query.start_date is not None:
            conditions.append(c.created_at >= query.start_date)
        if query.end_date is not None:
            conditions.append(c.created_at <= query.end_date)
        if query.starting_after_id is not None:
            cursor = (
                sa.select(c.seq)
                .where(c.project_id == project_id, c.id == query.starting_after_id)
                .scalar_subquery()
            )
            conditions.append(c.seq < cursor if query.descending else c.seq > cursor)
        rows = list(
            await self._tx.execute(
                sa.select(t.events)
                .where(*conditions)
                .order_by(c.seq.desc() if query.descending else c.seq)
                .limit(query.limit + 1)
            )
        )
        items = [_event(row) for row in rows[: query.limit]]
        return Page(items=items, total=None, has_more=len(rows) > query.limit)

    async def claim_undispatched(self, limit: int) -> list[Event]:
        return [_event(row) for row in await self._tx.fetch(_UNDISPATCHED, limit)]

    async def backlog(self, cap: int) -> tuple[int | None, int]:
        ((oldest, waiting),) = await self._tx.fetch(_BACKLOG, cap)
        return (None if oldest is None else int(oldest)), int(waiting)

    async def mark_dispatched(self, seqs: Sequence[int], now: datetime) -> int:
        marked = await self._tx.run(_MARK_DISPATCHED, now, list(seqs))
        if self.facts is not None and marked:
            self.facts.dispatched.append(marked)  # the batch's size
        return marked

    async def remove_for_customer(self, project_id: str, customer_id: str) -> int:
        result = await self._tx.execute(
            _EVENTS_DELETE_FOR_CUSTOMER, {"project_id": project_id, "customer_id": customer_id}
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
