"""Several processes on one SQLite file: the write lock is waited for on the event loop,
read-only transactions take no lock and refuse writes, and commits by another connection
wake a worker (``PRAGMA data_version``)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from sendout.adapters.db import sqlite
from sendout.adapters.db.engine import DriverStatement
from sendout.adapters.db.sqlite import SqliteDatabase
from sendout.domain.ports import WriteRefused

HOLD = 0.3  # seconds another connection keeps the write lock


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = SqliteDatabase(f"sqlite:///{tmp_path / 'shared.db'}")
    tx = await database.begin()
    await tx.execute(sa.text("CREATE TABLE notes (n INTEGER PRIMARY KEY, body TEXT)"))
    await tx.commit()
    await tx.close()
    yield database
    await database.dispose()


def other_connection(database: SqliteDatabase) -> sqlite3.Connection:
    """A connection of another "process": its own, on the same file."""
    assert database._path is not None
    return sqlite3.connect(database._path, isolation_level=None, check_same_thread=False)


async def test_the_write_lock_is_waited_for_without_stopping_the_event_loop(
    database: SqliteDatabase,
) -> None:
    other = other_connection(database)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO notes (body) VALUES ('theirs')")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def release_later() -> None:
        await asyncio.sleep(HOLD)
        other.execute("COMMIT")

    ticking = asyncio.create_task(ticker())
    releasing = asyncio.create_task(release_later())
    began = time.monotonic()
    tx = await database.begin()
    waited = time.monotonic() - began
    try:
        # The lock came only once the other connection let go, and meanwhile the loop ran on:
        # SQLite's busy handler would have slept the thread, and the ticker with it.
        assert waited >= HOLD * 0.9
        assert ticks >= HOLD / 0.01 * 0.5
        await tx.execute(sa.text("INSERT INTO notes (body) VALUES ('ours')"))
        await tx.commit()
    finally:
        await tx.close()
        ticking.cancel()
        await releasing
        other.close()
    tx = await database.begin(read_only=True)
    try:
        rows = await tx.execute(sa.text("SELECT body FROM notes ORDER BY n"))
        assert [tuple(row) for row in rows] == [("theirs",), ("ours",)]
        # Statements other than BEGIN IMMEDIATE keep SQLite's busy timeout.
        driver = tx._driver  # type: ignore[attr-defined]  # the sqlite3 connection
        assert driver.execute("PRAGMA busy_timeout").fetchone() == (sqlite.SQLITE_BUSY_TIMEOUT_MS,)
    finally:
        await tx.close()


async def test_waiting_for_the_write_lock_gives_up_after_the_busy_timeout(
    database: SqliteDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite, "SQLITE_BUSY_TIMEOUT_MS", 200)
    other = other_connection(database)
    other.execute("BEGIN IMMEDIATE")
    try:
        began = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await database.begin()
        assert 0.15 <= time.monotonic() - began < 5
        # The lock of this process was given back: once the other lets go, it works again.
        other.execute("ROLLBACK")
        tx = await database.begin()
        await tx.close()
    finally:
        other.close()


async def test_a_read_only_transaction_takes_no_lock_and_refuses_every_write(
    database: SqliteDatabase,
) -> None:
    tx = await database.begin(read_only=True)
    other = other_connection(database)
    try:
        # Another connection can write while this one reads.
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO notes (body) VALUES ('theirs')")
        other.execute("COMMIT")
        assert (await tx.execute(sa.text("SELECT COUNT(*) FROM notes"))).scalar() in (0, 1)
        insert = sa.text("INSERT INTO notes (body) VALUES ('ours')")
        statement = DriverStatement("UPDATE notes SET body = ?", "UPDATE notes SET body = $1")
        notes = sa.table("notes", sa.column("body"))
        with pytest.raises(WriteRefused):
            await tx.execute(notes.insert().values(body="ours"))  # SQLAlchemy DML
        with pytest.raises(WriteRefused):
            await tx.execute(insert)  # text: refused by SQLite itself (query_only)
        with pytest.raises(WriteRefused):
            await tx.run(statement, "x")
        with pytest.raises(WriteRefused):
            await tx.run_many(statement, [("x",)])
        with pytest.raises(WriteRefused):
            await tx.insert_many(sa.Table("notes", sa.MetaData(), sa.Column("body")), ["body"], [])
    finally:
        await tx.close()
        other.close()
    # The next transaction writes again.
    tx = await database.begin()
    await tx.execute(sa.text("INSERT INTO notes (body) VALUES ('ours')"))
    await tx.commit()
    await tx.close()
    tx = await database.begin(read_only=True)
    assert (await tx.execute(sa.text("SELECT COUNT(*) FROM notes"))).scalar() == 2
    await tx.close()


async def test_a_commit_by_another_connection_wakes_the_listener(
    database: SqliteDatabase,
) -> None:
    woken = asyncio.Event()
    stop = await database.listen(woken.set)
    other = other_connection(database)
    try:
        # Its own commits do not count (the in-process signal covers those).
        for _ in range(3):
            tx = await database.begin()
            await tx.execute(sa.text("INSERT INTO notes (body) VALUES ('ours')"))
            await tx.commit()
            await tx.close()
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        assert not woken.is_set()
        other.execute("INSERT INTO notes (body) VALUES ('theirs')")
        began = time.monotonic()
        await asyncio.wait_for(woken.wait(), 2)
        # Within the slowest watch interval (and scheduling).
        assert time.monotonic() - began < sqlite.SQLITE_WATCH_SECONDS[1] + 0.5
    finally:
        await stop()
        other.close()
