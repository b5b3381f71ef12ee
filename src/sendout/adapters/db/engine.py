"""What the two backends share, behind one small interface: ``Database.begin()`` hands out a
``Transaction`` whose ``execute`` is awaited the same way on both, so stores are written once.

The backends themselves: SQLite, the embedded default, in ``sqlite.py``; PostgreSQL in
``postgres.py``; ``databases.py`` opens the one a URL names. Here: the interface, the hot
statements in each backend's own SQL (``DriverStatement``), and what tells a database that
cannot write (``cannot_write``, ``check_writes``).
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import Result

from sendout.adapters.db.sqlite_values import sqlite_reader
from sendout.domain.ports import WriteRefused

#: Options every engine is made with (the alembic ones too). SQLAlchemy puts a failed
#: statement's bound values in its error text, and that text reaches logs: customers' emails,
#: integration secrets. Without them the error still names the statement and the class.
ENGINE_OPTIONS: dict[str, Any] = {"hide_parameters": True}

T = TypeVar("T")
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


def async_url(url: str) -> str:
    """The SQLAlchemy URL for a plain one (``postgresql://…``, ``sqlite:///…``)."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL; None for another backend or an in-memory database."""
    if not is_sqlite(url):
        return None
    path = sa.engine.make_url(url).database
    return None if not path or path == ":memory:" else path


#: What a driver raises when a statement breaks a unique key or another constraint (a
#: statement run by SQLAlchemy raises its own ``IntegrityError`` instead).
DRIVER_INTEGRITY_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.IntegrityError,
    asyncpg.IntegrityConstraintViolationError,
)


class DriverStatement:
    """A statement of the hot paths (dispatch, delivery) in each backend's own SQL, run by its
    driver without SQLAlchemy: building, processing and reading rows through SQLAlchemy costs
    several times what the database spends on them.

    ``sqlite`` takes ``?`` parameters, a list as a JSON array (``IN (SELECT value FROM
    json_each(?))``); ``postgresql`` takes ``$1``… and a list as an array (``= ANY($1::text[])``).
    ``returns``: the columns the statement answers, in order, so that each backend's values
    are read back as SQLAlchemy would read them. ``arrays``: for ``run_many``, ``postgresql``
    takes one array per parameter (``FROM unnest($1::text[], $2::int[]) AS u(id, n)``) and
    runs once for all the rows, where SQLite runs ``sqlite`` once per row: on PostgreSQL a
    statement per row is a plan executed per row (and a round trip per batch of them).
    """

    __slots__ = ("arrays", "postgresql", "sqlite", "sqlite_readers")

    def __init__(
        self,
        sqlite: str,
        postgresql: str,
        returns: Sequence[sa.Column[Any]] = (),
        *,
        arrays: bool = False,
    ) -> None:
        self.sqlite = sqlite
        self.postgresql = postgresql
        self.arrays = arrays
        #: SQLite keeps datetimes and JSON as text (asyncpg decodes both on PostgreSQL)
        self.sqlite_readers: tuple[tuple[int, Callable[[Any], Any]], ...] = tuple(
            (n, reader) for n, column in enumerate(returns) if (reader := sqlite_reader(column))
        )


def columns_sql(table: sa.Table) -> str:
    """The table's columns, in the order ``select(table)`` answers them."""
    return ", ".join(column.name for column in table.columns)


@dataclass(frozen=True, slots=True)
class BulkInsert:
    """What ``Transaction.insert_many`` is asked, handed to the backend's own way of doing it."""

    table: sa.Table
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    #: columns with one value for every row
    constants: Mapping[str, Any]
    #: rows that would break a unique key are left out instead of failing the batch
    skip_duplicates: bool


