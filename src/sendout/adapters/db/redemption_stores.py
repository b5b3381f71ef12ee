"""The redemptions store, and the figures of a customer's redemption summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import (
    SqlStore,
    created_within,
    matching,
    param,
    select_by_id,
)
from sendout.domain.ports import Page
from sendout.domain.redemptions import (
    STACK_PARENT,
    Redemption,
    RedemptionQuery,
    RedemptionStatus,
)

_r = t.redemptions.c
_BY_ID = select_by_id(t.redemptions)
_CHILDREN = (
    sa.select(t.redemptions)
    .where(_r.project_id == param("project_id"), _r.parent_id == param("parent_id"))
    .order_by(_r.id)
)
_OF_VOUCHER = (
    sa.select(t.redemptions)
    .where(_r.project_id == param("project_id"), _r.voucher_id == param("voucher_id"))
    .order_by(_r.created_at.desc(), _r.id.desc())
)
_TOTALS = (
    sa.select(_r.status, sa.func.count(), sa.func.coalesce(sa.func.sum(_r.gift_amount), 0))
    .where(
        _r.project_id == param("project_id"),
        _r.customer_id == param("customer_id"),
        # One per redeemable: a stacked request's parent row only groups them.
        _r.related_object_type != STACK_PARENT,
    )
    .group_by(_r.status)
)


def _values(r: Redemption) -> dict[str, Any]:
    return {
        "id": r.id,
        "project_id": r.project_id,
        "parent_id": r.parent_id,
        "customer_id": r.customer_id,
        "tracking_id": r.tracking_id,
        "metadata": dict(r.metadata),
        "amount": r.amount,
        "status": r.status.value,
        "failure_code": r.failure_code,
        "failure_message": r.failure_message,
        "order_id": r.order_id,
        "related_object_type": r.related_object_type,
        "related_object_id": r.related_object_id,
        "voucher_id": r.voucher_id,
        "voucher_code": r.voucher_code,
        "campaign_id": r.campaign_id,
        "gift_amount": r.gift_amount,
        "discount": None if r.discount is None else dict(r.discount),
        "rollback_id": r.rollback_id,
        "reward": None if r.reward is None else dict(r.reward),
        "points": r.points,
        "created_at": r.created_at,
    }


def _redemption(row: sa.Row[Any]) -> Redemption:
    m = dict(row._mapping)
    m["status"] = RedemptionStatus(m["status"])
    return Redemption(**m)


class SqlRedemptionStore(SqlStore):
    async def add_many(self, redemptions: Sequence[Redemption]) -> None:
        self._tx.signal_work()  # redemption events for the dispatcher
        await self._write(t.redemptions.insert(), [_values(r) for r in redemptions], "redemptions")

    async def mark_rolled_back(self, redemption_id: str, rollback_id: str) -> None:
        await self._tx.execute(
            t.redemptions.update()
            .where(_r.id == redemption_id)
            .values(status=RedemptionStatus.ROLLED_BACK.value, rollback_id=rollback_id)
        )

    async def get(self, project_id: str, redemption_id: str) -> Redemption | None:
        row = await self._one(_BY_ID, project_id=project_id, id=redemption_id)
        return None if row is None else _redemption(row)

    async def children(self, project_id: str, parent_id: str) -> list[Redemption]:
        rows = await self._tx.execute(_CHILDREN, {"project_id": project_id, "parent_id": parent_id})
        return [_redemption(row) for row in rows]

    async def of_voucher(self, project_id: str, voucher_id: str) -> list[Redemption]:
        rows = await self._tx.execute(
            _OF_VOUCHER, {"project_id": project_id, "voucher_id": voucher_id}
        )
        return [_redemption(row) for row in rows]

    async def list(self, project_id: str, query: RedemptionQuery) -> Page[Redemption]:
        conditions: list[sa.ColumnElement[bool]] = [
            _r.project_id == project_id,
            _r.related_object_type != STACK_PARENT,
            *matching(
                (_r.customer_id, query.customer_id),
                (_r.status, None if query.status is None else query.status.value),
                (_r.voucher_id, query.voucher_id),
            ),
            *created_within(_r.created_at, query.created_after, query.created_before),
        ]
        ordering = (_r.created_at.desc(), _r.id.desc())
        return await self._paged(
            t.redemptions, conditions, ordering, query.limit, query.page, _redemption
        )

    async def totals_of(self, project_id: str, customer_id: str) -> dict[str, tuple[int, int]]:
        """Per status: how many redemptions of the customer, and their gift credits."""
        rows = await self._tx.execute(
            _TOTALS, {"project_id": project_id, "customer_id": customer_id}
        )
        found: dict[str, tuple[int, int]] = {}
        for row in rows:
            status, count, credits = tuple(row)
            found[str(status)] = (int(count), int(credits))
        return found
