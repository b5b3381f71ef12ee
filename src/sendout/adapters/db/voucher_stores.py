"""The vouchers store: codes, their holders, and the claims that give them out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.engine import DriverStatement, columns_sql
from sendout.adapters.db.promotion_rows import validity_of, validity_value
from sendout.adapters.db.store_helpers import (
    SqlStore,
    matching,
    param,
    update_by_id,
)
from sendout.domain.campaigns import VoucherType
from sendout.domain.ports import Page
from sendout.domain.vouchers import Voucher, VoucherQuery, WalletQuery


def _voucher_values(v: Voucher) -> dict[str, Any]:
    return {
        "id": v.id,
        "project_id": v.project_id,
        "code": v.code,
        "campaign_id": v.campaign_id,
        "type": None if v.type is None else v.type.value,
        "discount": None if v.discount is None else dict(v.discount),
        "gift": None if v.gift is None else dict(v.gift),
        "loyalty_card": None if v.loyalty_card is None else dict(v.loyalty_card),
        "redemption_quantity": v.redemption_quantity,
        "redeemed_quantity": v.redeemed_quantity,
        "active": v.active,
        "start_date": v.start_date,
        "expiration_date": v.expiration_date,
        "validity": validity_value(v.validity),
        "additional_info": v.additional_info,
        "metadata": None if v.metadata is None else dict(v.metadata),
        "category": v.category,
        "is_referral_code": v.is_referral_code,
        "holder_id": v.holder_id,
        "published_at": v.published_at,
        "created_at": v.created_at,
        "updated_at": v.updated_at,
    }


def _voucher(row: sa.Row[Any]) -> Voucher:
    return _voucher_of(dict(row._mapping))


def _voucher_of(m: dict[str, Any]) -> Voucher:
    m["type"] = None if m["type"] is None else VoucherType(m["type"])
    m["validity"] = validity_of(m["validity"])
    return Voucher(**m)


_v = t.vouchers.c
_VOUCHER_BY_CODE = sa.select(t.vouchers).where(
    _v.project_id == param("project_id"), _v.code == param("code")
)
_VOUCHER_UPDATE = update_by_id(t.vouchers)
_VOUCHER_DELETE = t.vouchers.delete().where(
    _v.project_id == param("project_id"), _v.id == param("id")
)
_VOUCHER_CLAIM = (
    t.vouchers.update()
    .where(
        _v.project_id == param("where_project_id"),
        _v.id == param("where_id"),
        _v.holder_id.is_(None),
    )
    .values(holder_id=param("holder_id"), published_at=param("now"), updated_at=param("now"))
)


_FREE_CODES = (
    sa.select(_v.id)
    .where(
        _v.project_id == param("in_project"),
        _v.campaign_id == param("in_campaign"),
        _v.holder_id.is_(None),
        sa.or_(_v.active.is_(None), _v.active.is_(True)),
    )
    .limit(param("count"))
    # PostgreSQL: concurrent publishers take different codes instead of queueing on one;
    # SQLite ignores the clause (its transactions never overlap).
    .with_for_update(skip_locked=True)
    # A CTE is evaluated once. As an IN (subquery), PostgreSQL may run the locking subquery
    # again for the UPDATE and hand out more codes than asked for.
    .cte("picked")
    .prefix_with("MATERIALIZED", dialect="postgresql")
)
_VOUCHERS_CLAIM_FREE = (
    t.vouchers.update()
    .where(_v.id == _FREE_CODES.c.id, _v.holder_id.is_(None))
    .values(holder_id=param("new_holder"), published_at=param("now"), updated_at=param("now"))
    .returning(*t.vouchers.c)
)


_VOUCHER_COLUMNS = columns_sql(t.vouchers)
_VOUCHER_FIELDS = tuple(t.vouchers.columns.keys())
_FREE_CODE = (
    "holder_id IS NULL AND (active IS NULL OR active) AND project_id = {project} "
    "AND campaign_id = {campaign}"
)
# The i-th code picked goes to the i-th holder, in one statement. As in _VOUCHERS_CLAIM_FREE,
# only codes with no holder are taken and, on PostgreSQL, none another transaction holds
# locked (SKIP LOCKED, in a CTE evaluated once); SQLite's writers never overlap.
_VOUCHERS_CLAIM_FOR = DriverStatement(
    "WITH picked AS (SELECT id, row_number() OVER () AS n FROM "
    f"(SELECT id FROM vouchers WHERE {_FREE_CODE.format(project='?1', campaign='?2')} "
    "LIMIT ?3)), "
    "wanted AS (SELECT key + 1 AS n, value AS holder FROM json_each(?4)) "
    "UPDATE vouchers SET holder_id = wanted.holder, published_at = ?5, updated_at = ?5 "
    "FROM picked JOIN wanted ON wanted.n = picked.n "
    f"WHERE vouchers.id = picked.id AND vouchers.holder_id IS NULL RETURNING {_VOUCHER_COLUMNS}",
    "WITH picked AS MATERIALIZED ("
    f"SELECT id FROM vouchers WHERE {_FREE_CODE.format(project='$1', campaign='$2')} "
    "LIMIT $3 FOR UPDATE SKIP LOCKED), "
    "numbered AS (SELECT id, row_number() OVER () AS n FROM picked), "
    "wanted AS (SELECT holder, n FROM unnest($4::text[]) WITH ORDINALITY AS w(holder, n)) "
    "UPDATE vouchers AS v SET holder_id = wanted.holder, published_at = $5, updated_at = $5 "
    "FROM numbered JOIN wanted ON wanted.n = numbered.n "
    "WHERE v.id = numbered.id AND v.holder_id IS NULL "
    f"RETURNING {', '.join(f'v.{name}' for name in _VOUCHER_FIELDS)}",
    returns=list(t.vouchers.columns),
)


_VOUCHER_LOCK = (
    sa.select(_v.id)
    .where(_v.project_id == param("project_id"), _v.id == param("id"))
    .with_for_update()
)


class SqlVoucherStore(SqlStore):
    async def lock(self, project_id: str, voucher_id: str) -> None:
        await self._tx.execute(_VOUCHER_LOCK, {"project_id": project_id, "id": voucher_id})

    async def add(self, voucher: Voucher) -> None:
        await self._insert(t.vouchers, _voucher_values(voucher))

    async def add_codes(
        self,
        project_id: str,
        campaign_id: str,
        codes: Sequence[tuple[str, str]],
        created_at: datetime,
    ) -> int:
        return await self._tx.insert_many(
            t.vouchers,
            ("id", "code"),
            codes,
            constants={
                "project_id": project_id,
                "campaign_id": campaign_id,
                "redeemed_quantity": 0,
                "created_at": created_at,
            },
            skip_duplicates=True,
        )

    async def count_free(self, project_id: str, campaign_ids: Sequence[str]) -> dict[str, int]:
        found = dict.fromkeys(campaign_ids, 0)
        if not campaign_ids:
            return found
        rows = await self._tx.execute(
            sa.select(_v.campaign_id, sa.func.count())
            .where(
                _v.project_id == project_id,
                _v.campaign_id.in_(list(campaign_ids)),
                _v.holder_id.is_(None),  # the partial index of free codes
            )
            .group_by(_v.campaign_id)
        )
        for row in rows:
            campaign_id, count = tuple(row)
            found[str(campaign_id)] = int(count)
        return found

    async def existing_codes(self, project_id: str, codes: Sequence[str]) -> set[str]:
        found: set[str] = set()
        # Stay well under SQLite's limit of bound variables per statement.
        for start in range(0, len(codes), 5000):
            chunk = list(codes[start : start + 5000])
            rows = await self._tx.execute(
                sa.select(_v.code).where(_v.project_id == project_id, _v.code.in_(chunk))
            )
            found.update(row.code for row in rows)
        return found

    async def update(self, voucher: Voucher) -> None:
        await self._update(_VOUCHER_UPDATE, _voucher_values(voucher), "vouchers")

    async def get_by_code(self, project_id: str, code: str) -> Voucher | None:
        row = await self._one(_VOUCHER_BY_CODE, project_id=project_id, code=code)
        return None if row is None else _voucher(row)

    async def get_many(self, project_id: str, ids: Sequence[str]) -> Sequence[Voucher]:
        if not ids:
            return []
        rows = await self._tx.execute(
            sa.select(t.vouchers).where(_v.project_id == project_id, _v.id.in_(set(ids)))
        )
        by_id = {row.id: _voucher(row) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def remove(self, project_id: str, voucher_id: str) -> None:
        await self._tx.execute(_VOUCHER_DELETE, {"project_id": project_id, "id": voucher_id})

    async def remove_some_of_campaign(self, project_id: str, campaign_id: str, limit: int) -> int:
        some = (
            sa.select(_v.id)
            .where(_v.project_id == project_id, _v.campaign_id == campaign_id)
            .limit(limit)
            .scalar_subquery()
        )
        result = await self._tx.execute(t.vouchers.delete().where(_v.id.in_(some)))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def list(self, project_id: str, query: VoucherQuery) -> Page[Voucher]:
        conditions = [
            _v.project_id == project_id,
            *matching(
                (_v.campaign_id, query.campaign_id),
                (_v.holder_id, query.holder_id),
                (_v.code, query.code),
            ),
        ]
        if query.ids is not None:
            conditions.append(_v.id.in_(query.ids))
        if query.category is not None:
            conditions.append(_v.category == query.category)
        for column, bound, later in (
            (_v.created_at, query.created_before, False),
            (_v.created_at, query.created_after, True),
            (_v.updated_at, query.updated_before, False),
            (_v.updated_at, query.updated_after, True),
        ):
            if bound is not None:
                conditions.append(column > bound if later else column < bound)
        # Voucher ids are time-ordered: ordering by id is ordering by creation, on an index.
        column = {"created_at": _v.id, "updated_at": _v.updated_at, "code": _v.code}[query.order]
        order = (column.desc(), _v.id.desc()) if query.descending else (column, _v.id)
        return await self._paged(t.vouchers, conditions, order, query.limit, query.page, _voucher)

    async def held_by(self, project_id: str, holder_id: str, query: WalletQuery) -> Page[Voucher]:
        conditions: list[sa.ColumnElement[bool]] = [
            _v.project_id == project_id,
            _v.holder_id == holder_id,
        ]
        if query.starting_after_id is not None:
            conditions.append(
                _v.id < query.starting_after_id
                if query.descending
                else _v.id > query.starting_after_id
            )
        rows = list(
            await self._tx.execute(
                sa.select(t.vouchers)
                .where(*conditions)
                .order_by(_v.id.desc() if query.descending else _v.id)
                .limit(query.limit + 1)
            )
        )
        items = [_voucher(row) for row in rows[: query.limit]]
        return Page(items=items, total=None, has_more=len(rows) > query.limit)

    async def claim_free(
        self, project_id: str, campaign_id: str, holder_id: str, count: int, now: datetime
    ) -> Sequence[Voucher]:
        rows = await self._tx.execute(
            _VOUCHERS_CLAIM_FREE,
            {
                "in_project": project_id,
                "in_campaign": campaign_id,
                "count": count,
                "new_holder": holder_id,
                "now": now,
            },
        )
        return [_voucher(row) for row in rows]

    async def claim(self, project_id: str, voucher_id: str, holder_id: str, now: datetime) -> bool:
        result = await self._tx.execute(
            _VOUCHER_CLAIM,
            {
                "where_project_id": project_id,
                "where_id": voucher_id,
                "holder_id": holder_id,
                "now": now,
            },
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def claim_free_for(
        self, project_id: str, campaign_id: str, holder_ids: Sequence[str], now: datetime
    ) -> Sequence[Voucher]:
        if not holder_ids:
            return []
        rows = await self._tx.fetch(
            _VOUCHERS_CLAIM_FOR, project_id, campaign_id, len(holder_ids), list(holder_ids), now
        )
        return [_voucher_of(dict(zip(_VOUCHER_FIELDS, row, strict=True))) for row in rows]