class Transaction(ABC):
    """One transaction of a backend (``SqliteDatabase``, ``PostgresDatabase``). The checks
    both backends make before a write live here, once: a read-only transaction refuses
    every write (``WriteRefused``)."""

    _read_only: bool

    def _writing(self) -> None:
        if self._read_only:
            raise WriteRefused("a write in a read-only transaction")

    @abstractmethod
    async def execute(self, statement: sa.Executable, params: Params = None) -> Result[Any]: ...

    async def insert_many(
        self,
        table: sa.Table,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        constants: Mapping[str, Any] | None = None,
        skip_duplicates: bool = False,
    ) -> int:
        """Bulk insert of plain values (strings, numbers, aware datetimes) straight through the
        driver, answering how many rows went in. SQLAlchemy's per-row parameter processing
        costs more than the database work at a million rows. ``constants``: columns with one
        value for every row. ``skip_duplicates``: rows that would break a unique key are left
        out instead of failing the batch."""
        self._writing()
        return await self._insert_rows(
            BulkInsert(table, columns, rows, constants or {}, skip_duplicates)
        )

    @abstractmethod
    async def _insert_rows(self, insert: BulkInsert) -> int:
        """``insert_many`` in the backend's way, once the write is allowed."""

    @abstractmethod
    async def fetch(self, statement: DriverStatement, *params: Any) -> list[Sequence[Any]]:
        """The rows of a hot statement run straight through the driver, each value as
        SQLAlchemy would give it (aware datetimes, parsed JSON). Parameters: plain values,
        aware datetimes, JSON documents as text, and lists (``DriverStatement`` says how each
        backend takes one)."""

    @abstractmethod
    async def run(self, statement: DriverStatement, *params: Any) -> int:
        """A hot statement that answers no rows, straight through the driver; answers how
        many rows it changed."""

    @abstractmethod
    async def run_many(self, statement: DriverStatement, rows: Sequence[Sequence[Any]]) -> None:
        """A hot statement run for each row of parameters, straight through the driver (in
        one execution over arrays on PostgreSQL when ``statement.arrays``)."""

    @abstractmethod
    async def commit(self) -> None: ...

    @abstractmethod
    async def close(self, failure: BaseException | None = None) -> None:
        """Roll back unless committed, and give the connection back. ``failure``: what ended
        the transaction, if anything; when it says this connection cannot write
        (``cannot_write``), the connection is dropped and the next transaction opens another,
        so the process takes writes again as soon as the database does."""

    @abstractmethod
    def signal_work(self) -> None:
        """This transaction leaves work for the worker: once it commits, workers in other
        processes are woken (PostgreSQL ``NOTIFY``; SQLite has no such channel)."""


#: The PostgreSQL channel workers LISTEN on.
WORK_CHANNEL = "sendout_work"

StopListening = Callable[[], Awaitable[None]]


class Database(Protocol):
    dialect: str

    async def listen(self, on_work: Callable[[], None]) -> StopListening | None:
        """Call ``on_work`` when another process commits work; None when the backend cannot
        (the worker then relies on its in-process signal and polling)."""
        ...

    async def begin(self, read_only: bool = False) -> Transaction:
        """``read_only``: no write lock is taken, and a write raises ``WriteRefused``."""
        ...

    async def run_sync(self, fn: Callable[[sa.Connection], T]) -> T: ...
    async def ping(self) -> None: ...
    async def dispose(self) -> None: ...


#: SQLite's "attempt to write a readonly database" (and its extended codes)
_SQLITE_READONLY = 8
#: PostgreSQL's read_only_sql_transaction (a read-only session or a standby)
_PG_READ_ONLY = "25006"


def cannot_write(failure: BaseException | None) -> bool:
    """``failure``, or what it was raised from, says the connection cannot write: SQLite's
    SQLITE_READONLY, PostgreSQL's read_only_sql_transaction (the driver's error, SQLAlchemy's
    wrapping of it, or a store's error raised from either)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [failure]
    while pending:
        exc = pending.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        if isinstance(exc, sqlite3.Error) and exc.sqlite_errorcode & 0xFF == _SQLITE_READONLY:
            return True
        if getattr(exc, "sqlstate", None) == _PG_READ_ONLY:
            return True
        orig = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError around the driver's
        pending.extend(
            (orig if isinstance(orig, BaseException) else None, exc.__cause__, exc.__context__)
        )
    return False


#: A write that changes nothing, for readiness (rolled back): every migrated database has
#: this table; a write lock and a row write, refused when the database cannot write.
WRITE_PROBE_SQL = "UPDATE alembic_version SET version_num = version_num"


async def check_writes(database: Database) -> None:
    """Raises unless ``database`` takes a write (tried, then rolled back); a refusal also makes
    the connection be opened again (``Transaction.close``)."""
    probe = DriverStatement(WRITE_PROBE_SQL, WRITE_PROBE_SQL)
    tx = await database.begin()
    failure: BaseException | None = None
    try:
        await tx.run(probe)
    except BaseException as exc:
        failure = exc
        raise
    finally:
        await tx.close(failure)
