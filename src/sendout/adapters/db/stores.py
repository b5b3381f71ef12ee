"""Stores over one open connection (the unit of work's transaction)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sendout.adapters.db import tables as t
from sendout.adapters.db.engine import DriverStatement, Params, Transaction, columns_sql
from sendout.domain.activity import ActivityQuery
from sendout.domain.clock import iso_or_none, parse_iso
from sendout.domain.custom_events import CustomEventSchema
from sendout.domain.customers import Customer, CustomerOrder, CustomerQuery
from sendout.domain.errors import Conflict
from sendout.domain.events import Event, EventChannel, EventSource
from sendout.domain.list_filters import ListFilter, Op, holds_constant
from sendout.domain.observations import Facts
from sendout.domain.orders import OrdersSummary
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


_customers = t.customers.c
_CUSTOMER_ORDER_COLUMNS = {
    CustomerOrder.CREATED_AT: _customers.created_at,
    CustomerOrder.UPDATED_AT: _customers.updated_at,
    CustomerOrder.SOURCE_ID: _customers.source_id,
}
_CUSTOMER_BY_ID = sa.select(t.customers).where(
    _customers.project_id == _param("project_id"), _customers.id == _param("id")
)
_CUSTOMER_BY_SOURCE_ID = sa.select(t.customers).where(
    _customers.project_id == _param("project_id"), _customers.source_id == _param("source_id")
)
# Bound names for the WHERE clause differ from column names: in an UPDATE, a parameter
# named after a column sets that column.
_CUSTOMER_UPDATE = t.customers.update().where(
    _customers.project_id == _param("where_project_id"), _customers.id == _param("where_id")
)
_CUSTOMER_LOCK = (
    sa.select(_customers.id)
    .where(_customers.project_id == _param("project_id"), _customers.id == _param("id"))
    .with_for_update()
)
_CUSTOMER_DELETE = t.customers.delete().where(
    _customers.project_id == _param("project_id"), _customers.id == _param("id")
)


def _customer_values(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "project_id": customer.project_id,
        "source_id": customer.source_id,
        "name": customer.name,
        "description": customer.description,
        "email": customer.email,
        "phone": customer.phone,
        "birthdate": customer.birthdate,
        "birthday": customer.birthday,
        "address": None if customer.address is None else dict(customer.address),
        "metadata": dict(customer.metadata),
        "system_metadata": dict(customer.system_metadata),
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
        "orders_summary": _summary_value(customer.orders_summary),
        "redemptions_summary": None
        if customer.redemptions_summary is None
        else dict(customer.redemptions_summary),
        "referrals": None if customer.referrals is None else dict(customer.referrals),
        "referred_customers": customer.referred_customers,
    }


def _summary_value(summary: OrdersSummary) -> dict[str, Any] | None:
    if summary.total_count == 0:
        return None
    return {
        "total_count": summary.total_count,
        "total_amount": summary.total_amount,
        "last_order_amount": summary.last_order_amount,
        "last_order_date": iso_or_none(summary.last_order_date),
    }


def _customer(row: sa.Row[Any]) -> Customer:
    m = dict(row._mapping)
    raw = m.pop("orders_summary")
    if raw is None:
        return Customer(**m)
    last = raw.get("last_order_date")
    summary = OrdersSummary(
        total_count=raw["total_count"],
        total_amount=raw["total_amount"],
        last_order_amount=raw.get("last_order_amount"),
        last_order_date=None if last is None else parse_iso(last),
    )
    return Customer(**m, orders_summary=summary)


class SqlCustomerStore(_Store):
    async def add(self, customer: Customer) -> None:
        await self._insert(t.customers, _customer_values(customer))

    async def update(self, customer: Customer) -> None:
        values = _customer_values(customer)
        del values["id"], values["project_id"], values["created_at"]
        values.update(where_project_id=customer.project_id, where_id=customer.id)
        await self._write(_CUSTOMER_UPDATE, values, "customers")

    async def get(self, project_id: str, customer_id: str) -> Customer | None:
        row = await self._one(_CUSTOMER_BY_ID, project_id=project_id, id=customer_id)
        return None if row is None else _customer(row)

    async def get_by_source_id(self, project_id: str, source_id: str) -> Customer | None:
        row = await self._one(_CUSTOMER_BY_SOURCE_ID, project_id=project_id, source_id=source_id)
        return None if row is None else _customer(row)

    async def list(self, project_id: str, query: CustomerQuery) -> Page[Customer]:
        c = _customers
        conditions: list[sa.ColumnElement[bool]] = [c.project_id == project_id]
        if query.segment_id is not None:
            members = t.segment_members.c
            conditions.append(
                c.id.in_(
                    sa.select(members.customer_id).where(
                        members.project_id == project_id, members.segment_id == query.segment_id
                    )
                )
            )
        if query.email is not None:
            conditions.append(c.email == query.email)
        if query.name is not None:
            conditions.append(c.name == query.name)
        if query.city is not None:
            conditions.append(c.address["city"].as_string() == query.city)
        for column, bound, later in (
            (c.created_at, query.created_before, False),
            (c.created_at, query.created_after, True),
            (c.updated_at, query.updated_before, False),
            (c.updated_at, query.updated_after, True),
        ):
            if bound is not None:
                conditions.append(column > bound if later else column < bound)
        if query.starting_after is not None:
            conditions.append(
                c.created_at < query.starting_after
                if query.descending
                else c.created_at > query.starting_after
            )
        order_column = _CUSTOMER_ORDER_COLUMNS[query.order]
        ordering = (order_column.desc(), c.id.desc()) if query.descending else (order_column, c.id)
        return await self._paged(
            t.customers, conditions, ordering, query.limit, query.page, _customer
        )

    async def remove(self, project_id: str, customer_id: str) -> None:
        await self._tx.execute(_CUSTOMER_DELETE, {"project_id": project_id, "id": customer_id})

    async def after(self, project_id: str, after_id: str | None, limit: int) -> Sequence[Customer]:
        c = _customers
        conditions = [c.project_id == project_id]
        if after_id is not None:
            conditions.append(c.id > after_id)
        rows = await self._tx.execute(
            sa.select(t.customers).where(*conditions).order_by(c.id).limit(limit)
        )
        return [_customer(row) for row in rows]

    async def lock(self, project_id: str, customer_id: str) -> None:
        await self._tx.execute(_CUSTOMER_LOCK, {"project_id": project_id, "id": customer_id})


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


class SqlEventStore(Observed):
    async def add(self, event: Event) -> None:
        self._tx.signal_work()  # the dispatcher has an event to look at
        if self.facts is not None:
            self.facts.events.append(event.type)
        await self._insert(
            t.events,
            {
                "id": event.id,
                "project_id": event.project_id,
                "type": event.type,
                "customer_id": event.customer_id,
                "entity_id": event.entity_id,
                "group_id": event.group_id,
                "source": {
                    "channel": event.source.channel.value,
                    "api_key_name": event.source.api_key_name,
                    "app_id": event.source.app_id,
                    "user_id": event.source.user_id,
                },
                "created_at": event.created_at,
                "data": dict(event.data),
            },
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
