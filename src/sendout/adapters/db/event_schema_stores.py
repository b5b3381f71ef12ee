"""The custom event schemas store (cached for the life of the process once committed)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.engine import (
    Transaction,
)
from sendout.adapters.db.store_helpers import (
    SqlStore,
    param,
)
from sendout.domain.custom_events import CustomEventSchema

_schemas = t.custom_event_schemas.c
_SCHEMA_BY_NAME = sa.select(t.custom_event_schemas).where(
    _schemas.project_id == param("project_id"), _schemas.name == param("name")
)


SchemaCache = dict[tuple[str, str], CustomEventSchema]
MAX_CACHED_SCHEMAS = 10_000


class SqlCustomEventSchemaStore(SqlStore):
    """Schemas are never changed or deleted once committed, so committed ones are cached for
    the life of the process: tracking an event costs no lookup for a name seen before."""

    def __init__(
        self, tx: Transaction, cache: SchemaCache, on_commit: Callable[[Callable[[], None]], None]
    ) -> None:
        super().__init__(tx)
        self._cache = cache
        self._on_commit = on_commit
        self._added: set[tuple[str, str]] = set()

    async def get_by_name(self, project_id: str, name: str) -> CustomEventSchema | None:
        key = (project_id, name)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        row = await self._one(_SCHEMA_BY_NAME, project_id=project_id, name=name)
        if row is None:
            return None
        schema = CustomEventSchema(**row._mapping)
        if key not in self._added:  # a row of this very transaction is not committed yet
            self._remember(key, schema)
        return schema

    async def add(self, schema: CustomEventSchema) -> None:
        await self._insert(
            t.custom_event_schemas,
            {
                "id": schema.id,
                "project_id": schema.project_id,
                "name": schema.name,
                "created_at": schema.created_at,
            },
        )
        key = (schema.project_id, schema.name)
        self._added.add(key)
        self._on_commit(lambda: self._remember(key, schema))

    def _remember(self, key: tuple[str, str], schema: CustomEventSchema) -> None:
        if len(self._cache) >= MAX_CACHED_SCHEMAS:
            self._cache.clear()
        self._cache[key] = schema
