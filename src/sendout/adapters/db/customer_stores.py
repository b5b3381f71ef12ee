"""The customers store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.engine import DriverStatement, columns_sql
from sendout.adapters.db.store_helpers import SqlStore, param, select_by_id, update_by_id
from sendout.domain.clock import iso_or_none, parse_iso
from sendout.domain.customers import Customer, CustomerOrder, CustomerQuery
from sendout.domain.orders import OrdersSummary
from sendout.domain.ports import Page

_customers = t.customers.c
_CUSTOMER_ORDER_COLUMNS = {
    CustomerOrder.CREATED_AT: _customers.created_at,
    CustomerOrder.UPDATED_AT: _customers.updated_at,
    CustomerOrder.SOURCE_ID: _customers.source_id,
}
_CUSTOMER_BY_ID = select_by_id(t.customers)
# Every event tracked looks its customer up this way: straight through the driver.
_CUSTOMER_BY_SOURCE_ID = DriverStatement(
    f"SELECT {columns_sql(t.customers)} FROM customers WHERE project_id = ? AND source_id = ?",
    f"SELECT {columns_sql(t.customers)} FROM customers WHERE project_id = $1 AND source_id = $2",
    returns=list(t.customers.columns),
)
_CUSTOMER_FIELDS = tuple(t.customers.columns.keys())
# Bound names for the WHERE clause differ from column names: in an UPDATE, a parameter
# named after a column sets that column.
_CUSTOMER_UPDATE = update_by_id(t.customers)
_CUSTOMER_LOCK = (
    sa.select(_customers.id)
    .where(_customers.project_id == param("project_id"), _customers.id == param("id"))
    .with_for_update()
)
_CUSTOMER_DELETE = t.customers.delete().where(
    _customers.project_id == param("project_id"), _customers.id == param("id")
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
    return _customer_of(dict(row._mapping))


def _customer_of(m: dict[str, Any]) -> Customer:
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


def _customer_conditions(project_id: str, query: CustomerQuery) -> list[sa.ColumnElement[bool]]:
    """The conditions of ``query``'s filters (its ordering and paging aside)."""
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
    return conditions


class SqlCustomerStore(SqlStore):
    async def add(self, customer: Customer) -> None:
        await self._insert(t.customers, _customer_values(customer))

    async def update(self, customer: Customer) -> None:
        await self._update(_CUSTOMER_UPDATE, _customer_values(customer), "customers")

    async def get(self, project_id: str, customer_id: str) -> Customer | None:
        row = await self._one(_CUSTOMER_BY_ID, project_id=project_id, id=customer_id)
        return None if row is None else _customer(row)

    async def get_by_source_id(self, project_id: str, source_id: str) -> Customer | None:
        rows = await self._tx.fetch(_CUSTOMER_BY_SOURCE_ID, project_id, source_id)
        return None if not rows else _customer_of(dict(zip(_CUSTOMER_FIELDS, rows[0], strict=True)))

    async def list(self, project_id: str, query: CustomerQuery) -> Page[Customer]:
        c = _customers
        conditions = _customer_conditions(project_id, query)
        order_column = _CUSTOMER_ORDER_COLUMNS[query.order]
        ordering = (order_column.desc(), c.id.desc()) if query.descending else (order_column, c.id)
        return await self._paged(
            t.customers, conditions, ordering, query.limit, query.page, _customer
        )

    async def matching_after(
        self, project_id: str, query: CustomerQuery, after: tuple[datetime, str] | None
    ) -> Sequence[Customer]:
        c = _customers
        conditions = _customer_conditions(project_id, query)
        if after is not None:
            at, after_id = after
            conditions.append(
                sa.or_(c.created_at > at, sa.and_(c.created_at == at, c.id > after_id))
            )
        rows = await self._tx.execute(
            sa.select(t.customers)
            .where(*conditions)
            .order_by(c.created_at, c.id)
            .limit(query.limit)
        )
        return [_customer(row) for row in rows]

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
