"""Endpoint resets: when a person last said "try now" to each endpoint (see
``services/pipeline/endpoint_resets.py``). One row per URL, across projects, as breakers are."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sendout.adapters.db import tables as t
from sendout.adapters.db.engine import DriverStatement
from sendout.adapters.db.store_helpers import SqlStore

# Only ever later: two people acting at once keep the later reset.
_RESET = DriverStatement(
    # "WHERE true": SQLite's parser needs it between a SELECT and ON CONFLICT.
    "INSERT INTO endpoint_resets (url, reset_at) SELECT value, ? FROM json_each(?) WHERE true "
    "ON CONFLICT (url) DO UPDATE SET reset_at = excluded.reset_at "
    "WHERE excluded.reset_at > endpoint_resets.reset_at",
    "INSERT INTO endpoint_resets (url, reset_at) SELECT unnest($2::text[]), $1 "
    "ON CONFLICT (url) DO UPDATE SET reset_at = excluded.reset_at "
    "WHERE excluded.reset_at > endpoint_resets.reset_at",
)
_FORGET = DriverStatement(
    "DELETE FROM endpoint_resets WHERE reset_at < ?",
    "DELETE FROM endpoint_resets WHERE reset_at < $1",
)
_OF = DriverStatement(
    "SELECT url, reset_at FROM endpoint_resets WHERE url IN (SELECT value FROM json_each(?))",
    "SELECT url, reset_at FROM endpoint_resets WHERE url = ANY($1::text[])",
    returns=list(t.endpoint_resets.columns),
)


class SqlEndpointResetStore(SqlStore):
    async def reset(self, urls: Collection[str], at: datetime, forget_before: datetime) -> None:
        if not urls:
            return
        await self._tx.run(_FORGET, forget_before)
        # Distinct (PostgreSQL refuses to upsert one row twice in a statement), in one order
        # (two people resetting the same endpoints lock their rows alike: no deadlock).
        await self._tx.run(_RESET, at, sorted(set(urls)))

    async def of(self, urls: Collection[str]) -> dict[str, datetime]:
        if not urls:
            return {}
        rows = await self._tx.fetch(_OF, list(urls))
        return {str(url): reset_at for url, reset_at in rows}
