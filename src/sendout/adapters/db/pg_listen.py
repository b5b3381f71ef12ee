"""PostgreSQL LISTEN for work, kept up for as long as the worker runs.

The listening connection is one of its own, outside the pool, idle between notifications: when
the server ends it (``pg_terminate_backend``, a restart, a failover, a proxy dropping idle
connections) nothing uses it, so nothing notices, and the worker silently falls back to its
poll (up to a second per event instead of milliseconds). Here its end is noticed (asyncpg's
termination callback at once; a ``SELECT 1`` now and then for a connection that died without a
word), it is said once in the log, and it is opened again with a growing pause until it is back,
which is said too. Back, the worker is woken once: notifications sent while nobody listened
are lost, and work may be waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

log = logging.getLogger("sendout.db")

#: seconds between attempts to listen again: at first, and at most (doubling in between)
LISTEN_RETRY_SECONDS = (0.1, 5.0)
#: how often the idle listening connection is asked whether it still answers, and how long
#: it has to answer
LISTEN_CHECK_SECONDS = 10.0
LISTEN_CHECK_TIMEOUT = 5.0
LISTEN_CONNECT_TIMEOUT = 10.0

#: what a lost or unreachable server raises (asyncpg's own errors, the socket's, a timeout)
_CONNECTION_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)


class WorkListener:
    """LISTENs on ``channel`` and calls ``on_work`` for each notification, reconnecting with
    backoff whenever the connection is lost; ``stop`` ends it."""

    def __init__(self, dsn: str, channel: str, on_work: Callable[[], None]) -> None:
        self._dsn = dsn
        self._channel = channel
        self._on_work = on_work
        self._task: asyncio.Task[None] | None = None
        #: set while LISTEN is in place (tests and the log read it)
        self.listening = asyncio.Event()

    async def start(self) -> None:
        """Listens before answering when the server answers; otherwise says so and keeps
        trying in the background (the worker polls meanwhile)."""
        first = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._run(first), name="postgres-listen")
        await first

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _notified(self, *_: object) -> None:
        self._on_work()

    async def _run(self, first: asyncio.Future[None]) -> None:
        shortest, longest = LISTEN_RETRY_SECONDS
        delay = shortest
        down_since: float | None = None
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    conn = await self._connect()
                except _CONNECTION_ERRORS as exc:
                    if down_since is None:
                        down_since = loop.time()
                        log.warning(
                            "cannot listen for work (%s); polling until it is back",
                            type(exc).__name__,
                        )
                    if not first.done():
                        first.set_result(None)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, longest)
                    continue
                delay = shortest
                self.listening.set()
                if not first.done():
                    first.set_result(None)
                if down_since is not None:
                    log.info("listening for work again after %.1f s", loop.time() - down_since)
                    down_since = None
                    self._on_work()  # what was notified while nobody listened
                try:
                    reason = await self._until_lost(conn)
                finally:
                    self.listening.clear()
                    conn.terminate()  # gone already, or not answering: no goodbye
                down_since = loop.time()
                log.warning("listening for work lost (%s); polling until it is back", reason)
        finally:
            if not first.done():
                first.set_result(None)

    async def _connect(self) -> asyncpg.Connection:
        conn: asyncpg.Connection = await asyncpg.connect(self._dsn, timeout=LISTEN_CONNECT_TIMEOUT)
        try:
            await conn.add_listener(self._channel, self._notified)
        except BaseException:
            conn.terminate()
            raise
        return conn

    async def _until_lost(self, conn: asyncpg.Connection) -> str:
        """Waits until the connection ends; answers why, for the log."""
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        while not conn.is_closed():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), LISTEN_CHECK_SECONDS)
            if lost.is_set():
                return "the server closed the connection"
            try:
                await asyncio.wait_for(conn.execute("SELECT 1"), LISTEN_CHECK_TIMEOUT)
            except _CONNECTION_ERRORS as exc:
                return f"the connection stopped answering: {type(exc).__name__}"
        return "the connection closed"
