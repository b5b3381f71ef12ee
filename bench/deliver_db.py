"""What the delivery benchmark reads from Sendout's database (never writes): the measured
send-outs with their events and attempts, and how far the server has got."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

ROWS_SQL = """
SELECT s.url, s.status, s.created_at, s.updated_at, e.created_at, tried.attempts,
    a.started_at, a.duration_ms, a.status_code, a.error, z.started_at, z.duration_ms
FROM sendouts AS s
JOIN events AS e ON e.id = s.event_id
LEFT JOIN (
    SELECT sendout_id, MIN(seq) AS first, MAX(seq) AS last, COUNT(*) AS attempts
    FROM sendout_attempts GROUP BY sendout_id
) AS tried ON tried.sendout_id = s.id
LEFT JOIN sendout_attempts AS a ON a.seq = tried.first
LEFT JOIN sendout_attempts AS z ON z.seq = tried.last
"""


@dataclass(frozen=True)
class Row:
    """One send-out: its URL and status, its event's time, its first and last attempts."""

    url: str
    status: str
    sendout_at: float  # seconds since the epoch: dispatched
    recorded_at: float | None  # its last attempt's outcome written
    event_at: float  # recorded
    attempts: int
    attempt_at: float | None  # the first attempt: started
    status_code: int | None  # the first attempt's outcome
    error: str | None
    last_end: float | None  # the last attempt: ended


def epoch(value: Any) -> float:
    if isinstance(value, str):  # SQLite keeps naive UTC text (adapters/db/types.py)
        value = datetime.fromisoformat(value).replace(tzinfo=UTC)
    assert isinstance(value, datetime)
    return value.timestamp()


class Database:
    """Reads what the server wrote; never writes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._pg: asyncpg.Connection | None = None

    async def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        if self.url.startswith("sqlite"):
            return await asyncio.to_thread(self._sqlite, sql)
        if self._pg is None:
            self._pg = await asyncpg.connect(self.url)
        return [tuple(record) for record in await self._pg.fetch(sql)]

    def _sqlite(self, sql: str) -> list[tuple[Any, ...]]:
        path = self.url.removeprefix("sqlite:///")
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)) as conn:
            return list(conn.execute(sql).fetchall())

    async def rows(self) -> list[Row]:
        def end(started: Any, duration_ms: int | None) -> float | None:
            return None if started is None else epoch(started) + (duration_ms or 0) / 1000

        return [
            Row(
                url=url,
                status=status,
                sendout_at=epoch(created),
                recorded_at=None if updated is None else epoch(updated),
                event_at=epoch(event_at),
                attempts=int(attempts or 0),
                attempt_at=None if first is None else epoch(first),
                status_code=status_code,
                error=error,
                last_end=end(last, last_ms),
            )
            for (
                url,
                status,
                created,
                updated,
                event_at,
                attempts,
                first,
                _,
                status_code,
                error,
                last,
                last_ms,
            ) in await self.fetch(ROWS_SQL)
        ]

    async def body_bytes(self) -> float:
        (value,) = (await self.fetch("SELECT AVG(LENGTH(body)) FROM sendouts"))[0]
        return float(value or 0)

    async def sample_body(self) -> bytes:
        """One send-out's body as it was sent (the Celery baseline signs and posts it)."""
        rows = await self.fetch("SELECT body FROM sendouts ORDER BY created_at LIMIT 1")
        body = rows[0][0] if rows else b"{}"
        return body.encode() if isinstance(body, str) else bytes(body)

    async def close(self) -> None:
        if self._pg is not None:
            await self._pg.close()


@dataclass(frozen=True)
class Progress:
    dispatched: int  # send-outs made so far (warm-up included)
    waiting: int  # send-outs to the watched endpoints not done yet


async def wait_sendouts(
    db: Database, expected: int, done: str, watched: str, limit: float
) -> Progress:
    """Poll until ``expected`` send-outs exist and each one to a URL under ``watched`` (nginx)
    is ``done``, or ``limit`` seconds have passed. Send-outs to the black holes are not waited
    for: a breaker may rightly hold them back."""
    deadline = time.monotonic() + limit
    while True:
        (dispatched, waiting), *_ = await db.fetch(
            f"SELECT COUNT(*), SUM(CASE WHEN url LIKE '{watched}%' AND NOT ({done}) "
            "THEN 1 ELSE 0 END) FROM sendouts"
        )
        progress = Progress(int(dispatched), int(waiting or 0))
        if (progress.dispatched >= expected and not progress.waiting) or (
            time.monotonic() >= deadline
        ):
            return progress
        await asyncio.sleep(0.25)
