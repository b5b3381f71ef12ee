"""The validation sessions store: what each session holds back of a code, until it expires.

Callers hold the code's row (``SqlVoucherStore.lock``) while they read and change its holds,
so that two sessions cannot both take a code's last use."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import SqlStore, param
from sendout.domain.validation_sessions import SessionHold, TtlUnit

_s = t.validation_sessions.c
_HOLDING = sa.select(t.validation_sessions).where(
    _s.project_id == param("project_id"),
    _s.voucher_id == param("voucher_id"),
    _s.expires_at > param("now"),
)
_ONE = (
    _s.project_id == param("project_id"),
    _s.key == param("key"),
    _s.voucher_id == param("voucher_id"),
)
_RELEASE = t.validation_sessions.delete().where(*_ONE)
_ENDED = t.validation_sessions.delete().where(
    _s.project_id == param("project_id"),
    _s.voucher_id == param("voucher_id"),
    _s.expires_at <= param("now"),
)


def _hold(row: sa.Row[Any]) -> SessionHold:
    values = dict(row._mapping)
    values["ttl_unit"] = TtlUnit(values["ttl_unit"])
    return SessionHold(**values)


class SqlValidationSessionStore(SqlStore):
    async def holding(
        self, project_id: str, voucher_id: str, now: datetime
    ) -> Sequence[SessionHold]:
        result = await self._tx.execute(
            _HOLDING, {"project_id": project_id, "voucher_id": voucher_id, "now": now}
        )
        return [_hold(row) for row in result]

    async def put(self, hold: SessionHold) -> None:
        where = {"project_id": hold.project_id, "voucher_id": hold.voucher_id}
        await self._tx.execute(_ENDED, {**where, "now": hold.created_at})
        await self._tx.execute(_RELEASE, {**where, "key": hold.key})
        await self._insert(
            t.validation_sessions,
            {
                **where,
                "key": hold.key,
                "credits": hold.credits,
                "ttl": hold.ttl,
                "ttl_unit": hold.ttl_unit.value,
                "created_at": hold.created_at,
                "expires_at": hold.expires_at,
            },
        )

    async def release(self, project_id: str, key: str, voucher_id: str) -> bool:
        result = await self._tx.execute(
            _RELEASE, {"project_id": project_id, "key": key, "voucher_id": voucher_id}
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
