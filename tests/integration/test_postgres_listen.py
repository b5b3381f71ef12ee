"""The worker's LISTEN on PostgreSQL survives the server ending its connection: it is opened
again (with backoff), said in the log when lost and when back, and wakes the worker again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest

from sendout.adapters.db import pg_listen
from sendout.adapters.db.engine import WORK_CHANNEL
from sendout.adapters.db.pg_listen import WorkListener
from sendout.adapters.db.postgres import PostgresDatabase
from tests.conftest import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    create_pg_database,
    drop_pg_database,
    require_postgres,
)
from tests.db_faults import end_connections
from tests.e2e.conftest import free_port


@pytest.fixture
async def database_name() -> AsyncIterator[str]:
    require_postgres()
    name = await create_pg_database()
    yield name
    await drop_pg_database(name)


def url_of(name: str) -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


async def notify(name: str) -> None:
    conn = await asyncpg.connect(url_of(name))
    try:
        await conn.execute(f"NOTIFY {WORK_CHANNEL}")
    finally:
        await conn.close()


async def logged(caplog: pytest.LogCaptureFixture, text: str, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not any(text in message for message in caplog.messages):
        assert time.monotonic() < deadline, f"never logged {text!r}: {caplog.messages}"
        await asyncio.sleep(0.01)


async def test_listen_is_opened_again_after_the_server_ends_its_connection(
    database_name: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_listen, "LISTEN_RETRY_SECONDS", (0.05, 0.2))
    caplog.set_level("INFO", logger="sendout.db")
    database = PostgresDatabase(url_of(database_name))
    woken = asyncio.Event()
    stop = await database.listen(woken.set)
    try:
        await notify(database_name)
        await asyncio.wait_for(woken.wait(), 5)

        assert await end_connections(database_name) >= 1
        await logged(caplog, "listening for work lost")
        await logged(caplog, "listening for work again")
        await asyncio.wait_for(woken.wait(), 1)  # woken once on its return: work may wait
        woken.clear()
        # Listening again: a commit elsewhere wakes it within milliseconds, not at a poll.
        began = time.monotonic()
        await notify(database_name)
        await asyncio.wait_for(woken.wait(), 2)
        print(f"\nwoken {1000 * (time.monotonic() - began):.0f} ms after the NOTIFY")
        lost = [r for r in caplog.records if "listening for work lost" in r.getMessage()]
        assert [r.levelname for r in lost] == ["WARNING"]  # said once, not per retry
    finally:
        await stop()
        await database.dispose()


async def test_a_listener_without_a_server_says_so_and_keeps_trying(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_listen, "LISTEN_RETRY_SECONDS", (0.01, 0.02))
    listener = WorkListener(f"postgresql://{PG_USER}@127.0.0.1:{free_port()}/x", "c", lambda: None)
    await asyncio.wait_for(listener.start(), 15)  # answers: the worker goes on, polling
    try:
        await asyncio.sleep(0.1)  # several attempts
        assert not listener.listening.is_set()
        cannot = [m for m in caplog.messages if "cannot listen for work" in m]
        assert len(cannot) == 1, caplog.messages
    finally:
        await listener.stop()
