"""``sendout serve --workers N``: the API in N processes on one listening socket.

One Python process uses one core. ``serve`` binds the socket itself and serves on it, and
starts N - 1 children (``python -m sendout.entrypoints.api_processes FD``) that inherit the
socket and serve on it too: the kernel hands each new connection to whichever process accepts
first, so a busy process takes fewer, and a connection waiting in the socket's queue is never
lost with a process (as it would be with one ``SO_REUSEPORT`` socket per process).

The parent alone migrates, prints the first key pair and, unless ``--no-worker``, runs the
in-process worker: a worker runs in exactly one process. A child that dies is started again
(after 1 s, doubling up to a minute while it keeps dying young); stopping ``serve`` (SIGINT,
SIGTERM) stops every child (SIGTERM, then SIGKILL after ``STOP_TIMEOUT``), and a child whose
parent is gone (killed) stops by itself: its stdin, a pipe from the parent, ends.

On PostgreSQL the processes share ``SENDOUT_DATABASE_POOL_SIZE``: each API process's pool
holds ``pool_share`` connections (the parent keeps the whole size when it runs the worker),
so N API processes and a few workers stay under the server's ``max_connections``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Mapping

import uvicorn
import uvloop
from fastapi import FastAPI

from sendout.bootstrap import bootstrap
from sendout.config import ENV_PREFIX, Settings, SettingsError
from sendout.entrypoints.api.app import create_app
from sendout.entrypoints.dispatch_process import terminate, when_parent_gone
from sendout.logs import configure_logging

log = logging.getLogger("sendout")

MAX_PROCESSES = 64
RESTART_DELAY = 1.0  # seconds before a child that died is started again (at first)
RESTART_DELAY_MOST = 60.0  # ... while it keeps dying young
HEALTHY_AFTER = 30.0  # seconds a child must have lived for its death to reset the delay
STOP_TIMEOUT = 15.0  # seconds a child has to finish its requests once asked to stop
#: the fewest connections an API process's pool may hold (a request and a health check)
MIN_POOL_SHARE = 2


def uvicorn_config(app: FastAPI, settings: Settings, host: str, port: int) -> uvicorn.Config:
    """How every API process serves (the parent and its children alike)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="none",
        http="httptools",
        log_level=settings.log_level.lower(),
        # uvicorn's lines go through configure_logging's handler: one format, and exceptions
        # without their values (sendout.logs).
        log_config=None,
        # One access line per request comes from RequestContextMiddleware (sendout.access),
        # with the route template, duration and the request's ids; uvicorn's would repeat it.
        access_log=False,
        server_header=False,
    )


def bind_listening(host: str, port: int) -> socket.socket:
    """The socket every API process serves on (inheritable), bound as uvicorn would bind it."""
    return uvicorn.Config("", host=host, port=port, log_config=None).bind_socket()


def pool_share(settings: Settings, processes: int) -> int:
    """Each API process's share of ``SENDOUT_DATABASE_POOL_SIZE`` among ``processes``."""
    return max(MIN_POOL_SHARE, settings.database_pool_size // processes)


def child_environment(settings: Settings, processes: int) -> dict[str, str]:
    return {**os.environ, f"{ENV_PREFIX}DATABASE_POOL_SIZE": str(pool_share(settings, processes))}


class ApiProcesses:
    """The children of one ``serve --workers N``, each kept running until ``stop``."""

    def __init__(self, listening: socket.socket, count: int, env: Mapping[str, str]) -> None:
        self._fd = listening.fileno()
        self._count = count
        self._env = dict(env)
        self._stopping = asyncio.Event()
        self._processes: dict[int, asyncio.subprocess.Process] = {}
        #: how many children were started in all (``count`` unless some died)
        self.starts = 0

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._processes.values() if p.returncode is None]

    async def run(self) -> None:
        """Keeps ``count`` children running until ``stop``; then waits for them to exit."""
        try:
            await asyncio.gather(*(self._keep(slot) for slot in range(self._count)))
        finally:
            self._terminate_all()
            await self._wait_all()

    def stop(self) -> None:
        self._stopping.set()
        self._terminate_all()

    async def _keep(self, slot: int) -> None:
        delay = RESTART_DELAY
        while not self._stopping.is_set():
            # A session of its own: a Ctrl-C in the terminal reaches serve, which stops its
            # children in order, rather than every process at once.
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                __name__,
                str(self._fd),
                stdin=asyncio.subprocess.PIPE,
                env=self._env,
                pass_fds=(self._fd,),
                start_new_session=True,
            )
            self._processes[slot] = process
            self.starts += 1
            started = time.monotonic()
            log.info("API process %d started", process.pid)
            if self._stopping.is_set():  # stopped while it was starting
                self._terminate(process)
            code = await process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= HEALTHY_AFTER:
                delay = RESTART_DELAY
            log.error(
                "API process %d exited with %s; starting another in %g s", process.pid, code, delay
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            delay = min(delay * 2, RESTART_DELAY_MOST)

    def _terminate_all(self) -> None:
        for process in self._processes.values():
            self._terminate(process)

    @staticmethod
    def _terminate(process: asyncio.subprocess.Process) -> None:
        terminate(process, STOP_TIMEOUT, "API process", log)

    async def _wait_all(self) -> None:
        for process in self._processes.values():
            await process.wait()
            if process.stdin is not None:
                process.stdin.close()


@contextlib.asynccontextmanager
async def api_children(
    settings: Settings, listening: socket.socket, processes: int
) -> AsyncIterator[ApiProcesses]:
    """``processes - 1`` children serving on ``listening`` while the block runs."""
    children = ApiProcesses(listening, processes - 1, child_environment(settings, processes))
    running = asyncio.create_task(children.run(), name="api-processes")
    try:
        yield children
    finally:
        children.stop()
        await running


async def _serve_child(settings: Settings, fd: int) -> None:
    # The parent has migrated the database, checked the secrets and printed the key pair.
    container = bootstrap(settings)
    app = create_app(container)
    server = uvicorn.Server(uvicorn_config(app, settings, settings.host, settings.port))
    when_parent_gone(
        lambda: setattr(server, "should_exit", True),
        "the serve that started this API process is gone: stopping",
        log,
    )
    listening = socket.socket(fileno=fd)
    await server.serve(sockets=[listening])


def main() -> int:
    """The child: serves the API on the inherited socket until serve stops it or is gone."""
    try:
        settings = Settings.from_env()
        fd = int(sys.argv[1])
    except (SettingsError, IndexError, ValueError) as exc:
        print(f"sendout API process: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    uvloop.run(_serve_child(settings, fd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
