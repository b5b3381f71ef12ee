"""A second dispatcher in a process of its own, beside the worker, on SQLite.

SQLite runs on the event loop's thread, and one Python process uses one core: dispatching
(matching events, rendering messages, writing send-outs) took ~40 % of a busy worker's time
draining a backlog, sending and recording the rest. The child is started when a backlog first
builds up, and from then on dispatches backlogs on the other core while the worker sends
(``dispatch_share.py``, beside this module: a trickle of events is still dispatched by the worker,
where it costs least, so a worker that never sees a backlog never starts it, and one that
does pays no more than a few polls a second for it between backlogs). The two share the
database file: each waits for SQLite's one write lock on its own event loop, the child holds
it only for its inserts (``Dispatcher`` with ``read_first``), and the worker is woken by the
child's commits (``SqliteDatabase.listen``).

The child is ``python -m sendout.entrypoints.dispatch_process`` with the worker's database and
log level (this module: it imports only what dispatching needs, half of what ``sendout``'s
command does, so a backlog gets its helper sooner); it says ``ready`` on its stdout once it
can dispatch (its logs go to stderr), then one ``tally`` line per commit: what it wrote
(events, send-outs, the batch), which the worker counts in its own metrics, so a worker's
``/metrics`` covers its helper's work (the child serves none of its own). It stops when the
worker asks (SIGTERM) or is gone (its stdin, a pipe from the worker, ends), and the worker
starts it again when it dies (after 1 s, doubling up to a minute while it keeps dying before
it is ready); the worker dispatches backlogs itself while the child is not ready, and when
the child leaves one standing.
Nothing is lost meanwhile: events wait, recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence

import orjson
import uvloop

from sendout.adapters.db.engine import sqlite_path
from sendout.bootstrap import bootstrap, dispatcher
from sendout.config import ENV_PREFIX, Settings, SettingsError
from sendout.domain.observations import Facts, Tally
from sendout.entrypoints.dispatch_share import QueueShare, Share
from sendout.entrypoints.worker import Lanes, Worker
from sendout.logs import configure_logging

log = logging.getLogger("sendout.worker")

RESTART_DELAY = 1.0  # seconds before a child that died is started again (at first)
RESTART_DELAY_MOST = 60.0  # ... while it keeps dying before it is ready
BACKLOG_POLL_SECONDS = 0.05  # how often the child looks for a backlog
STOP_TIMEOUT = 10.0  # seconds a child has to finish its batch once asked to stop
READY = b"ready\n"  # the child's first line on stdout
TALLY = b"tally "  # ... and the start of each line after it (a JSON ``Tally`` follows)

OnTally = Callable[[Tally], None]


def child_command() -> list[str]:
    return [sys.executable, "-m", __name__]


def dispatch_helper(
    settings: Settings, environ: Mapping[str, str], on_tally: OnTally | None = None
) -> DispatchProcess | None:
    """The worker's dispatch helper, where it helps: SQLite writes from one process at a
    time, so a backlog gets a second core from a child (``SENDOUT_DISPATCH_PROCESS``);
    PostgreSQL has any number of workers for that. ``on_tally``: counts what the child wrote."""
    if not settings.dispatch_process or sqlite_path(settings.database_url) is None:
        return None
    return DispatchProcess(child_command(), child_environment(settings, environ), on_tally)


def child_environment(settings: Settings, environ: Mapping[str, str]) -> dict[str, str]:
    """The worker's environment, with the settings the child must share even when they did not
    come from it."""
    shared = {
        f"{ENV_PREFIX}DATABASE_URL": settings.database_url,
        f"{ENV_PREFIX}LOG_LEVEL": settings.log_level,
    }
    if settings.encryption_keys:  # the child reads distributions: their secrets are sealed
        shared[f"{ENV_PREFIX}ENCRYPTION_KEY"] = ",".join(settings.encryption_keys)
    return {**environ, **shared}


class DispatchProcess:
    """A lane of ``Lanes`` whose work the child process does, and the worker dispatcher's
    ``Helper``: started once it is wanted, started again when it dies, stopped with the
    lanes."""

    def __init__(
        self, command: Sequence[str], env: Mapping[str, str], on_tally: OnTally | None = None
    ) -> None:
        self._command = list(command)
        self._env = dict(env)
        self._on_tally = on_tally
        self._stop = asyncio.Event()
        self._wanted = asyncio.Event()
        self._process: asyncio.subprocess.Process | None = None
        #: how many times the child was started (1 unless it died)
        self.starts = 0
        self.ready = False

    def want(self) -> None:
        self._wanted.set()

    @property
    def pid(self) -> int | None:
        process = self._process
        return None if process is None or process.returncode is not None else process.pid

    def wake(self) -> None:
        return None  # the child sees the commits itself, and cares only for backlogs

    def stop(self) -> None:
        self._stop.set()
        self._terminate()

    def _terminate(self) -> None:
        if self._process is not None:
            terminate(self._process, STOP_TIMEOUT, "dispatch process")

    async def run(self) -> None:
        delay = RESTART_DELAY
        waits = [asyncio.ensure_future(e.wait()) for e in (self._stop, self._wanted)]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        while not self._stop.is_set():
            # A session of its own: a Ctrl-C in the terminal reaches the worker, which stops
            # the child after its batch, rather than both at once.
            self._process = await asyncio.create_subprocess_exec(
                *self._command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                env=self._env,
                start_new_session=True,
            )
            self.starts += 1
            log.info("dispatch process %d started", self._process.pid)
            if self._stop.is_set():  # stopped while it was starting
                self._terminate()
            assert self._process.stdout is not None
            got_ready = self.ready = await self._process.stdout.readline() == READY
            if got_ready:  # it was healthy: should it die later, the next one starts soon
                delay = RESTART_DELAY
                await self._read_tallies(self._process.stdout)
            code = await self._process.wait()
            self.ready = False
            if self._stop.is_set():
                break
            log.error(
                "dispatch process %d exited with %s; starting another in %g s",
                self._process.pid,
                code,
                delay,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
            if not got_ready:
                delay = min(delay * 2, RESTART_DELAY_MOST)
        if self._process is not None and self._process.stdin is not None:
            self._process.stdin.close()

    async def _read_tallies(self, stdout: asyncio.StreamReader) -> None:
        """Count what the child reports it wrote, until its stdout ends (it exits)."""
        while line := await stdout.readline():
            if not line.startswith(TALLY) or self._on_tally is None:
                continue
            try:
                tally = Tally.from_json(orjson.loads(line[len(TALLY) :]))
            except (ValueError, KeyError, TypeError):
                log.warning("dispatch process %s: an unreadable tally line skipped", self.pid)
                continue
            self._on_tally(tally)


class TallyRelay:
    """In the child: the unit of work's observer, writing each commit's tally to the worker
    (one short line per dispatched batch)."""

    def __init__(self, kinds: Mapping[str, str]) -> None:
        self._kinds = dict(kinds)

    def committed(self, facts: Facts) -> None:
        line = TALLY + orjson.dumps(Tally.of(facts, self._kinds).as_json()) + b"\n"
        try:
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()
        except (OSError, ValueError):
            pass  # the worker is gone (this process stops by itself): nobody counts any more


def say_ready() -> bool:
    """In the child: tell the worker it dispatches from now on. False when the worker is gone
    already (its end of the pipe closed: it died while this process was starting)."""
    try:
        sys.stdout.buffer.write(READY)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        # The line is still in stdout's buffer, and the interpreter flushes it at exit, which
        # would print this error again: stdout now leads nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return False
    return True


def stop_with_parent(stop: Callable[[], None]) -> None:
    """In the child: ``stop`` once the worker is gone (stdin, its pipe, reaches its end) or
    asks (SIGTERM, SIGINT)."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    when_parent_gone(stop, "the worker that started this dispatch process is gone: stopping")


