"""How the worker and its dispatch helper (``dispatch_process.py``) share SQLite's event queue.

On SQLite the worker can have a helper: a second dispatcher in a child process, started when
a backlog first builds up, that uses the second core on backlogs. They share the queue by its
length: the helper takes batches only while the queue is long; the worker's own dispatcher
takes them while it is short, as without the helper (one process dispatches a trickle
cheapest, its commits never waiting for the other's), while the helper is not ready yet, and
when the helper has not moved a long queue for ``STALL``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import Enum
from typing import Protocol

from sendout.domain.clock import Clock
from sendout.domain.ports import UnitOfWorkFactory
from sendout.services.pipeline.dispatch import DISPATCH_BATCH

log = logging.getLogger("sendout.worker")

LONG_QUEUE = 2 * DISPATCH_BATCH  # undispatched events beyond which the queue is a backlog
#: a long queue whose oldest event has not moved for this long is dispatched by the worker
STALL = timedelta(seconds=5)


class Share(Enum):
    """Which batches a dispatcher takes when two processes dispatch from one file."""

    SHORT = "short"  # the worker's, beside a helper: see the module's docstring
    LONG = "long"  # the helper's: while the queue is long


class Helper(Protocol):
    """The process that dispatches backlogs beside the worker (``Share.SHORT``)."""

    @property
    def ready(self) -> bool:
        """Started, and dispatching long queues."""
        ...

    def want(self) -> None:
        """A long queue: start, if not started yet."""
        ...


class QueueShare:
    """A dispatcher's ``Turns`` beside another on one SQLite file: its ``share`` of the
    queue (the worker's dispatcher asks for its ``helper`` when a backlog builds up)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        share: Share,
        helper: Helper | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._share = share
        self._helper = helper
        self._oldest: int | None = None  # the oldest undispatched event last seen (SHORT)
        self._moved = clock.now()  # when it was first seen
        self._took_over = False  # SHORT: dispatching a long queue the other left standing
        self._full = True  # the last batch was full (or declined): the queue may be long

    def dispatched(self, handled: int, limit: int) -> None:
        self._full = handled >= limit

    async def mine(self) -> bool:
        # A batch less than full says the queue is short: no need to ask before the next.
        if not self._full:
            return True
        async with self._uow_factory(read_only=True) as uow:
            oldest, waiting = await uow.events.backlog(LONG_QUEUE + 1)
        long = waiting > LONG_QUEUE
        if self._share is Share.LONG:
            return long
        if not long:
            self._took_over = False
            return True
        if self._helper is not None:
            self._helper.want()
        if self._took_over or self._helper is None or not self._helper.ready:
            self._oldest = None  # the helper's time to move it starts once it is ready
            return True
        now = self._clock.now()
        if oldest != self._oldest:
            self._oldest, self._moved = oldest, now
            return False
        if now - self._moved < STALL:
            return False
        log.warning("no dispatch of a long queue for %s: the worker dispatches it itself", STALL)
        self._took_over = True
        return True
