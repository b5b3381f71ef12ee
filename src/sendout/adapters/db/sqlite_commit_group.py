"""Group commit on SQLite: the write transactions of one process that follow each other within
one turn of the event loop share one ``BEGIN IMMEDIATE`` … ``COMMIT``.

A ``COMMIT`` writes every page its transaction changed to the write-ahead log (a frame and a
checksum each), and ``BEGIN IMMEDIATE`` takes the write lock: together they were the largest
single cost of recording a custom event. Concurrent requests on one process wait for the one
connection in turn anyway; the transactions of a group write the pages they share once.

How: the first transaction of a group runs on a ``BEGIN IMMEDIATE`` of its own. Its commit
does not ``COMMIT``: it leaves the transaction open, lets go of the connection and waits. The
``COMMIT`` is run once the event loop comes round (``call_soon``); every write transaction
begun meanwhile joins the open transaction under a ``SAVEPOINT`` of its own, and its commit
``RELEASE``s it and waits for the same ``COMMIT``. So:

- a commit returns only once its writes are committed (as before: an answer still means
  "stored"), and raises what the ``COMMIT`` raised if it failed (then none of the group's
  writes were kept, and each member says so to its caller);
- a transaction that fails or is abandoned rolls back to its savepoint: the other members'
  writes are untouched (the first member has no savepoint: it is alone in the transaction
  until it commits, so rolling the transaction back undoes only its own writes);
- when SQLite itself rolls the whole transaction back (some errors do: a full disk, an I/O
  error), the members waiting are failed rather than told their writes were kept;
- a read-only transaction commits a waiting group first, so it never reads writes whose
  commit has not returned.

Transactions are still one at a time on the connection (the database's lock), so the members
of a group never see each other's writes half-done.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

#: the savepoint of a transaction that joined an open group (one at a time: no nesting)
SAVEPOINT = "grouped"


class CommitGroup:
    """The open group of the connection ``driver()`` gives, guarded by ``lock`` (held by
    the transaction running on it)."""

    def __init__(self, lock: asyncio.Lock, driver: Callable[[], Any]) -> None:
        self._lock = lock
        self._driver = driver
        #: the commits waiting for the group's COMMIT; None while no group is open
        self._waiting: list[asyncio.Future[None]] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def begin(self, driver: Any, begin_writing: Callable[[Any], Awaitable[None]]) -> bool:
        """A write transaction, under the lock: joins the open group (True) or begins one."""
        if self._waiting is None:
            await begin_writing(driver)
            return False
        driver.execute(f"SAVEPOINT {SAVEPOINT}")
        return True

    def commit(self, driver: Any, joined: bool) -> asyncio.Future[None]:
        """The transaction's writes join the group (under the lock); the answer is resolved
        once the group's COMMIT ran (await it after letting go of the lock)."""
        if joined:
            driver.execute(f"RELEASE {SAVEPOINT}")
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        if self._waiting is None:
            self._waiting = []
            loop.call_soon(self._commit_when_free)
        self._waiting.append(done)
        return done

    def roll_back(self, driver: Any, joined: bool) -> None:
        """Undoes the writes of a transaction that did not commit, and only its own."""
        if not joined:
            driver.execute("ROLLBACK")
            return
        failure: BaseException
        try:
            driver.execute(f"ROLLBACK TO {SAVEPOINT}")
            driver.execute(f"RELEASE {SAVEPOINT}")
        except sqlite3.Error as exc:
            if driver.in_transaction:
                raise
            failure = exc
        else:
            if driver.in_transaction:
                return
            failure = sqlite3.OperationalError("SQLite rolled the transaction back")
        self.fail(failure)

    def fail(self, failure: BaseException) -> None:
        """Ends the open group without committing it: each waiting commit raises
        ``failure``."""
        waiting, self._waiting = self._waiting, None
        if waiting is None:
            return
        driver = self._driver()
        if driver.in_transaction:
            driver.execute("ROLLBACK")
        for done in waiting:
            if not done.done():
                done.set_exception(failure)

    def commit_now(self) -> None:
        """COMMITs the open group, if any; only while no transaction runs on the connection
        (the lock is free, or held by the caller)."""
        waiting, self._waiting = self._waiting, None
        if waiting is None:
            return
        driver = self._driver()
        try:
            driver.execute("COMMIT")
        except sqlite3.Error as exc:
            if driver.in_transaction:
                driver.execute("ROLLBACK")
            for done in waiting:
                if not done.done():
                    done.set_exception(exc)
            return
        for done in waiting:
            if not done.done():  # a caller no longer waiting: its writes are committed all the same
                done.set_result(None)

    def _commit_when_free(self) -> None:
        if not self._lock.locked():
            self.commit_now()  # nothing can run on the connection meanwhile: no await here
            return
        # A member is at work on the connection (it awaits something): the COMMIT queues
        # for the lock behind it, and behind any transaction already waiting (they join).
        task = asyncio.create_task(self._commit_after_lock())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _commit_after_lock(self) -> None:
        async with self._lock:
            self.commit_now()