def terminate(
    process: asyncio.subprocess.Process, timeout: float, what: str, logger: logging.Logger = log
) -> None:
    """Ask a child ``process`` to stop (SIGTERM), and kill it if it still runs ``timeout``
    seconds later (logged as ``what`` that did not stop)."""
    if process.returncode is None:
        process.terminate()
        asyncio.get_running_loop().call_later(timeout, _kill, process, what, logger)


def _kill(process: asyncio.subprocess.Process, what: str, logger: logging.Logger) -> None:
    if process.returncode is None:
        logger.warning("%s %d did not stop: killed", what, process.pid)
        process.kill()


def when_parent_gone(stop: Callable[[], None], message: str, logger: logging.Logger = log) -> None:
    """In a child process: log ``message`` and ``stop`` once the process that started it is
    gone (stdin, a pipe from it that it never writes to, reaches its end)."""
    loop = asyncio.get_running_loop()
    stdin = sys.stdin.fileno()
    os.set_blocking(stdin, False)

    def readable() -> None:
        try:
            if os.read(stdin, 4096):
                return  # the parent never writes; nothing to do with it
        except BlockingIOError:
            return
        except OSError:
            pass
        loop.remove_reader(stdin)
        logger.warning(message)
        stop()

    loop.add_reader(stdin, readable)


async def _dispatch_backlogs(settings: Settings) -> None:
    # The worker has migrated the database; it counts what this process writes.
    container = bootstrap(settings, observer=TallyRelay)
    try:
        # No need to hear of every commit: a backlog is seen soon enough by looking now and
        # then, and is then drained without a pause.
        # Beside a busy worker on SQLite (one writer at a time), it holds the write lock only
        # for its inserts.
        share = QueueShare(container.uow_factory, container.clock, Share.LONG)
        backlogs = Worker(
            [("dispatch", dispatcher(container, turns=share, read_first=True).run_batch)],
            poll_interval=BACKLOG_POLL_SECONDS,
        )
        lanes = Lanes([backlogs])
        stop_with_parent(lanes.stop)
        if not say_ready():
            log.warning("the worker was gone before this dispatch process was ready: stopping")
            return
        await lanes.run()
    finally:
        await container.close()


def main() -> int:
    """The child: dispatches long queues until its worker stops it or is gone."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"sendout dispatch process: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    uvloop.run(_dispatch_backlogs(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
