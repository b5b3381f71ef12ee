"""Stores over one open connection (the unit of work's transaction)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sendout.adapters.db import tables as t
from sendout.adapters.db.engine import (
    DRIVER_INTEGRITY_ERRORS,
    WORK_CHANNEL,
    DriverStatement,
    Params,
    Transaction,
    columns_sql,
)
from sendout.domain.activity import ActivityQuery
from sendout.domain.custom_events import CustomEventSchema
from sendout.domain.errors import Conflict
from sendout.domain.events import Event, EventChannel, EventSource
from sendout.domain.list_filters import ListFilter, Op, holds_constant
from sendout.domain.observations import Facts
from sendout.domain.ports import Page
from sendout.domain.projects import ApiKey, Project

_INSERTS = {table.name: table.insert() for table in t.metadata.tables.values()}


def _param(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name)


T = TypeVar("T")


def filter_clause(
    wanted: ListFilter,
    columns: Mapping[str, sa.ColumnElement[Any]],
    constants: Mapping[str, str | None] | None = None,
) -> sa.ColumnElement[bool]:
    """SQL for Voucherify's advanced list filters: each field is a column, or a value every
    row shares (``constants``: e.g. a publication's ``result`` is always SUCCESS)."""
    clauses: list[sa.ColumnElement[bool]] = []
    for condition in wanted.conditions:
        if condition.field in (constants or {}):
            actual = (constants or {})[condition.field]
            clauses.append(sa.true() if holds_constant(condition, actual) else sa.false())
            continue
        clauses.append(_condition(columns[condition.field], condition.op, condition.values))
    return sa.or_(*clauses) if wanted.any_of else sa.and_(*clauses)


def _condition(
    column: sa.ColumnElement[Any], op: Op, values: Sequence[str]
) -> sa.ColumnElement[bool]:
    if op in (Op.IS, Op.IN):
        return column.in_(list(values))
    if op in (Op.IS_NOT, Op.NOT_IN):
        return sa.or_(column.is_(None), column.not_in(list(values)))
    if op is Op.HAS_VALUE:
        return column.is_not(None)
    if op is Op.IS_UNKNOWN:
        return column.is_(None)
    if op is Op.STARTS_WITH:
        return sa.or_(*(column.startswith(v, autoescape=True) for v in values))
    if op is Op.ENDS_WITH:
        return sa.or_(*(column.endswith(v, autoescape=True) for v in values))
    contains = sa.or_(*(column.contains(v, autoescape=True) for v in values))
    return contains if op is Op.CONTAINS else sa.or_(column.is_(None), sa.not_(contains))


class _Store:
    """Statements are built once, at import, with bound parameters: building and hashing a
    statement per call costs SQLAlchemy ten times what SQLite needs to run it."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def _insert(self, table: sa.Table, values: Mapping[str, Any]) -> None:
        await self._write(_INSERTS[table.name], dict(values), table.name)

    async def _write(self, statement: sa.Executable, params: Params, what: str) -> None:
        try:
            await self._tx.execute(statement, params)
        except IntegrityError as exc:
            # A unique key taken by a concurrent transaction: the service retries the whole
            # unit of work, which then finds the other row.
            raise Conflict(details=f"Duplicate key in {what}") from exc

    async def _one(self, statement: sa.Executable, **params: Any) -> sa.Row[Any] | None:
        row: sa.Row[Any] | None = (await self._tx.execute(statement, params)).first()
        return row

    async def _paged(
        self,
        table: sa.Table,
        conditions: Sequence[sa.ColumnElement[bool]],
        ordering: Sequence[sa.ColumnElement[Any]],
        limit: int,
        page: int,
        convert: Callable[[sa.Row[Any]], T],
    ) -> Page[T]:
        """One page of ``table``'s rows matching ``conditions``, and how many match in all.

        Counted first: on PostgreSQL (read committed) each statement sees the commits made
        before it, so a row committed in between can raise the page, never leave it emptier
        than the total says (a total of 1 above an empty page, seen in tests).
        """
        count = sa.select(sa.func.count()).select_from(table).where(*conditions)
        total = int((await self._tx.execute(count)).scalar_one())
        offset = (page - 1) * limit
        rows = await self._tx.execute(
            sa.select(table).where(*conditions).order_by(*ordering).limit(limit).offset(offset)
        )
        items = [convert(row) for row in rows]
        if items:
            # Only rows seen raise the total: a page past the end says nothing about it.
            total = max(total, offset + len(items))
        return Page(items=items, total=total, has_more=offset + len(items) < total)


class Observed(_Store):
    """A store whose writes count in the metrics: it notes them in ``facts``, which its unit
    of work hands to the observer once they commit (None: nobody observes)."""

    def __init__(self, tx: Transaction, facts: Facts | None = None) -> None:
        super().__init__(tx)
        self.facts = facts


_PROJECT_BY_ID = sa.select(t.projects).where(t.projects.c.id == _param("id"))
_PROJECT_COUNT = sa.select(sa.func.count()).select_from(t.projects)
_KEY_BY_APP_ID = sa.select(t.api_keys).where(t.api_keys.c.app_id == _param("app_id"))


class SqlProjectStore(_Store):
    async def add(self, project: Project) -> None:
        await self._insert(
            t.projects,
            {
                "id": project.id,
                "name": project.name,
                "created_at": project.created_at,
                "alert_email": project.alert_email,
            },
        )

    async def set_alert_email(self, project_id: str, alert_email: str | None) -> None:
        await self._tx.execute(
            t.projects.update().where(t.projects.c.id == project_id).values(alert_email=alert_email)
        )

    async def get(self, project_id: str) -> Project | None:
        row = await self._one(_PROJECT_BY_ID, id=project_id)
        return None if row is None else Project(**row._mapping)

    async def count(self) -> int:
        return int((await self._tx.execute(_PROJECT_COUNT)).scalar_one())

    async def oldest(self, limit: int) -> list[Project]:
        rows = await self._tx.execute(
            sa.select(t.projects).order_by(t.projects.c.created_at, t.projects.c.id).limit(limit)
        )
        return [Project(**row._mapping) for row in rows]

    async def add_key(self, key: ApiKey) -> None:
        await self._insert(
            t.api_keys,
            {
                "app_id": key.app_id,
                "project_id": key.project_id,
                "name": key.name,
                "token_hash": key.token_hash,
                "created_at": key.created_at,
            },
        )

    async def get_key(self, app_id: str) -> ApiKey | None:
        row = await self._one(_KEY_BY_APP_ID, app_id=app_id)
        return None if row is None else ApiKey(**row._mapping)


_events = t.events.c
_EVENT_BY_ID = sa.select(t.events).where(
    _events.project_id == _param("project_id"), _events.id == _param("id")
)
_EVENTS_DELETE_FOR_CUSTOMER = t.events.delete().where(
    _events.project_id == _param("project_id"), _events.customer_id == _param("customer_id")
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
        conditions: list[sa.ColumnElement[bool]] = [
            c.project_id == project_id,
            c.customer_id == customer_id,
            c.type.in_(sorted(types)) if query.type is None else c.type == query.type,
        ]
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


_schemas = t.custom_event_schemas.c
_SCHEMA_BY_NAME = sa.select(t.custom_event_schemas).where(
    _schemas.project_id == _param("project_id"), _schemas.name == _param("name")
)


SchemaCache = dict[tuple[str, str], CustomEventSchema]
MAX_CACHED_SCHEMAS = 10_000


class SqlCustomEventSchemaStore(_Store):
    """Schemas are never changed or deleted once committed, so committed ones are cached for
    the life of the process: tracking an event costs no lookup for a name seen before."""

    def __init__(
        self, tx: Transaction, cache: SchemaCache, on_commit: Callable[[Callable[[], None]], None]
    ) -> None:
        super().__init__(tx)
        self._cache = cache
        self._on_commit = on_commit
        self._added: set[tuple[str, str]] = set()

    async def get_by_name(self, project_id: str, name: str) -> CustomEventSchema | None:
        key = (project_id, name)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        row = await self._one(_SCHEMA_BY_NAME, project_id=project_id, name=name)
        if row is None:
            return None
        schema = CustomEventSchema(**row._mapping)
        if key not in self._added:  # a row of this very transaction is not committed yet
            self._remember(key, schema)
        return schema

    async def add(self, schema: CustomEventSchema) -> None:
        await self._insert(
            t.custom_event_schemas,
            {
                "id": schema.id,
                "project_id": schema.project_id,
                "name": schema.name,
                "created_at": schema.created_at,
            },
        )
        key = (schema.project_id, schema.name)
        self._added.add(key)
        self._on_commit(lambda: self._remember(key, schema))

    def _remember(self, key: tuple[str, str], schema: CustomEventSchema) -> None:
        if len(self._cache) >= MAX_CACHED_SCHEMAS:
            self._cache.clear()
        self._cache[key] = schema
