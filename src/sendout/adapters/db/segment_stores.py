"""The segments store and their members."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import SqlStore, param, select_by_id
from sendout.domain.ports import Page
from sendout.domain.segments import Segment, SegmentType, SyncStatus

_g = t.segments.c
_m = t.segment_members.c
_BY_ID = select_by_id(t.segments)
_BY_RULES = sa.select(t.segments).where(
    _g.project_id == param("project_id"), _g.type != SegmentType.STATIC.value
)
_MEMBERSHIPS = sa.select(_m.segment_id).where(
    _m.project_id == param("project_id"), _m.customer_id == param("customer_id")
)


def _segment(row: sa.Row[Any]) -> Segment:
    m = dict(row._mapping)
    m["type"] = SegmentType(m["type"])
    m["initial_sync_status"] = SyncStatus(m["initial_sync_status"])
    return Segment(**m)


class SqlSegmentStore(SqlStore):
    async def add(self, segment: Segment) -> None:
        await self._insert(
            t.segments,
            {
                "id": segment.id,
                "project_id": segment.project_id,
                "name": segment.name,
                "type": segment.type.value,
                "filter": None if segment.filter is None else dict(segment.filter),
                "initial_sync_status": segment.initial_sync_status.value,
                "created_at": segment.created_at,
                "updated_at": segment.updated_at,
            },
        )

    async def set_synced(self, segment_id: str, now: datetime) -> None:
        await self._tx.execute(
            t.segments.update()
            .where(_g.id == segment_id)
            .values(initial_sync_status=SyncStatus.DONE.value, updated_at=now)
        )

    async def get(self, project_id: str, segment_id: str) -> Segment | None:
        row = await self._one(_BY_ID, project_id=project_id, id=segment_id)
        return None if row is None else _segment(row)

    async def get_many(self, project_id: str, segment_ids: Collection[str]) -> list[Segment]:
        if not segment_ids:
            return []
        rows = await self._tx.execute(
            sa.select(t.segments)
            .where(_g.project_id == project_id, _g.id.in_(sorted(segment_ids)))
            .order_by(_g.created_at)
        )
        return [_segment(row) for row in rows]

    async def remove(self, project_id: str, segment_id: str) -> None:
        await self._tx.execute(
            t.segment_members.delete().where(
                _m.project_id == project_id, _m.segment_id == segment_id
            )
        )
        await self._tx.execute(
            t.segments.delete().where(_g.project_id == project_id, _g.id == segment_id)
        )

    async def list(self, project_id: str, limit: int, page: int) -> Page[Segment]:
        ordering = (_g.created_at.desc(), _g.id.desc())
        return await self._paged(
            t.segments, [_g.project_id == project_id], ordering, limit, page, _segment
        )

    async def by_rules(self, project_id: str) -> Sequence[Segment]:
        rows = await self._tx.execute(_BY_RULES, {"project_id": project_id})
        return [_segment(row) for row in rows]

    async def count_by_rules(self, project_id: str) -> int:
        count = (
            sa.select(sa.func.count())
            .select_from(t.segments)
            .where(_g.project_id == project_id, _g.type != SegmentType.STATIC.value)
        )
        return int((await self._tx.execute(count)).scalar_one())

    async def memberships(self, project_id: str, customer_id: str) -> set[str]:
        rows = await self._tx.execute(
            _MEMBERSHIPS, {"project_id": project_id, "customer_id": customer_id}
        )
        return {row.segment_id for row in rows}

    async def members_among(
        self, project_id: str, segment_id: str, customer_ids: Collection[str]
    ) -> set[str]:
        if not customer_ids:
            return set()
        rows = await self._tx.execute(
            sa.select(_m.customer_id).where(
                _m.project_id == project_id,
                _m.segment_id == segment_id,
                _m.customer_id.in_(sorted(customer_ids)),
            )
        )
        return {row.customer_id for row in rows}

    async def add_members(
        self, project_id: str, segment_id: str, customer_ids: Collection[str], now: datetime
    ) -> None:
        if not customer_ids:
            return
        await self._tx.execute(
            t.segment_members.insert(),
            [
                {
                    "segment_id": segment_id,
                    "customer_id": customer_id,
                    "project_id": project_id,
                    "joined_at": now,
                }
                for customer_id in sorted(customer_ids)
            ],
        )

    async def remove_member(self, project_id: str, segment_id: str, customer_id: str) -> None:
        await self._tx.execute(
            t.segment_members.delete().where(
                _m.project_id == project_id,
                _m.segment_id == segment_id,
                _m.customer_id == customer_id,
            )
        )
