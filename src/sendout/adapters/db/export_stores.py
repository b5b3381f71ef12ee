"""The rows CSV exports read: one select per exported object, its columns named as the
reference's export ``fields``, paged by keyset (the order's column, then the id) so a batch
costs the same at the millionth row as at the first."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import SqlStore, filter_clause
from sendout.domain.exports import ExportedObject, ExportQuery
from sendout.domain.ports import ExportCursor


def _key(*path: str) -> Callable[[Any], object]:
    """A value inside a JSON column (None where the document or a step is missing)."""

    def read(document: Any) -> object:
        for step in path:
            document = document.get(step) if isinstance(document, Mapping) else None
        return document

    return read


@dataclass(frozen=True, slots=True)
class _Column:
    expression: sa.ColumnElement[Any]
    convert: Callable[[Any], object] | None = None
    #: more columns ``convert`` reads (it then gets them all, in a tuple)
    more: tuple[sa.ColumnElement[Any], ...] = ()


@dataclass(frozen=True, slots=True)
class _Source:
    """One exported object: the table (with its joins) its rows come from."""

    table: sa.Table
    joined: sa.FromClause
    columns: Mapping[str, _Column]
    filters: Mapping[str, sa.ColumnElement[Any]]
    orders: Mapping[str, sa.ColumnElement[Any]] = field(default_factory=dict)


def _plain(table: sa.Table, *names: str) -> dict[str, _Column]:
    return {name: _Column(table.c[name]) for name in names}


def _voucher_value(voucher: Any) -> object:
    discount, gift, card = voucher
    if isinstance(discount, Mapping):
        for key in ("amount_off", "percent_off", "unit_off", "fixed_amount"):
            if discount.get(key) is not None:
                return discount[key]
    return _key("amount")(gift) if gift else _key("points")(card)


_v, _c, _cu, _o = t.vouchers, t.campaigns, t.customers, t.orders
_r, _p, _tx, _b, _s = (
    t.redemptions,
    t.publications,
    t.voucher_transactions,
    t.points_buckets,
    t.sendouts,
)
_ADDRESS = ("city", "state", "line_1", "line_2", "country", "postal_code")
_REDEEMED = ("redeemed", "failed", "succeeded", "rolled_back", "rollback_failed")
_ORDERS = ("amount", "count")

_SOURCES: dict[ExportedObject, _Source] = {
    ExportedObject.VOUCHER: _Source(
        _v,
        _v.outerjoin(_c, _c.c.id == _v.c.campaign_id),
        {
            **_plain(_v, "code", "category", "start_date", "expiration_date"),
            **_plain(_v, "redemption_quantity", "active", "metadata", "id", "created_at"),
            **_plain(_v, "is_referral_code", "updated_at", "campaign_id", "additional_info"),
            "voucher_type": _Column(_v.c.type),
            "value": _Column(_v.c.discount, _voucher_value, (_v.c.gift, _v.c.loyalty_card)),
            "discount_type": _Column(_v.c.discount, _key("type")),
            "campaign": _Column(_c.c.name),
            "gift_balance": _Column(_v.c.gift, _key("balance")),
            "loyalty_balance": _Column(_v.c.loyalty_card, _key("balance")),
            "redemption_count": _Column(_v.c.redeemed_quantity),
            "customer_id": _Column(_v.c.holder_id),
        },
        {
            "id": _v.c.id,
            "code": _v.c.code,
            "campaign_id": _v.c.campaign_id,
            "voucher_type": _v.c.type,
            "category": _v.c.category,
        },
    ),
    ExportedObject.REDEMPTION: _Source(
        _r,
        _r.outerjoin(_c, _c.c.id == _r.c.campaign_id)
        .outerjoin(_cu, _cu.c.id == _r.c.customer_id)
        .outerjoin(_o, _o.c.id == _r.c.order_id),
        {
            **_plain(_r, "id", "voucher_code", "customer_id", "tracking_id", "order_id"),
            **_plain(_r, "gift_amount", "failure_code", "failure_message", "metadata"),
            "object": _Column(_r.c.id, lambda _: "redemption"),
            "date": _Column(_r.c.created_at),
            "campaign": _Column(_c.c.name),
            "promotion_tier_id": _Column(
                sa.case((_r.c.related_object_type == "promotion_tier", _r.c.related_object_id))
            ),
            "customer_source_id": _Column(_cu.c.source_id),
            "customer_name": _Column(_cu.c.name),
            "order_amount": _Column(_o.c.amount),
            "loyalty_points": _Column(_r.c.points),
            "result": _Column(_r.c.status, lambda s: "FAILURE" if s == "FAILED" else "SUCCESS"),
        },
        {
            name: _r.c[name]
            for name in ("voucher_code", "campaign_id", "customer_id", "tracking_id", "order_id")
        }
        | {"status": _r.c.status},
    ),
    ExportedObject.CUSTOMER: _Source(
        _cu,
        _cu,
        {
            **_plain(_cu, "name", "id", "description", "email", "source_id", "created_at"),
            **_plain(_cu, "updated_at", "phone", "birthday", "birthdate", "metadata"),
            **{f"address_{k}": _Column(_cu.c.address, _key(k)) for k in _ADDRESS},
            **{
                f"redemptions_total_{k}": _Column(_cu.c.redemptions_summary, _key(f"total_{k}"))
                for k in (*_REDEEMED, "rollback_succeeded")
            },
            **{
                f"orders_total_{k}": _Column(_cu.c.orders_summary, _key(f"total_{k}"))
                for k in _ORDERS
            },
            "orders_average_amount": _Column(_cu.c.orders_summary, _key("average_amount")),
            "orders_last_order_amount": _Column(_cu.c.orders_summary, _key("last_order_amount")),
            "orders_last_order_date": _Column(_cu.c.orders_summary, _key("last_order_date")),
            "loyalty_referred_customers": _Column(_cu.c.referred_customers),
        },
        {name: _cu.c[name] for name in ("id", "source_id", "email", "name")},
    ),
    ExportedObject.PUBLICATION: _Source(
        _p,
        _p.outerjoin(_c, _c.c.id == _p.c.campaign_id).outerjoin(_cu, _cu.c.id == _p.c.customer_id),
        {
            **_plain(_p, "customer_id", "channel", "metadata"),
            "voucher_code": _Column(_p.c.codes, lambda codes: ",".join(codes or ())),
            "customer_source_id": _Column(_cu.c.source_id),
            "date": _Column(_p.c.created_at),
            "campaign": _Column(_c.c.name),
            "is_winner": _Column(_p.c.id, lambda _: None),
        },
        {name: _p.c[name] for name in ("customer_id", "campaign_id", "channel")},
    ),
    ExportedObject.ORDER: _Source(
        _o,
        _o,
        {
            **_plain(_o, "id", "source_id", "created_at", "updated_at", "status", "amount"),
            **_plain(_o, "discount_amount", "total_amount", "customer_id", "referrer_id"),
            **_plain(_o, "metadata"),
            "items_discount_amount": _Column(_o.c.id, lambda _: None),
            "total_discount_amount": _Column(_o.c.applied_discount_amount),
        },
        {n: _o.c[n] for n in ("id", "source_id", "status", "customer_id", "referrer_id")},
    ),
    ExportedObject.POINTS_EXPIRATION: _Source(
        _b,
        _b,
        {
            **_plain(_b, "id", "campaign_id", "voucher_id", "status", "expires_at"),
            "points": _Column(_b.c.points_left),
        },
        {name: _b.c[name] for name in ("campaign_id", "voucher_id", "status")},
        {"expires_at": _b.c.expires_at},
    ),
    ExportedObject.VOUCHER_TRANSACTIONS: _Source(
        _tx,
        _tx,
        {
            **_plain(_tx, "id", "campaign_id", "voucher_id", "type", "source_id", "reason"),
            **_plain(_tx, "source", "related_transaction_id", "created_at", "details"),
            "balance": _Column(_tx.c.details, _key("balance", "balance")),
            "amount": _Column(_tx.c.details, _key("balance", "amount")),
        },
        {name: _tx.c[name] for name in ("campaign_id", "voucher_id", "type", "source")},
    ),
    ExportedObject.SENDOUT: _Source(
        _s,
        _s,
        _plain(
            _s,
            *("id", "distribution_id", "source_kind", "channel", "event_id", "event_type"),
            *("customer_id", "status", "url", "reason", "attempts_count", "next_attempt_at"),
            *("created_at", "updated_at"),
        ),
        {n: _s.c[n] for n in ("distribution_id", "channel", "status", "event_type", "customer_id")},
    ),
}


def _cursor_value(order: str, text: str) -> object:
    return date.fromisoformat(text) if order == "expires_at" else datetime.fromisoformat(text)


class SqlExportRowStore(SqlStore):
    async def rows(
        self, project_id: str, query: ExportQuery, after: ExportCursor | None, limit: int
    ) -> tuple[list[list[object]], ExportCursor | None]:
        source = _SOURCES[query.exported_object]
        name = query.order.lstrip("-")
        ordered = source.orders.get(name, source.table.c.created_at)
        row_id = source.table.c.id
        newest_first = query.order.startswith("-")
        conditions: list[sa.ColumnElement[bool]] = [source.table.c.project_id == project_id]
        conditions += [source.filters[k] == v for k, v in query.scope.items()]
        if query.filters:
            conditions.append(filter_clause(query.filters, source.filters))
        if after is not None:
            value = _cursor_value(name, after[0])
            # A row-value comparison: both databases seek an index on (order, id) with it.
            key = sa.tuple_(ordered, row_id)
            reached = sa.tuple_(sa.literal(value, ordered.type), after[1])
            conditions.append(key < reached if newest_first else key > reached)
        wanted = [source.columns[f] for f in query.fields]
        keys = [ordered.desc(), row_id.desc()] if newest_first else [ordered, row_id]
        statement = (
            sa.select(ordered, row_id, *(e for c in wanted for e in (c.expression, *c.more)))
            .select_from(source.joined)
            .where(*conditions)
            .order_by(*keys)
            .limit(limit)
        )
        found: list[Any] = list(await self._tx.execute(statement))
        rows = [_values(wanted, row[2:]) for row in found]
        last = (found[-1][0].isoformat(), str(found[-1][1])) if found else None
        return rows, last


def _values(columns: Sequence[_Column], raw: Sequence[Any]) -> list[object]:
    values: list[object] = []
    at = 0
    for column in columns:
        width = 1 + len(column.more)
        read = raw[at] if width == 1 else tuple(raw[at : at + width])
        values.append(read if column.convert is None else column.convert(read))
        at += width
    return values
