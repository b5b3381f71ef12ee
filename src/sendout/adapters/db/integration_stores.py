"""The integrations store: each project's configuration of each provider."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.crypto import PLAIN, SecretBox
from sendout.adapters.db.engine import Transaction
from sendout.adapters.db.store_helpers import SqlStore, param
from sendout.domain.channels import ProviderConfig

_i = t.integrations.c
_ONE = sa.select(t.integrations).where(
    _i.project_id == param("project_id"), _i.provider == param("provider")
)


class SqlIntegrationStore(SqlStore):
    def __init__(self, tx: Transaction, box: SecretBox = PLAIN) -> None:
        super().__init__(tx)
        self._box = box

    def _config(self, row: sa.Row[Any]) -> ProviderConfig:
        m = row._mapping
        return ProviderConfig(
            project_id=m["project_id"],
            provider=m["provider"],
            settings=m["settings"],
            secrets=self._box.open_values(m["secrets"]),
        )

    async def get(self, project_id: str, provider: str) -> ProviderConfig | None:
        row = await self._one(_ONE, project_id=project_id, provider=provider)
        return None if row is None else self._config(row)

    async def list(self, project_id: str) -> list[ProviderConfig]:
        rows = await self._tx.execute(
            sa.select(t.integrations).where(_i.project_id == project_id).order_by(_i.provider)
        )
        return [self._config(row) for row in rows]

    async def put(self, config: ProviderConfig, now: datetime) -> None:
        """Create or replace the project's configuration of the provider."""
        values = {
            "settings": dict(config.settings),
            "secrets": self._box.seal_values(config.secrets),
        }
        result = await self._tx.execute(
            t.integrations.update()
            .where(_i.project_id == config.project_id, _i.provider == config.provider)
            .values(**values, updated_at=now)
        )
        if int(result.rowcount) == 0:  # type: ignore[attr-defined]
            await self._write(
                t.integrations.insert(),
                {
                    **values,
                    "project_id": config.project_id,
                    "provider": config.provider,
                    "created_at": now,
                },
                "integrations",
            )

    async def remove(self, project_id: str, provider: str) -> None:
        await self._tx.execute(
            t.integrations.delete().where(_i.project_id == project_id, _i.provider == provider)
        )
