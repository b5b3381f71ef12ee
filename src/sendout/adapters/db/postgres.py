"""PostgreSQL behind ``engine.Database``: asyncpg through SQLAlchemy's asyncio engine, with
the transaction driven by asyncpg itself.

Round trips are what a transaction costs the database (and the worker) here: each one is a
wake-up of the server process, a parse or a bind, a reply. So a transaction sends exactly
``BEGIN``, its statements, and ``COMMIT`` (with its ``NOTIFY`` in the same message), and
nothing else:

- the engine runs in AUTOCOMMIT mode, so SQLAlchemy never begins, commits or rolls back on
  its own; ``_PostgresTransaction`` sends ``BEGIN`` through asyncpg just before its first
  statement (a transaction that runs none costs nothing), and SQLAlchemy's statements run
  inside it on the same connection;
- a connection taken from the pool is not pinged (SQLAlchemy's ``pool_pre_ping`` costs three
  round trips on asyncpg: ``BEGIN``, ``;``, ``ROLLBACK``). One the server ended is known
  without asking (asyncpg sees the socket close) and replaced; one idle for longer than
  ``POSTGRES_PING_IDLE_SECONDS`` (a proxy or a firewall may have dropped it silently) is
  pinged first, as before;
- statements keep their server-side prepared plans: asyncpg caches them per connection, and
  the pool keeps its connections open (``POSTGRES_POOL_SIZE``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import asyncpg
import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from sendout.adapters.db.engine import (
    ENGINE_OPTIONS,
    WORK_CHANNEL,
    BulkInsert,
    DriverStatement,
    Params,
    StopListening,
    Transaction,
    async_url,
    cannot_write,
)
from sendout.adapters.db.pg_listen import WorkListener
from sendout.adapters.db.types import json_dumps, kind_of
from sendout.domain.errors import Conflict

#: the most connections a pool opens unless told otherwise: half are kept open, the other half
#: opened when needed and closed once given back
POSTGRES_POOL_SIZE = 20
#: a pooled connection unused for longer than this is pinged before it is handed out
POSTGRES_PING_IDLE_SECONDS = 10.0
#: ``insert_many`` sends up to this many rows as one INSERT over arrays (one round trip);
#: more go through COPY (two round trips, but the cheapest way in for many rows)
POSTGRES_COPY_ROWS = 5_000

log = logging.getLogger("sendout.db")

T = TypeVar("T")

#: a transaction's BEGIN is tried on this many connections before its error is raised
BEGIN_TRIES = 3

_CHECKED_IN = "sendout_checked_in"
_PING = DriverStatement("SELECT 1", "SELECT 1")


def _pg_type(column: sa.Column[Any]) -> str:
    kind = kind_of(column)
    if isinstance(kind, sa.DateTime):
        return "timestamptz"
    if isinstance(kind, sa.Boolean):
        return "boolean"
    if isinstance(kind, sa.Integer):
        return "bigint"
    if isinstance(kind, sa.LargeBinary):
        return "bytea"
    return "text"


def _pg_value(column: sa.Column[Any], name: str) -> str:
    """How an unnest()ed column is written into ``column`` (JSON documents arrive as text)."""
    return f"{name}::jsonb" if isinstance(kind_of(column), sa.JSON) else name


def _unnest_insert(table: sa.Table, columns: Sequence[str], skip_duplicates: bool) -> str:
    names = [f"c{n}" for n in range(len(columns))]
    arrays = ", ".join(
        f"${n}::{_pg_type(table.c[name])}[]" for n, name in enumerate(columns, start=1)
    )
    values = ", ".join(_pg_value(table.c[name], c) for name, c in zip(columns, names, strict=True))
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"SELECT {values} FROM unnest({arrays}) AS u({', '.join(names)})"
        + (" ON CONFLICT DO NOTHING" if skip_duplicates else "")
    )


def _count(status: str) -> int:
    # "UPDATE 3", "DELETE 0", "INSERT 0 1": the count is last
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def _columns(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Rows as one list per column (a statement taking arrays)."""
    return [list(values) for values in zip(*rows, strict=True)]


