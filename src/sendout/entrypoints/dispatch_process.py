"""Dispatch in a process of its own, beside the worker, on SQLite.

SQLite runs on the event loop's thread, and one Python process uses one core: dispatching
(matching events, rendering messages, writing send-outs) took ~40 % of a busy worker's time,
sending and recording the rest. In a child process it runs on the other core. The two share
the database file: each waits for SQLite's one write lock on its own event loop (dispatch
holds it only for its inserts, ``Dispatcher`` with ``read_first``). The worker wakes the
child through the child's stdin, a pipe, when this process records events (the API of
``sendout serve``); each is otherwise woken by the other's commits (``SqliteDatabase.listen``).

The child is ``sendout worker --dispatch-only`` with the worker's database and log level. It
stops when the worker asks (SIGTERM) or is gone (the pipe ends), and the worker starts it
again when it dies. Nothing is lost meanwhile: events wait, recorded, for the next dispatch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence

from sendout.config import ENV_PREFIX, Settings

log = logging.getLogger("sendout.worker")

RESTART_DELAY = 1.0  # seconds before a child that died is started again
WAKE = b"w"  # a wake-up, down the pipe
WAKES_PENDING = 64  # bytes of wake-ups left unread by the child: enough said
STOP_TIMEOUT = 10.0  # seconds a child has to finish its batch once asked to stop
DISPATCH_ONLY = "--dispatch-only"


def child_command() -> list[str]:
    return [sys.executable, "-m", "sendout", "worker", DISPATCH_ONLY]


def child_environment(settings: Settings, environ: Mapping[str, str]) -> dict[str, str]:
    """The worker's environment, with the settings the child must share even when they did not
    come from it."""
    return {
        **environ,
        f"{ENV_PREFIX}DATABASE_URL": settings.database_url,
        f"{ENV_PREFIX}LOG_LEVEL": settings.log_level,
    }


class DispatchProcess:
    """A lane of ``Lanes`` whose work the child process does: started with the lanes, started
    again when it dies, stopped with them."""

    def __init__(self, command: Sequence[str], env: Mapping[str, str]) -> None:
        self._command = list(command)
        self._env = dict(env)
        self._stop = asyncio.Event()
        self._process: asyncio.subprocess.Process | None = None
        #: how many times the child was started (1 unless it died)
        self.starts = 0

    @property
    def pid(self) -> int | None:
        process = self._process
        return None if process is None or process.returncode is not None else process.pid

    def wake(self) -> None:
        """New work was committed here: tell the child at once, rather than at its next look
        at the database."""
        process = self._process
        if process is None or process.returncode is not None or process.stdin is None:
            return
        transport = process.stdin.transport
        if transport.is_closing() or transport.get_write_buffer_size() > WAKES_PENDING:
            return
        transport.write(WAKE)

    def stop(self) -> None:
        self._stop.set()
        self._terminate()

    def _terminate(self) -> None:
        process = self._process
        if process is not None and process.returncode is None:
            process.terminate()
            asyncio.get_running_loop().call_later(STOP_TIMEOUT, self._kill, process)

    @staticmethod
    def _kill(process: asyncio.subprocess.Process) -> None:
        if process.returncode is None:
            log.warning("dispatch process %d did not stop: killed", process.pid)
            process.kill()

    async def run(self) -> None:
        while not self._stop.is_set():
            # A session of its own: a Ctrl-C in the terminal reaches the worker, which stops
            # the child after its batch, rather than both at once.
            self._process = await asyncio.create_subprocess_exec(
                *self._command, stdin=asyncio.subprocess.PIPE, env=self._env, start_new_session=True
            )
            self.starts += 1
            log.info("dispatch process %d started", self._process.pid)
            if self._stop.is_set():  # stopped while it was starting
                self._terminate()
            code = await self._process.wait()
            if self._stop.is_set():
                break
            log.error(
                "dispatch process %d exited with %s; starting another in %g s",
                self._process.pid,
                code,
                RESTART_DELAY,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), RESTART_DELAY)
        if self._process is not None and self._process.stdin is not None:
            self._process.stdin.close()


def stop_with_parent(stop: Callable[[], None], wake: Callable[[], None]) -> None:
    """In the child: ``wake`` when the worker says so down stdin, its pipe; ``stop`` once the
    worker is gone (the pipe ends) or asks (SIGTERM, SIGINT)."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    stdin = sys.stdin.fileno()
    os.set_blocking(stdin, False)

    def readable() -> None:
        try:
            if os.read(stdin, 4096):
                wake()
                return
        except BlockingIOError:
            return
        except OSError:
            pass
        loop.remove_reader(stdin)
        log.warning("the worker that started this dispatch process is gone: stopping")
        stop()

    loop.add_reader(stdin, readable)
