"""The dashboard sessions store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import SqlStore, param
from sendout.domain.sessions import DashboardSession

_d = t.dashboard_sessions.c
_ONE = sa.select(t.dashboard_sessions).where(_d.token_hash == param("token_hash"))


def _session(row: sa.Row[Any]) -> DashboardSession:
    return DashboardSession(**row._mapping)


class SqlSessionStore(SqlStore):
    async def add(self, session: DashboardSession) -> None:
        await self._insert(
            t.dashboard_sessions,
            {
                "token_hash": session.token_hash,
                "project_id": session.project_id,
                "admin": session.admin,
                "csrf_token": session.csrf_token,
                "created_at": session.created_at,
                "expires_at": session.expires_at,
            },
        )

    async def get(self, token_hash: str) -> DashboardSession | None:
        row = await self._one(_ONE, token_hash=token_hash)
        return None if row is None else _session(row)

    async def set_project(self, token_hash: str, project_id: str) -> None:
        await self._tx.execute(
            t.dashboard_sessions.update()
            .where(_d.token_hash == token_hash)
            .values(project_id=project_id)
        )

    async def remove(self, token_hash: str) -> None:
        await self._tx.execute(t.dashboard_sessions.delete().where(_d.token_hash == token_hash))

    async def remove_expired(self, now: datetime) -> None:
        await self._tx.execute(t.dashboard_sessions.delete().where(_d.expires_at <= now))
