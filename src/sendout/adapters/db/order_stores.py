"""The orders store, and the order summaries of customers."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import SqlStore, param, select_by_id
from sendout.domain.orders import (
    Order,
    OrderItem,
    OrderOrder,
    OrderQuery,
    OrdersSummary,
    OrderStatus,
)
from sendout.domain.ports import Page

_o = t.orders.c
_BY_ID = select_by_id(t.orders)
_BY_SOURCE_ID = sa.select(t.orders).where(
    _o.project_id == param("project_id"), _o.source_id == param("source_id")
)
_UPDATE = t.orders.update().where(_o.id == param("where_id"))
_OF_CUSTOMER = (_o.project_id == param("project_id"), _o.customer_id == param("customer_id"))
_TOTALS = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(_o.total_amount), 0)).where(
    *_OF_CUSTOMER
)
_LAST = (
    sa.select(_o.total_amount, _o.created_at)
    .where(*_OF_CUSTOMER)
    .order_by(_o.created_at.desc(), _o.id.desc())
    .limit(1)
)
_ORDER_COLUMNS = {OrderOrder.CREATED_AT: _o.created_at, OrderOrder.UPDATED_AT: _o.updated_at}


def _item_value(item: OrderItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "quantity": item.quantity,
        "price": item.price,
        "amount": item.amount,
        "discount_amount": item.discount_amount,
        "discount_quantity": item.discount_quantity,
        "initial_quantity": item.initial_quantity,
        "initial_amount": item.initial_amount,
        "sku_id": item.sku_id,
        "product_id": item.product_id,
        "related_object": item.related_object,
        "source_id": item.source_id,
        "product": None if item.product is None else dict(item.product),
        "sku": None if item.sku is None else dict(item.sku),
        "metadata": dict(item.metadata),
        "applied_discount_amount": item.applied_discount_amount,
    }


def _values(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "project_id": order.project_id,
        "source_id": order.source_id,
        "status": order.status.value,
        "amount": order.amount,
        "initial_amount": order.initial_amount,
        "discount_amount": order.discount_amount,
        "total_amount": order.total_amount,
        "applied_discount_amount": order.applied_discount_amount,
        "redemptions": dict(order.redemptions) or None,
        "items": [_item_value(item) for item in order.items],
        "metadata": dict(order.metadata),
        "customer_id": order.customer_id,
        "referrer_id": order.referrer_id,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def _order(row: sa.Row[Any]) -> Order:
    m = dict(row._mapping)
    del m["total_amount"]
    m["status"] = OrderStatus(m["status"])
    m["items"] = tuple(OrderItem(**item) for item in m["items"])
    m["redemptions"] = m["redemptions"] or {}
    return Order(**m)


class SqlOrderStore(SqlStore):
    async def add(self, order: Order) -> None:
        await self._insert(t.orders, _values(order))

    async def update(self, order: Order) -> None:
        await self._update(_UPDATE, _values(order), "orders", by_project=False)

    async def get(self, project_id: str, order_id: str) -> Order | None:
        row = await self._one(_BY_ID, project_id=project_id, id=order_id)
        return None if row is None else _order(row)

    async def get_by_source_id(self, project_id: str, source_id: str) -> Order | None:
        row = await self._one(_BY_SOURCE_ID, project_id=project_id, source_id=source_id)
        return None if row is None else _order(row)

    async def list(self, project_id: str, query: OrderQuery) -> Page[Order]:
        column = _ORDER_COLUMNS[query.order]
        ordering = (column.desc(), _o.id.desc()) if query.descending else (column, _o.id)
        return await self._paged(
            t.orders, [_o.project_id == project_id], ordering, query.limit, query.page, _order
        )

    async def summary_of(self, project_id: str, customer_id: str) -> OrdersSummary:
        params = {"project_id": project_id, "customer_id": customer_id}
        totals: Any = (await self._tx.execute(_TOTALS, params)).one()
        count, total = totals
        last = (await self._tx.execute(_LAST, params)).first()
        return OrdersSummary(
            total_count=int(count),
            total_amount=int(total),
            last_order_amount=None if last is None else int(last.total_amount),
            last_order_date=None if last is None else last.created_at,
        )
