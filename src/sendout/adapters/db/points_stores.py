"""The points store: pending points and expiring point buckets of loyalty cards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import SqlStore, param, select_by_id
from sendout.domain.points import BucketStatus, PendingPoints, PointsBucket
from sendout.domain.ports import Page

_p = t.pending_points.c
_b = t.points_buckets.c
_PENDING = select_by_id(t.pending_points)
_DUE_PENDING = (
    sa.select(t.pending_points)
    .where(_p.activates_at <= param("today"))
    .order_by(_p.activates_at, _p.id)
    .limit(param("limit"))
)
_ACTIVE_BUCKETS = (
    sa.select(t.points_buckets)
    .where(
        _b.project_id == param("project_id"),
        _b.voucher_id == param("voucher_id"),
        _b.status == BucketStatus.ACTIVE.value,
    )
    .order_by(_b.expires_at, _b.created_at, _b.id)
)
#: cards with an active bucket whose last day has passed
_CARDS_TO_EXPIRE = (
    sa.select(_b.project_id, _b.voucher_id)
    .where(_b.status == BucketStatus.ACTIVE.value, _b.expires_at < param("today"))
    .group_by(_b.project_id, _b.voucher_id)
    .order_by(sa.func.min(_b.expires_at))
    .limit(param("limit"))
)
_BUCKET_UPDATE = (
    t.points_buckets.update()
    .where(_b.id == param("b_id"))
    .values(
        points_left=param("b_points_left"),
        status=param("b_status"),
        updated_at=param("b_updated_at"),
    )
)


def _pending_values(p: PendingPoints) -> dict[str, Any]:
    return {
        "id": p.id,
        "project_id": p.project_id,
        "voucher_id": p.voucher_id,
        "campaign_id": p.campaign_id,
        "customer_id": p.customer_id,
        "order_id": p.order_id,
        "points": p.points,
        "activates_at": p.activates_at,
        "details": dict(p.details),
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


def _pending(row: sa.Row[Any]) -> PendingPoints:
    return PendingPoints(**row._mapping)


def _bucket(row: sa.Row[Any]) -> PointsBucket:
    m = dict(row._mapping)
    m["status"] = BucketStatus(m["status"])
    return PointsBucket(**m)


class SqlPointsStore(SqlStore):
    async def add_pending(self, pending: PendingPoints) -> None:
        await self._insert(t.pending_points, _pending_values(pending))

    async def update_pending(self, pending: PendingPoints) -> None:
        await self._tx.execute(
            t.pending_points.update()
            .where(_p.id == pending.id)
            .values(points=pending.points, updated_at=pending.updated_at)
        )

    async def remove_pending(self, project_id: str, pending_id: str) -> None:
        await self._tx.execute(
            t.pending_points.delete().where(_p.project_id == project_id, _p.id == pending_id)
        )

    async def get_pending(self, project_id: str, pending_id: str) -> PendingPoints | None:
        row = await self._one(_PENDING, project_id=project_id, id=pending_id)
        return None if row is None else _pending(row)

    async def list_pending(
        self,
        project_id: str,
        *,
        voucher_id: str | None = None,
        campaign_id: str | None = None,
        limit: int = 10,
        descending: bool = True,
        starting_after_id: str | None = None,
    ) -> Page[PendingPoints]:
        conditions = [_p.project_id == project_id]
        if voucher_id is not None:
            conditions.append(_p.voucher_id == voucher_id)
        if campaign_id is not None:
            conditions.append(_p.campaign_id == campaign_id)
        if starting_after_id is not None:
            after = starting_after_id
            conditions.append(_p.id < after if descending else _p.id > after)
        rows = list(
            await self._tx.execute(
                sa.select(t.pending_points)
                .where(*conditions)
                .order_by(_p.id.desc() if descending else _p.id)
                .limit(limit + 1)
            )
        )
        items = [_pending(row) for row in rows[:limit]]
        return Page(items=items, total=None, has_more=len(rows) > limit)

    async def pending_total(self, project_id: str, voucher_id: str) -> int:
        total = await self._tx.execute(
            sa.select(sa.func.coalesce(sa.func.sum(_p.points), 0)).where(
                _p.project_id == project_id, _p.voucher_id == voucher_id
            )
        )
        return int(total.scalar_one())

    async def due_pending(self, today: date, limit: int) -> list[PendingPoints]:
        rows = await self._tx.execute(_DUE_PENDING, {"today": today, "limit": limit})
        return [_pending(row) for row in rows]

    async def add_bucket(self, bucket: PointsBucket) -> None:
        await self._insert(
            t.points_buckets,
            {
                "id": bucket.id,
                "project_id": bucket.project_id,
                "voucher_id": bucket.voucher_id,
                "campaign_id": bucket.campaign_id,
                "total_points": bucket.total_points,
                "points_left": bucket.points_left,
                "status": bucket.status.value,
                "expires_at": bucket.expires_at,
                "created_at": bucket.created_at,
                "updated_at": bucket.updated_at,
            },
        )

    async def update_buckets(self, buckets: Sequence[PointsBucket]) -> None:
        for bucket in buckets:
            await self._tx.execute(
                _BUCKET_UPDATE,
                {
                    "b_id": bucket.id,
                    "b_points_left": bucket.points_left,
                    "b_status": bucket.status.value,
                    "b_updated_at": bucket.updated_at,
                },
            )

    async def active_buckets(self, project_id: str, voucher_id: str) -> list[PointsBucket]:
        rows = await self._tx.execute(
            _ACTIVE_BUCKETS, {"project_id": project_id, "voucher_id": voucher_id}
        )
        return [_bucket(row) for row in rows]

    async def cards_to_expire(self, today: date, limit: int) -> list[tuple[str, str]]:
        rows = await self._tx.execute(_CARDS_TO_EXPIRE, {"today": today, "limit": limit})
        return [(str(row.project_id), str(row.voucher_id)) for row in rows]

    async def buckets(
        self, project_id: str, voucher_id: str, limit: int, page: int
    ) -> Page[PointsBucket]:
        return await self._paged(
            t.points_buckets,
            [_b.project_id == project_id, _b.voucher_id == voucher_id],
            (_b.expires_at, _b.created_at, _b.id),
            limit,
            page,
            _bucket,
        )
