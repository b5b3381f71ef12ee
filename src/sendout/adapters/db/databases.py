"""Opens the database a URL names: SQLite (``sqlite.py``) or PostgreSQL (``postgres.py``)."""

from __future__ import annotations

from sendout.adapters.db.engine import Database, is_sqlite
from sendout.adapters.db.postgres import POSTGRES_POOL_SIZE, PostgresDatabase
from sendout.adapters.db.sqlite import SqliteDatabase


def open_database(url: str, pool_size: int = POSTGRES_POOL_SIZE) -> Database:
    """``pool_size``: the most connections a PostgreSQL pool opens (SQLite keeps one)."""
    if is_sqlite(url):
        return SqliteDatabase(url)
    if url.startswith(("postgresql", "postgres")):
        return PostgresDatabase(url, pool_size)
    raise ValueError(f"Unsupported database URL {url!r}: use sqlite:///… or postgresql://…")
