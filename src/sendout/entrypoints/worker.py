"""The background worker: periodic jobs, a graceful stop, a heartbeat in the log.

``sendout serve`` runs it inside the API process; ``sendout worker`` runs it alone. Jobs are
async callables run one after another each cycle; a job that fails is logged and the loop goes
on, so one bad job never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sendout.jobs import Job
from sendout.logs import valueless_traceback

log = logging.getLogger("sendout.worker")

StopListening = Callable[[], Awaitable[None]]

POLL_INTERVAL = 1.0  # seconds between cycles when no job reported work
HEARTBEAT_INTERVAL = 60.0  # seconds between "alive" log lines
GC_THRESHOLD = 10_000  # allocations between young-generation collections (see Lanes.run)


class Worker:
    def __init__(
        self,
        jobs: Sequence[tuple[str, Job]],
        *,
        poll_interval: float = POLL_INTERVAL,
        on_progress: Callable[[], None] | None = None,
        on_stop: Callable[[], Awaitable[None]] | None = None,
        name: str = "worker",
        pace: float = 0.0,
    ):
        self.jobs = list(jobs)
        #: after a busy cycle of t seconds, the lane waits t x pace before the next one, so
        #: the other lanes (and the API) get that share of the event loop and the database
        #: however much work this one has (0: only a turn of the loop in between)
        self.pace = pace
        #: the lane's name in the metrics (its heartbeat)
        self.name = name
        self.poll_interval = poll_interval
        #: called after a cycle that handled something (another lane may have work now)
        self.on_progress = on_progress
        #: awaited once the loop has stopped (finish work in flight)
        self.on_stop = on_stop
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self.cycles = 0
        #: when the last cycle ended (Unix time): the lane's heartbeat in the metrics
        self.last_cycle = time.time()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        """Run the next cycle now (new work was just committed)."""
        self._wake.set()

    async def run(self) -> None:
        log.info("worker started with jobs: %s", ", ".join(n for n, _ in self.jobs) or "none")
        last_heartbeat = time.monotonic()
        while not self._stop.is_set():
            started = time.monotonic()
            handled = await self._cycle()
            self.cycles += 1
            self.last_cycle = time.time()
            if time.monotonic() - last_heartbeat >= HEARTBEAT_INTERVAL:
                log.info("worker alive after %d cycles", self.cycles)
                last_heartbeat = time.monotonic()
            if handled and self.on_progress is not None:
                self.on_progress()
            if handled == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)
                self._wake.clear()
            else:
                # On SQLite nothing in a cycle suspends (statements run inline), so a lane
                # draining a backlog would hold the event loop until the backlog is gone:
                # the other lanes, and the API in ``sendout serve``, get a turn after each
                # busy cycle (a paced lane gives them a share of its time).
                await asyncio.sleep((time.monotonic() - started) * self.pace)
        if self.on_stop is not None:
            await self.on_stop()
        log.info("worker stopped")

    async def _cycle(self) -> int:
        handled = 0
        for name, job in self.jobs:
            if self._stop.is_set():
                break
            try:
                handled += await job()
            except Exception as exc:
                # Without the exception's text, whatever the handler's formatter: a failed
                # statement's text carries the row it refused (sendout.logs).
                log.error("worker job %s failed\n%s", name, valueless_traceback(exc))
        return handled


class Lane(Protocol):
    """What ``Lanes`` runs side by side: a ``Worker``, or a process doing a lane's work."""

    async def run(self) -> None: ...
    def stop(self) -> None: ...
    def wake(self) -> None: ...


@dataclass
class Lanes:
    """Workers that run side by side, each with its own jobs, so a long job in one lane
    (generating a million codes) never delays another (delivering webhooks)."""

    workers: list[Lane] = field(default_factory=list)
    #: subscribes to work committed by other processes (PostgreSQL LISTEN), if it can
    listen: Callable[[Callable[[], None]], Awaitable[StopListening | None]] | None = None

    def wake(self) -> None:
        for worker in self.workers:
            worker.wake()

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()

    async def run(self) -> None:
        # What is left after start-up (modules, tables, the API's models) lives as long as
        # the process: left to the collector, each full collection walks all of it again
        # (~30 ms with the API loaded), and the worker's garbage triggers one now and then.
        # Collected first, so no garbage of the start is kept for good.
        gc.collect()
        gc.freeze()
        # Nearly everything a send-out allocates is freed by reference counting, so young
        # collections find little: a drain of 20,000 send-outs ran ~640 of them (0.03-0.05 s)
        # at the default threshold of 700, and one at 10,000.
        gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
        stop_listening = None
        if self.listen is not None:
            try:
                stop_listening = await self.listen(self.wake)
            except Exception:  # any driver error: the lanes still work, by polling
                log.exception("cannot listen for work; polling instead")
        try:
            await asyncio.gather(*(worker.run() for worker in self.workers))
        finally:
            if stop_listening is not None:
                with contextlib.suppress(Exception):  # the connection may be gone already
                    await stop_listening()


@contextlib.asynccontextmanager
async def running(lanes: Lanes) -> AsyncIterator[Lanes]:
    """Run ``lanes`` in the background for the duration of the block, then stop them cleanly."""
    task = asyncio.create_task(lanes.run(), name="sendout-worker")
    try:
        yield lanes
    finally:
        lanes.stop()
        await task
