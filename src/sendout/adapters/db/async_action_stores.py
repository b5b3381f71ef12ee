"""The async actions store: long jobs the worker leases under a fencing token."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.engine import DriverStatement, columns_sql
from sendout.adapters.db.store_helpers import (
    SqlStore,
    param,
    select_by_id,
)
from sendout.domain.async_actions import AsyncAction, AsyncActionType, AsyncStatus
from sendout.domain.ports import Page

_a = t.async_actions.c
_ACTION_BY_ID = select_by_id(t.async_actions)
_ACTION_UPDATE = t.async_actions.update().where(_a.id == param("where_id"))
_ACTION_UPDATE_HELD = t.async_actions.update().where(
    _a.id == param("where_id"), _a.lease_token == param("where_token")
)
_WAITING = (AsyncStatus.ENQUEUED.value, AsyncStatus.IN_PROGRESS.value)


def _action_values(a: AsyncAction) -> dict[str, Any]:
    return {
        "id": a.id,
        "project_id": a.project_id,
        "type": a.type.value,
        "status": a.status.value,
        "request": dict(a.request),
        "done": a.done,
        "total": a.total,
        "result": None if a.result is None else dict(a.result),
        "lease_until": a.lease_until,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "lease_token": a.lease_token,
    }


_ACTION_FIELDS = tuple(t.async_actions.columns.keys())
_ACTION_COLUMNS = columns_sql(t.async_actions)
# Asked on every cycle of the worker's main lane, between dispatch batches.
_NEXT_ACTION = DriverStatement(
    f"SELECT {_ACTION_COLUMNS} FROM async_actions WHERE status IN (?, ?) "
    "AND (lease_until IS NULL OR lease_until < ?) ORDER BY created_at LIMIT 1",
    f"SELECT {_ACTION_COLUMNS} FROM async_actions WHERE status IN ($1, $2) "
    "AND (lease_until IS NULL OR lease_until < $3) ORDER BY created_at LIMIT 1 "
    "FOR UPDATE SKIP LOCKED",
    returns=list(t.async_actions.columns),
)


def _action(row: Sequence[Any]) -> AsyncAction:
    """An action from its row (the columns of ``select(t.async_actions)``, in order)."""
    m = dict(zip(_ACTION_FIELDS, row, strict=True))
    m["type"] = AsyncActionType(m["type"])
    m["status"] = AsyncStatus(m["status"])
    return AsyncAction(**m)


class SqlAsyncActionStore(SqlStore):
    async def add(self, action: AsyncAction) -> None:
        self._tx.signal_work()
        await self._insert(t.async_actions, _action_values(action))

    async def update(self, action: AsyncAction) -> None:
        await self._update(
            _ACTION_UPDATE, _action_values(action), "async_actions", by_project=False
        )

    async def get(self, project_id: str, action_id: str) -> AsyncAction | None:
        row = await self._one(_ACTION_BY_ID, project_id=project_id, id=action_id)
        return None if row is None else _action(row)

    async def list(
        self, project_id: str, limit: int, end_date: datetime | None
    ) -> Sequence[AsyncAction]:
        conditions: list[sa.ColumnElement[bool]] = [
            _a.project_id == project_id,
            _a.type != AsyncActionType.EXPORT.value,
        ]
        if end_date is not None:
            conditions.append(_a.created_at <= end_date)
        rows = await self._tx.execute(
            sa.select(t.async_actions)
            .where(*conditions)
            .order_by(_a.created_at.desc(), _a.id.desc())
            .limit(limit)
        )
        return [_action(row) for row in rows]

    async def page_of_type(
        self, project_id: str, action_type: AsyncActionType, limit: int, page: int, newest: bool
    ) -> Page[AsyncAction]:
        when = _a.created_at.desc() if newest else _a.created_at
        conditions = [_a.project_id == project_id, _a.type == action_type.value]
        return await self._paged(t.async_actions, conditions, [when, _a.id], limit, page, _action)

    async def remove(self, project_id: str, action_id: str) -> None:
        await self._tx.execute(
            t.async_actions.delete().where(_a.project_id == project_id, _a.id == action_id)
        )

    async def update_if_held(self, action: AsyncAction) -> bool:
        values = _action_values(action)
        del values["id"], values["project_id"], values["created_at"]
        values.update(where_id=action.id, where_token=action.lease_token)
        result = await self._tx.execute(_ACTION_UPDATE_HELD, values)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def claim_next(
        self, now: datetime, lease_until: datetime, token: str
    ) -> AsyncAction | None:
        rows = await self._tx.fetch(_NEXT_ACTION, *_WAITING, now)
        if not rows:
            return None
        claimed = replace(
            _action(rows[0]),
            status=AsyncStatus.IN_PROGRESS,
            lease_until=lease_until,
            updated_at=now,
            lease_token=token,
        )
        await self.update(claimed)
        return claimed
