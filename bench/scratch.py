"""Scratch databases for benchmarks: a fresh SQLite file or PostgreSQL database, dropped after.

Shared by the benchmarks (run as ``.venv/bin/python bench/<name>.py``, so ``bench/`` is on
``sys.path``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from sendout.bootstrap import Container, bootstrap
from sendout.config import Settings
from sendout.services.accounts.projects import create_project
from sendout.services.context import Context
from sendout.testing import make_context

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


async def pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(database="postgres", **PG)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def scratch_database(backend: str, tag: str) -> AsyncIterator[tuple[str, Path]]:
    """The URL of a new, empty database of ``backend``, and a work directory."""
    name = f"sendout_bench_{tag}_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="sendout-bench-") as tmp:
        if backend != "postgresql":
            yield f"sqlite:///{Path(tmp) / f'{tag}.db'}", Path(tmp)
            return
        await pg_admin(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{name}", Path(tmp)
        finally:
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def scratch_project(backend: str, tag: str) -> AsyncIterator[tuple[Container, Context]]:
    """A migrated scratch database with one project, and a context acting in it."""
    async with scratch_database(backend, tag) as (url, _):
        container = bootstrap(Settings(database_url=url))
        try:
            await container.migrate()
            issued = await create_project(
                container.uow_factory, container.clock, container.rng, "bench"
            )
            yield (
                container,
                make_context(issued.project.id, clock=container.clock, rng=container.rng),
            )
        finally:
            await container.close()
