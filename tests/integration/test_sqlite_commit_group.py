"""Group commit on SQLite (``sqlite_commit_group``): write transactions of one turn of the
event loop share one COMMIT, and each still commits or fails on its own: a commit returns
once its writes are committed, a failing member leaves the others' writes alone, a COMMIT
that fails fails every member, and a reader never sees writes whose commit has not returned."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from sendout.adapters.db.engine import Transaction
from sendout.adapters.db.migrate import upgrade_async
from sendout.adapters.db.sqlite import SqliteDatabase

MEMBERS = 8


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = SqliteDatabase(f"sqlite:///{tmp_path / 'grouped.db'}")
    tx = await database.begin()
    await tx.execute(sa.text("CREATE TABLE notes (n INTEGER PRIMARY KEY, body TEXT NOT NULL)"))
    await tx.commit()
    await tx.close()
    yield database
    await database.dispose()


def other_connection(database: SqliteDatabase) -> sqlite3.Connection:
    assert database._path is not None
    return sqlite3.connect(database._path, isolation_level=None)


def bodies(connection: sqlite3.Connection) -> list[str]:
    return [row[0] for row in connection.execute("SELECT body FROM notes ORDER BY body")]


def count_commits(database: SqliteDatabase) -> list[str]:
    """The COMMITs the database's connection runs from now on."""
    seen: list[str] = []
    driver = database._connection().connection.driver_connection
    assert driver is not None
    driver.set_trace_callback(lambda sql: seen.append(sql) if sql == "COMMIT" else None)
    return seen


async def write(database: SqliteDatabase, body: str, fail: bool = False) -> Transaction:
    tx = await database.begin()
    try:
        await tx.execute(sa.text("INSERT INTO notes (body) VALUES (:body)"), {"body": body})
        if fail:
            raise RuntimeError(f"{body} failed")
        await tx.commit()
    except BaseException as exc:
        await tx.close(exc)
        raise
    await tx.close()
    return tx


async def test_concurrent_writes_share_a_commit_and_each_is_committed_when_its_commit_returns(
    database: SqliteDatabase,
) -> None:
    other = other_connection(database)
    commits = count_commits(database)
    seen_after_commit: dict[str, bool] = {}

    async def member(n: int) -> None:
        await write(database, f"note {n}")
        # Another connection (another process) sees it as soon as the commit returned.
        seen_after_commit[f"note {n}"] = f"note {n}" in bodies(other)

    try:
        await asyncio.gather(*(member(n) for n in range(MEMBERS)))
        assert seen_after_commit == {f"note {n}": True for n in range(MEMBERS)}
        assert len(commits) < MEMBERS  # grouped: one COMMIT for the turn's transactions
        assert len(bodies(other)) == MEMBERS
    finally:
        other.close()


async def test_a_failing_member_loses_only_its_own_writes(database: SqliteDatabase) -> None:
    outcomes = await asyncio.gather(
        *(write(database, f"note {n}", fail=n % 3 == 1) for n in range(MEMBERS)),
        return_exceptions=True,
    )
    failed = {n for n, outcome in enumerate(outcomes) if isinstance(outcome, BaseException)}
    assert failed == {n for n in range(MEMBERS) if n % 3 == 1}
    other = other_connection(database)
    try:
        assert bodies(other) == sorted(f"note {n}" for n in range(MEMBERS) if n not in failed)
    finally:
        other.close()


async def test_a_rolled_back_group_fails_the_members_waiting_for_it(
    database: SqliteDatabase,
) -> None:
    """Some errors make SQLite roll the whole transaction back: the members that committed
    into it are told, not answered as if their writes were kept."""

    async def rolled_back_by_sqlite() -> None:
        tx = await database.begin()
        try:
            await tx.execute(sa.text("INSERT INTO notes (body) VALUES ('doomed')"))
            tx._driver.execute("ROLLBACK")  # type: ignore[attr-defined]  # what SQLite may do
            raise RuntimeError("disk I/O error")
        except BaseException as exc:
            await tx.close(exc)
            raise

    outcomes = await asyncio.gather(
        write(database, "first"), rolled_back_by_sqlite(), return_exceptions=True
    )
    assert [type(outcome) for outcome in outcomes] == [sqlite3.OperationalError, RuntimeError]
    await write(database, "after")  # the next transaction begins afresh
    other = other_connection(database)
    try:
        assert bodies(other) == ["after"]
    finally:
        other.close()


