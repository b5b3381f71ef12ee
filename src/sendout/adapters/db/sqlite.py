"""SQLite behind ``engine.Database``, the embedded default.

SQLite runs on the standard ``sqlite3`` module *on the event loop thread*. aiosqlite hands
every statement to a helper thread and back, and that hop costs many times the work: in WAL
mode a statement on a local file is short and never waits on a network. SQLite has one writer
at a time anyway; an ``asyncio.Lock`` queues this process's transactions on one connection, and
``BEGIN IMMEDIATE`` orders them against other processes on the same file, waiting for the write
lock on the event loop (``_begin_writing``). The write transactions that follow each other
within one turn of the loop share one ``BEGIN IMMEDIATE`` … ``COMMIT`` (``CommitGroup``: each
still commits or fails on its own). A read-only transaction (``begin(read_only=True)``) takes
no write lock at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Result

from sendout.adapters.db.engine import (
    ENGINE_OPTIONS,
    BulkInsert,
    DriverStatement,
    Params,
    StopListening,
    Transaction,
    cannot_write,
    sqlite_path,
)
from sendout.adapters.db.sqlite_checkpoint import Checkpointer
from sendout.adapters.db.sqlite_commit_group import CommitGroup
from sendout.adapters.db.sqlite_values import sqlite_params, sqlite_value
from sendout.adapters.db.types import json_dumps, kind_of
from sendout.domain.errors import Conflict
from sendout.domain.ports import WriteRefused

SQLITE_BUSY_TIMEOUT_MS = 10_000
#: seconds between tries for the write lock while another process holds it: the first, the most
SQLITE_LOCK_RETRY = (0.0005, 0.004)
SQLITE_CACHE_KIB = 64 * 1024
#: SQLite's own checkpoint, left as a backstop: ``Checkpointer`` copies the log back long
#: before it reaches this (256 MiB of WAL at SQLite's 4 KiB pages)
SQLITE_CHECKPOINT_PAGES = 65_536
#: the write-ahead log is cut back to this size whenever it starts over (a busy database
#: that is never quiet long enough for ``Checkpointer`` to empty it)
SQLITE_WAL_LIMIT_BYTES = 32 * 1024 * 1024
#: how often a worker on SQLite looks whether another process committed (``listen``): at
#: first, and at most once nothing has changed for a while
SQLITE_WATCH_SECONDS = (0.002, 0.016)

log = logging.getLogger("sendout.db")

T = TypeVar("T")


def _driver_of(conn: sa.Connection) -> Any:
    # Transaction control goes straight to sqlite3: the engine is in AUTOCOMMIT mode, so
    # SQLAlchemy keeps no transaction state that these statements could contradict.
    driver = conn.connection.driver_connection
    assert driver is not None
    return driver


async def _begin_writing(driver: Any) -> None:
    """``BEGIN IMMEDIATE``, waiting for another process's write transaction on the event loop.

    SQLite's own busy handler sleeps the calling thread, 1 to 100 ms at a time: here that is
    the event loop, so every attempt in flight and the API would stop with it. So the write
    lock is asked for without a busy timeout, and tried again after an ``asyncio.sleep``
    until ``SQLITE_BUSY_TIMEOUT_MS`` have passed (then the "database is locked" error is
    raised, as SQLite's handler would). Other statements keep the busy timeout: in WAL mode
    they wait only in rare moments (another connection recovering the log)."""
    driver.execute("PRAGMA busy_timeout=0")
    try:
        delay, longest = SQLITE_LOCK_RETRY
        deadline = asyncio.get_running_loop().time() + SQLITE_BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                locked = exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
                if not locked or asyncio.get_running_loop().time() >= deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, longest)
    finally:
        driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


class _SqliteTransaction(Transaction):
    """One transaction on the connection, begun by ``SqliteDatabase.begin``. Read-only ones
    also run under ``PRAGMA query_only``, so that a write sent some way other than the
    methods below is refused by SQLite itself. A write transaction is a member of a
    ``CommitGroup`` (``joined``: under a savepoint of a group's open transaction); once it
    committed, the connection is another's: no statement may follow."""

    def __init__(
        self,
        conn: sa.Connection,
        release: Callable[[], None],
        read_only: bool,
        drop_connection: Callable[[], None],
        group: CommitGroup,
        joined: bool = False,
    ) -> None:
        self._conn = conn
        self._driver: Any = _driver_of(conn)
        self._release = release
        self._drop_connection = drop_connection
        self._open = True
        self._read_only = read_only
        self._group = group
        self._joined = joined
        self._released = False

    def _live(self) -> None:
        if not self._open:
            raise RuntimeError("a statement after the transaction's commit")

    def signal_work(self) -> None:
        return None  # one process per SQLite file in practice: the in-process signal does it

    async def execute(self, statement: sa.Executable, params: Params = None) -> Result[Any]:
        self._live()
        if getattr(statement, "is_dml", False):
            self._writing()
        try:
            return self._conn.execute(statement, params)
        except sa.exc.OperationalError as exc:
            if self._read_only and "readonly" in str(exc.orig):
                raise WriteRefused(str(exc.orig)) from exc
            raise

    async def _insert_rows(self, insert: BulkInsert) -> int:
        self._live()
        table, columns, rows = insert.table, insert.columns, insert.rows
        skip_duplicates, constants = insert.skip_duplicates, insert.constants
        verb = "INSERT OR IGNORE" if skip_duplicates else "INSERT"
        fixed = {name: sqlite_value(value) for name, value in constants.items()}
        names = [*columns, *fixed]
        marks = ", ".join("?" * len(names))
        sql = f"{verb} INTO {table.name} ({', '.join(names)}) VALUES ({marks})"
        tail = tuple(fixed.values())
        dated = [
            n for n, name in enumerate(columns) if isinstance(kind_of(table.c[name]), sa.DateTime)
        ]
        plain: list[Sequence[Any]] = []
        for row in rows:
            values = [*row, *tail]
            for n in dated:
                values[n] = sqlite_value(values[n])
            plain.append(values)
        try:
            return int(self._driver.executemany(sql, plain).rowcount)
        except sqlite3.IntegrityError as exc:
            raise Conflict(details=f"Duplicate key in {table.name}") from exc

    async def fetch(self, statement: DriverStatement, *params: Any) -> list[Sequence[Any]]:
        self._live()
        rows: list[Any] = self._driver.execute(statement.sqlite, sqlite_params(params)).fetchall()
        readers = statement.sqlite_readers
        if not readers:
            return rows
        read: list[Sequence[Any]] = []
        for row in rows:
            values = list(row)
            for n, reader in readers:
                if values[n] is not None:
                    values[n] = reader(values[n])
            read.append(values)
        return read

    async def run(self, statement: DriverStatement, *params: Any) -> int:
        self._live()
        self._writing()
        return int(self._driver.execute(statement.sqlite, sqlite_params(params)).rowcount)

    async def run_many(self, statement: DriverStatement, rows: Sequence[Sequence[Any]]) -> None:
        self._live()
        self._writing()
        self._driver.executemany(statement.sqlite, [sqlite_params(row) for row in rows])

    async def commit(self) -> None:
        self._live()
        if self._read_only:
            self._driver.execute("COMMIT")
            self._open = False
            return
        committed = self._group.commit(self._driver, self._joined)
        self._open = False
        # Let go of the connection before waiting: the transactions that begin meanwhile
        # join the group, and its COMMIT comes after them.
        self._released = True
        self._release()
        await committed

    async def close(self, failure: BaseException | None = None) -> None:
        if self._released:
            return
        try:
            if self._read_only:
                if self._open:
                    self._driver.execute("ROLLBACK")
            elif self._open:
                self._group.roll_back(self._driver, self._joined)
        finally:
            try:
                if self._read_only:
                    self._driver.execute("PRAGMA query_only=OFF")
            finally:
                try:
                    if failure is not None and cannot_write(failure):
                        self._group.fail(failure)  # its COMMIT could not be written either
                        self._drop_connection()
                finally:
                    self._release()


class SqliteDatabase:
    """One connection, kept open, used by one transaction at a time.

    Transactions are begun and ended with plain SQL (the engine runs in AUTOCOMMIT mode, so
    SQLAlchemy adds no transaction bookkeeping of its own): ``BEGIN IMMEDIATE`` takes the write
    lock up front, so a transaction that reads then writes can never fail half-way because
    another process wrote in between.
    """

    dialect = "sqlite"

    async def listen(self, on_work: Callable[[], None]) -> StopListening:
        """SQLite has no notifications, but ``PRAGMA data_version`` on a connection changes
        when another connection commits: read every few milliseconds (a few microseconds
        each; ``SQLITE_WATCH_SECONDS``, slower while nothing changes), it wakes this worker
        soon after a commit by another process (an API without its worker, another worker,
        a dispatcher), where the worker's poll would take up to a second. Skipped while
        this process is in a transaction: it is busy, and looks again after."""
        fastest, slowest = SQLITE_WATCH_SECONDS

        async def watch() -> None:
            version, interval = None, fastest
            while True:
                await asyncio.sleep(interval)
                if self._lock.locked():
                    continue
                driver = _driver_of(self._connection())
                (now,) = driver.execute("PRAGMA data_version").fetchone()
                if version is not None and now != version:
                    on_work()
                    interval = fastest
                else:
                    interval = min(interval * 2, slowest)
                version = now

        task = asyncio.create_task(watch(), name="sqlite-watch")

        async def stop() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        return stop

    def __init__(self, url: str) -> None:
        engine = sa.create_engine(
            url.replace("sqlite+aiosqlite:", "sqlite:", 1),
            poolclass=sa.pool.StaticPool,
            json_serializer=json_dumps,
            json_deserializer=orjson.loads,
            **ENGINE_OPTIONS,
        )
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._conn: sa.Connection | None = None
        self._lock = asyncio.Lock()
        self._group = CommitGroup(self._lock, lambda: _driver_of(self._connection()))
        self._path = sqlite_path(url)
        self._checkpointer: Checkpointer | None = None

    def _drop_connection(self) -> None:
        """Closes the connection (the next transaction opens another): SQLite opens a file it
        cannot write read-only, and the connection stays so after the file is writable again."""
        if self._conn is not None:
            log.warning("the database refused a write: its connection will be opened again")
            self._conn.invalidate()  # the one pooled connection itself, not just this handle
            self._conn.close()
            self._conn = None

    def _connection(self) -> sa.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = self.engine.connect()
            # Started with the first connection (WAL mode is set by then), not at
            # construction: composing the application does no work.
            if self._path is not None and self._checkpointer is None:
                self._checkpointer = Checkpointer(self._path)
                self._checkpointer.start()
        return self._conn

    async def begin(self, read_only: bool = False) -> Transaction:
        await self._lock.acquire()
        try:
            conn = self._connection()
            driver = _driver_of(conn)
            joined = False
            if read_only:
                self._group.commit_now()  # it reads no write whose commit has not returned
                driver.execute("PRAGMA query_only=ON")
                driver.execute("BEGIN")  # deferred: reads a snapshot, takes no write lock
            else:
                joined = await self._group.begin(driver, _begin_writing)
            return _SqliteTransaction(
                conn, self._lock.release, read_only, self._drop_connection, self._group, joined
            )
        except BaseException:
            if read_only:
                _driver_of(self._connection()).execute("PRAGMA query_only=OFF")
            self._lock.release()
            raise

    async def run_sync(self, fn: Callable[[sa.Connection], T]) -> T:
        tx = await self.begin()
        try:
            result = fn(self._connection())
            await tx.commit()
            return result
        finally:
            await tx.close()

    async def ping(self) -> None:
        async with self._lock:
            self._connection().exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        async with self._lock:
            if self._conn is not None:
                self._group.commit_now()
            if self._checkpointer is not None:
                await asyncio.to_thread(self._checkpointer.stop)
                self._checkpointer = None
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self.engine.dispose()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module so "begin" below decides.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # No page_size: Alembic's own engine creates the file, at SQLite's default of 4 KiB,
    # before this connection ever opens it (a page size set later never applies in WAL
    # mode), and small pages suit delivery's many small writes: fewer bytes per changed row.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # A million-code campaign's indexes outgrow the default 2 MiB page cache many times over.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    # Checkpoints are ``Checkpointer``'s, off the event loop; SQLite's own is a backstop.
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
    # Without it the log file keeps the largest size it ever reached: it is written over from
    # its start once copied back, never made smaller.
    cursor.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_LIMIT_BYTES}")
    cursor.close()
