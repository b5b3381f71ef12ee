"""Applying the Alembic migrations that ship inside the package (no alembic.ini needed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.exc import DBAPIError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``. Safe to run on every start."""
    command.upgrade(alembic_config(url), revision)


class DatabaseUnavailable(Exception):
    """The configured database cannot be reached or opened; the message says why, in a line."""


async def upgrade_async(url: str) -> None:
    """``upgrade`` off the caller's event loop (env.py runs its own for PostgreSQL). The first
    thing every command does with the database, so an unusable ``SENDOUT_DATABASE_URL`` is
    reported here: one line naming the variable and the cause, never the URL (it may hold a
    password), never a traceback."""
    try:
        await asyncio.to_thread(upgrade, url)
    except (OSError, DBAPIError) as exc:
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        said = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        raise DatabaseUnavailable(
            f"SENDOUT_DATABASE_URL: cannot use the database ({type(cause).__name__}: {said})"
        ) from None