async def test_a_failed_commit_fails_every_member_and_keeps_none_of_their_writes(
    database: SqliteDatabase,
) -> None:
    """A deferred foreign key is checked at COMMIT (Sendout's schema has none: see the next
    test): here it makes the group's COMMIT fail."""
    tx = await database.begin()
    await tx.execute(sa.text("CREATE TABLE parents (id INTEGER PRIMARY KEY)"))
    await tx.execute(
        sa.text(
            "CREATE TABLE children (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES "
            "parents (id) DEFERRABLE INITIALLY DEFERRED)"
        )
    )
    await tx.commit()
    await tx.close()

    async def orphan() -> None:
        tx = await database.begin()
        await tx.execute(sa.text("INSERT INTO children (parent) VALUES (42)"))
        try:
            await tx.commit()
        finally:
            await tx.close()

    outcomes = await asyncio.gather(
        write(database, "first"), orphan(), write(database, "third"), return_exceptions=True
    )
    assert [type(outcome) for outcome in outcomes] == [sqlite3.IntegrityError] * 3
    await write(database, "after")
    other = other_connection(database)
    try:
        assert bodies(other) == ["after"]
        assert other.execute("SELECT COUNT(*) FROM children").fetchone() == (0,)
    finally:
        other.close()


async def test_no_constraint_of_the_schema_waits_for_the_commit(tmp_path: Path) -> None:
    """So one member's bad write fails at its own statement, never at the group's COMMIT."""
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    await upgrade_async(url)
    connection = sqlite3.connect(tmp_path / "schema.db")
    try:
        schema = [sql for (sql,) in connection.execute("SELECT sql FROM sqlite_master")]
    finally:
        connection.close()
    assert schema
    assert not [sql for sql in schema if sql and "DEFERRABLE" in sql.upper()]


async def test_a_reader_commits_the_waiting_group_first(database: SqliteDatabase) -> None:
    """A read-only transaction begun while a group waits for its COMMIT reads only committed
    writes: the group is committed before it reads."""
    other = other_connection(database)
    read: list[str] = []

    async def reader() -> None:
        tx = await database.begin(read_only=True)
        try:
            # Committed, not merely visible to this connection: another one sees it too.
            assert bodies(other) == ["written"]
            rows = await tx.execute(sa.text("SELECT body FROM notes"))
            read.extend(row[0] for row in rows)
        finally:
            await tx.close()

    try:
        await asyncio.gather(write(database, "written"), reader())
        assert read == ["written"]
    finally:
        other.close()


async def test_a_waiting_group_is_committed_by_dispose(tmp_path: Path) -> None:
    database = SqliteDatabase(f"sqlite:///{tmp_path / 'disposed.db'}")
    tx = await database.begin()
    await tx.execute(sa.text("CREATE TABLE notes (n INTEGER PRIMARY KEY, body TEXT NOT NULL)"))
    await tx.commit()
    await tx.close()
    writing = asyncio.create_task(write(database, "kept"))
    await asyncio.sleep(0)  # the write has committed into the group, which waits
    await database.dispose()
    await writing
    other = other_connection(database)
    try:
        assert bodies(other) == ["kept"]
    finally:
        other.close()


async def test_a_statement_after_commit_is_refused(database: SqliteDatabase) -> None:
    """After its commit the connection serves other transactions: a statement there would
    run in theirs."""
    tx = await write(database, "once")
    with pytest.raises(RuntimeError, match="after the transaction's commit"):
        await tx.execute(sa.text("INSERT INTO notes (body) VALUES ('twice')"))
