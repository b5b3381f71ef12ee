"""What every store shares: the base of stores over one open connection (the unit of work's
transaction), the statements they build from a table, and Voucherify's list filters in SQL."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sendout.adapters.db import tables as t
from sendout.adapters.db.engine import (
    Params,
    Transaction,
)
from sendout.domain.errors import Conflict
from sendout.domain.list_filters import ListFilter, Op, holds_constant
from sendout.domain.observations import Facts
from sendout.domain.ports import Page

_INSERTS = {table.name: table.insert() for table in t.metadata.tables.values()}


def param(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name)


T = TypeVar("T")


def select_by_id(table: sa.Table) -> sa.Select[Any]:
    """A project's row of ``table`` by its id (parameters ``project_id`` and ``id``)."""
    return sa.select(table).where(
        table.c.project_id == param("project_id"), table.c.id == param("id")
    )


def update_by_id(table: sa.Table) -> sa.Update:
    """Writes a project's row of ``table`` by its id (parameters ``where_project_id`` and
    ``where_id``, the others the columns to set)."""
    return table.update().where(
        table.c.project_id == param("where_project_id"), table.c.id == param("where_id")
    )


def matching(*wanted: tuple[sa.ColumnElement[Any], object]) -> list[sa.ColumnElement[bool]]:
    """A list query's equality conditions: each column equals its value, but for the values
    the query leaves open (None)."""
    return [column == value for column, value in wanted if value is not None]


def created_within(
    column: sa.ColumnElement[datetime], after: datetime | None, before: datetime | None
) -> list[sa.ColumnElement[bool]]:
    """A list query's creation window: from ``after`` on, before ``before`` (each if given)."""
    window = [] if after is None else [column >= after]
    return window if before is None else [*window, column < before]


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


class SqlStore:
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

    async def _update(
        self,
        statement: sa.Executable,
        values: dict[str, Any],
        what: str,
        *,
        by_project: bool = True,
    ) -> None:
        """Write a row's ``values`` over the stored row of its id, and of its project unless
        ``statement`` picks the row by id alone (``by_project``, as ``update_by_id`` does); all
        but what never changes once inserted (its id, its project, its creation time)."""
        where = {"where_id": values.pop("id")}
        project_id = values.pop("project_id")
        if by_project:
            where["where_project_id"] = project_id
        del values["created_at"]
        values.update(where)
        await self._write(statement, values, what)

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


class Observed(SqlStore):
    """A store whose writes count in the metrics: it notes them in ``facts``, which its unit
    of work hands to the observer once they commit (None: nobody observes)."""

    def __init__(self, tx: Transaction, facts: Facts | None = None) -> None:
        super().__init__(tx)
        self.facts = facts