class _PostgresTransaction(Transaction):
    """One transaction on a pooled connection, taken and begun (``BEGIN``) just before its
    first statement, ended by ``COMMIT`` or ``ROLLBACK``, all through asyncpg."""

    def __init__(self, engine: AsyncEngine, read_only: bool) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._asyncpg: Any = None
        self._read_only = read_only
        self._signal = False
        self._ended = False

    def signal_work(self) -> None:
        self._signal = True

    async def _driver(self) -> Any:
        """The asyncpg connection, inside this transaction."""
        if self._asyncpg is not None:
            return self._asyncpg
        for attempt in range(1, BEGIN_TRIES + 1):
            conn = await self._engine.connect()
            try:
                driver: Any = (await conn.get_raw_connection()).driver_connection
                await driver.execute("BEGIN")
            except Exception:
                # Nothing was done yet: a connection the server ended a moment ago (before
                # asyncpg saw its socket close) is dropped, and another one begins.
                await conn.invalidate()
                await conn.close()
                if attempt == BEGIN_TRIES:
                    raise
                continue
            except BaseException:
                await conn.invalidate()  # cancelled mid-BEGIN: its state is unknown
                await conn.close()
                raise
            self._conn, self._asyncpg = conn, driver
            break
        return self._asyncpg

    async def fetch(self, statement: DriverStatement, *params: Any) -> list[Sequence[Any]]:
        driver = await self._driver()
        rows: list[Sequence[Any]] = await driver.fetch(statement.postgresql, *params)
        return rows

    async def run(self, statement: DriverStatement, *params: Any) -> int:
        self._writing()
        driver = await self._driver()
        return _count(await driver.execute(statement.postgresql, *params))

    async def run_many(self, statement: DriverStatement, rows: Sequence[Sequence[Any]]) -> None:
        self._writing()
        if not rows:
            return
        driver = await self._driver()
        if statement.arrays:
            await driver.execute(statement.postgresql, *_columns(rows))
        else:
            await driver.executemany(statement.postgresql, rows)

    async def execute(self, statement: sa.Executable, params: Params = None) -> Result[Any]:
        if getattr(statement, "is_dml", False):
            self._writing()
        await self._driver()
        assert self._conn is not None
        return await self._conn.execute(statement, params)

    async def _insert_rows(self, insert: BulkInsert) -> int:
        table, columns, rows = insert.table, insert.columns, insert.rows
        skip_duplicates, constants = insert.skip_duplicates, insert.constants
        if not rows:
            return 0
        if constants:
            columns = [*columns, *constants]
            tail = tuple(constants.values())
            rows = [(*row, *tail) for row in rows]
        driver = await self._driver()
        try:
            if skip_duplicates or len(rows) <= POSTGRES_COPY_ROWS:
                # COPY cannot skip duplicates, and costs a round trip more than one INSERT.
                sql = _unnest_insert(table, columns, skip_duplicates)
                return _count(await driver.execute(sql, *_columns(rows)))
            await driver.copy_records_to_table(table.name, records=rows, columns=list(columns))
            return len(rows)
        except asyncpg.UniqueViolationError as exc:
            raise Conflict(details=f"Duplicate key in {table.name}") from exc

    async def commit(self) -> None:
        self._ended = True
        if self._asyncpg is None:  # nothing ran: nothing to commit
            if self._signal:
                driver = await self._driver()
                await driver.execute(f"NOTIFY {WORK_CHANNEL}; COMMIT")
            return
        # One message: the notification is delivered to listeners only if, and when, the
        # transaction commits.
        await self._asyncpg.execute(f"NOTIFY {WORK_CHANNEL}; COMMIT" if self._signal else "COMMIT")

    async def close(self, failure: BaseException | None = None) -> None:
        conn = self._conn
        if conn is None:
            return
        self._conn = None
        broken = cannot_write(failure)
        try:
            if not self._ended or self._asyncpg.is_in_transaction():
                try:
                    await self._asyncpg.execute("ROLLBACK")
                except BaseException:
                    broken = True  # its state is unknown: never handed out again
                    raise
        finally:
            if broken:
                # A read-only session (default_transaction_read_only, a standby after a
                # failover) stays so for its life: not given back to the pool.
                log.warning("the database refused a write: its connection will be opened again")
                await conn.invalidate()
            await conn.close()


def _on_checkin(_dbapi: Any, record: Any) -> None:
    record.info[_CHECKED_IN] = time.monotonic()


def _on_checkout(dbapi: Any, record: Any, _proxy: Any) -> None:
    """Hands out only a connection that still works, without a round trip when it was in
    use a moment ago; raising ``DisconnectionError`` makes the pool open another."""
    if record.driver_connection.is_closed():  # the server ended it (asyncpg saw the socket)
        raise sa.exc.DisconnectionError("connection closed by the server")
    idle = time.monotonic() - record.info.get(_CHECKED_IN, time.monotonic())
    if idle > POSTGRES_PING_IDLE_SECONDS:
        try:
            dbapi.ping()  # runs inside SQLAlchemy's greenlet: awaited there
        except Exception as exc:
            raise sa.exc.DisconnectionError("connection lost while idle") from exc


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, url: str, pool_size: int = POSTGRES_POOL_SIZE) -> None:
        """``pool_size``: the most connections the pool opens (a worker uses three or four
        at once; an API process one per request in flight; docs/scaling.md)."""
        self._dsn = "postgresql://" + url.split("://", 1)[1]
        kept = (pool_size + 1) // 2
        self.engine: AsyncEngine = create_async_engine(
            async_url(url),
            pool_size=kept,
            max_overflow=pool_size - kept,
            # Transactions are begun and ended by _PostgresTransaction, not SQLAlchemy.
            isolation_level="AUTOCOMMIT",
            json_serializer=json_dumps,
            json_deserializer=orjson.loads,
            **ENGINE_OPTIONS,
        )
        sa.event.listen(self.engine.sync_engine.pool, "checkin", _on_checkin)
        sa.event.listen(self.engine.sync_engine.pool, "checkout", _on_checkout)

    async def listen(self, on_work: Callable[[], None]) -> StopListening:
        """A connection of its own, outside the pool, held for LISTEN while the worker runs,
        and opened again whenever it is lost (``WorkListener``)."""
        listener = WorkListener(self._dsn, WORK_CHANNEL, on_work)
        await listener.start()
        return listener.stop

    async def begin(self, read_only: bool = False) -> Transaction:
        return _PostgresTransaction(self.engine, read_only)

    async def run_sync(self, fn: Callable[[sa.Connection], T]) -> T:
        async with self.engine.connect() as conn:
            await conn.execution_options(isolation_level="READ COMMITTED")
            async with conn.begin():
                return await conn.run_sync(fn)

    async def ping(self) -> None:
        tx = await self.begin(read_only=True)
        try:
            await tx.fetch(_PING)
        finally:
            await tx.close()

    async def dispose(self) -> None:
        await self.engine.dispose()
