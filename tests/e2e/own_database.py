"""A database of a test's own on each backend, for the end-to-end tests whose processes
must not share the session's database (a fixture: import it where used, by name)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    create_pg_database,
    drop_pg_database,
    require_postgres,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sendout.db'}"
        return
    require_postgres()
    name = asyncio.run(create_pg_database())
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        asyncio.run(drop_pg_database(name))
