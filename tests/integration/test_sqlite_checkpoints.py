"""SQLite's write-ahead log is copied back by a thread of the database's own, not by the
COMMIT that happens to cross SQLite's threshold on the event loop, and its file is emptied
once the database is quiet (it kept its largest size for the life of the process)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from sendout.adapters.db.engine import DriverStatement
from sendout.adapters.db.sqlite import (
    SQLITE_CHECKPOINT_PAGES,
    SQLITE_WAL_LIMIT_BYTES,
    SqliteDatabase,
)
from sendout.adapters.db.sqlite_checkpoint import CHECKPOINT_SECONDS

ROWS = 2_000
ROW_BYTES = 1_000  # ~2 MB in all: ~500 pages, far below SQLite's own threshold


def size_of(path: Path) -> int:
    return path.stat().st_size


async def until_empty(wal: Path, seconds: float = 10.0) -> None:
    for _ in range(round(seconds / CHECKPOINT_SECONDS) * 4):
        if size_of(wal) == 0:
            return
        await asyncio.sleep(CHECKPOINT_SECONDS / 4)
    raise AssertionError(f"the log kept {size_of(wal)} bytes while all was quiet")


def _checkpointers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sqlite-checkpoint"]


async def test_the_log_is_copied_back_beside_the_event_loop(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.db"
    database = SqliteDatabase(f"sqlite:///{path}")
    before = len(_checkpointers())
    try:
        tx = await database.begin()
        driver = tx._driver  # type: ignore[attr-defined]  # the sqlite3 connection
        (pages,) = driver.execute("PRAGMA wal_autocheckpoint").fetchone()
        assert pages == SQLITE_CHECKPOINT_PAGES  # SQLite's own: a backstop far away
        # A log that starts over is cut back to this size (it would keep its largest).
        assert driver.execute("PRAGMA journal_size_limit").fetchone() == (SQLITE_WAL_LIMIT_BYTES,)
        driver.execute("CREATE TABLE filler (n INTEGER PRIMARY KEY, b BLOB)")
        driver.executemany(
            "INSERT INTO filler (b) VALUES (?)", [(b"x" * ROW_BYTES,) for _ in range(ROWS)]
        )
        await tx.commit()
        await tx.close()
        assert len(_checkpointers()) == before + 1
        # Until it is copied back, the database file stays as the commit left it: empty.
        for _ in range(round(10 / CHECKPOINT_SECONDS) * 4):
            if path.stat().st_size >= ROWS * ROW_BYTES:
                break
            await asyncio.sleep(CHECKPOINT_SECONDS / 4)
        assert path.stat().st_size >= ROWS * ROW_BYTES
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as reader:
            assert reader.execute("SELECT COUNT(*) FROM filler").fetchone() == (ROWS,)
        # Quiet since: the log file is emptied, not left at the ~2 MB the commit made it.
        wal = Path(f"{path}-wal")
        await until_empty(wal)
        # And written again from nothing by the next commit, while the process runs.
        tx = await database.begin()
        await tx.run(DriverStatement("DELETE FROM filler", "DELETE FROM filler"))
        await tx.commit()
        await tx.close()
        assert size_of(wal) > 0
        await until_empty(wal)
    finally:
        await database.dispose()
    assert len(_checkpointers()) == before  # stopped with the database


async def test_an_in_memory_database_has_no_checkpointer() -> None:
    before = len(_checkpointers())
    database = SqliteDatabase("sqlite://")
    try:
        await database.ping()
        assert len(_checkpointers()) == before
    finally:
        await database.dispose()
