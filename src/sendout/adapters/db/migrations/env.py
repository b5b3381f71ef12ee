"""Alembic environment: SQLite over a plain engine, PostgreSQL over asyncpg."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic import context

from sendout.adapters.db.engine import ENGINE_OPTIONS, async_url, is_sqlite
from sendout.adapters.db.tables import metadata

target_metadata = metadata


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_postgres(url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(async_url(url), **ENGINE_OPTIONS)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def _run_sqlite(url: str) -> None:
    engine = sa.create_engine(url.replace("sqlite+aiosqlite:", "sqlite:", 1), **ENGINE_OPTIONS)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Sendout migrations run online only: use `sendout migrate`.")
_url = context.config.get_main_option("sqlalchemy.url") or ""
if is_sqlite(_url):
    _run_sqlite(_url)
else:
    asyncio.run(_run_postgres(_url))
