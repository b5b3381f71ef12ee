"""The projects store: projects and their API keys."""

from __future__ import annotations

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import (
    SqlStore,
    param,
)
from sendout.domain.projects import ApiKey, Project

_PROJECT_BY_ID = sa.select(t.projects).where(t.projects.c.id == param("id"))
_PROJECT_COUNT = sa.select(sa.func.count()).select_from(t.projects)
_KEY_BY_APP_ID = sa.select(t.api_keys).where(t.api_keys.c.app_id == param("app_id"))


class SqlProjectStore(SqlStore):
    async def add(self, project: Project) -> None:
        await self._insert(
            t.projects,
            {
                "id": project.id,
                "name": project.name,
                "created_at": project.created_at,
                "alert_email": project.alert_email,
            },
        )

    async def set_alert_email(self, project_id: str, alert_email: str | None) -> None:
        await self._tx.execute(
            t.projects.update().where(t.projects.c.id == project_id).values(alert_email=alert_email)
        )

    async def get(self, project_id: str) -> Project | None:
        row = await self._one(_PROJECT_BY_ID, id=project_id)
        return None if row is None else Project(**row._mapping)

    async def count(self) -> int:
        return int((await self._tx.execute(_PROJECT_COUNT)).scalar_one())

    async def oldest(self, limit: int) -> list[Project]:
        rows = await self._tx.execute(
            sa.select(t.projects).order_by(t.projects.c.created_at, t.projects.c.id).limit(limit)
        )
        return [Project(**row._mapping) for row in rows]

    async def add_key(self, key: ApiKey) -> None:
        await self._insert(
            t.api_keys,
            {
                "app_id": key.app_id,
                "project_id": key.project_id,
                "name": key.name,
                "token_hash": key.token_hash,
                "created_at": key.created_at,
            },
        )

    async def get_key(self, app_id: str) -> ApiKey | None:
        row = await self._one(_KEY_BY_APP_ID, app_id=app_id)
        return None if row is None else ApiKey(**row._mapping)
