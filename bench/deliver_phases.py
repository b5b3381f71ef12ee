"""One phase of the delivery benchmark: a fresh database, Sendout's processes, the load, then
the send-outs read back, with the CPU every process used over the phase's window.

The CPU window runs from the first send-out made (backlog) or the first measured event
recorded (the others) to the last outcome recorded: the processes' start-up, the backlog's
recording and the warm-up are left out.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp

from cpu import CpuGroup, CpuSampler, PostgresCpu, per_op_us
from deliver_db import Database, Progress, Row, wait_sendouts
from deliver_load import (
    MAX_IN_FLIGHT,
    Sent,
    create_distributions,
    post_closed,
    post_open,
    wait_ready,
)
from procs import free_port, start_server, start_worker, stop
from scratch import PG, scratch_database

WARMUP_EVENTS = 100
POST_CONCURRENCY = 32  # throughput phase: events in flight
DRAIN_LIMIT = 120.0  # seconds to wait for the send-outs' attempts after the last event


@dataclass(frozen=True)
class PhaseSpec:
    name: str
    title: str
    targets: Sequence[str]  # one distribution (with one webhook endpoint) each
    load: str  # see run_phase
    events: int = 0  # ingest and backlog loads
    timeout: float | None = None  # SENDOUT_DELIVERY_TIMEOUT; None: the default
    client: str = "http1"  # SENDOUT_HTTP_CLIENT
    rate: float = 0.0  # open-loop loads: events/s ...
    seconds: float = 0.0  # ... for so long
    #: 0: ``sendout serve`` runs the worker in its process; K: ``serve --no-worker`` and K
    #: ``sendout worker`` processes
    worker_processes: int = 0
    api_processes: int = 1  # > 1: ``serve --no-worker --workers N`` (needs worker_processes)


@dataclass
class Phase:
    rows: list[Row]  # the measured send-outs (warm-up left out)
    sent: Sent
    warm: int  # warm-up events (and send-outs) before the measured ones
    progress: Progress  # when the wait for the measured send-outs ended
    done: str  # what was waited for
    body_bytes: float
    sample_body: bytes
    #: CPU microseconds per send-out over the window, by group: ``sendout`` (every Sendout
    #: process), ``nginx``, and on PostgreSQL ``pg`` (the database's backends) and
    #: ``pg_server`` (the whole server)
    cpu_us: dict[str, float]
    window: float  # seconds
    operations: int  # the send-outs the CPU is divided by


def cpu_window(rows: Sequence[Row], backlog: bool) -> tuple[float, float, int]:
    """The measured window (``time.time()`` instants) and the send-outs done in it."""
    tried = [r for r in rows if r.attempts > 0]
    if not tried:
        return 0.0, 0.0, 0
    start = min(r.sendout_at if backlog else r.event_at for r in rows)
    end = max(max(r.last_end or 0, r.recorded_at or 0) for r in tried)
    done = [r for r in tried if r.status == "DELIVERED"] if backlog else tried
    return start, end, len(done)


async def run_phase(backend: str, spec: PhaseSpec, watched: str, nginx_pid: int) -> Phase:
    """A fresh database and Sendout, ``spec.targets`` distributions, a warm-up, then the load.

    ``spec.load`` is ``ingest`` (``spec.events`` posted at concurrency 32 while the worker
    runs), ``latency`` (``spec.rate`` for ``spec.seconds``, open loop) or ``backlog``
    (``spec.events`` recorded by a server without its worker, then a server with its worker
    started on them, or ``spec.worker_processes`` workers beside the first; no warm-up).
    """
    load, targets, endpoints = spec.load, spec.targets, len(spec.targets)
    tag = f"deliver_{spec.name.replace(' ', '_').replace(',', '').replace('=', '')}"
    async with scratch_database(backend, tag) as (database_url, workdir):
        db = Database(database_url)
        processes: list[subprocess.Popen[bytes]] = []
        sendout, nginx = CpuGroup("sendout"), CpuGroup("nginx", [nginx_pid])
        pg = None
        if backend == "postgresql":
            admin = f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/postgres"
            pg = PostgresCpu(admin, database_url.rsplit("/", 1)[1])
        groups = [sendout, nginx] + ([] if pg is None else pg.groups())
        warm = 0 if load == "backlog" else WARMUP_EVENTS
        try:
            connector = aiohttp.TCPConnector(limit=MAX_IN_FLIGHT)
            client_timeout = aiohttp.ClientTimeout(total=30)
            with CpuSampler(groups) as sampler:
                async with contextlib.AsyncExitStack() as stack:
                    s = await stack.enter_async_context(
                        aiohttp.ClientSession(connector=connector, timeout=client_timeout)
                    )
                    if pg is not None:
                        # this script's progress reads are not Sendout's: left out
                        pg.exclude(int((await db.fetch("SELECT pg_backend_pid()"))[0][0]))
                        await stack.enter_async_context(pg.watching())

                    def track(process: subprocess.Popen[bytes]) -> None:
                        processes.append(process)
                        sendout.add(process.pid)

                    async def serve(worker: bool, api_processes: int = 1) -> str:
                        port = free_port()
                        server = start_server(
                            database_url,
                            workdir,
                            port,
                            spec.timeout,
                            worker=worker,
                            client=spec.client,
                            api_processes=api_processes,
                        )
                        track(server)
                        await wait_ready(s, f"http://127.0.0.1:{port}", server)
                        return f"http://127.0.0.1:{port}"

                    def workers() -> None:
                        for _ in range(spec.worker_processes):
                            track(start_worker(database_url, workdir, spec.timeout, spec.client))

                    separate = spec.worker_processes > 0
                    api = await serve(load != "backlog" and not separate, spec.api_processes)
                    await create_distributions(s, api, targets)
                    cutoff = 0.0
                    if load == "backlog":
                        sent = await post_closed(
                            s, api, 0, spec.events, POST_CONCURRENCY, endpoints
                        )
                        if separate:
                            workers()
                        else:
                            stop(processes.pop(), signal.SIGINT, "sendout serve")
                            await serve(worker=True)
                    else:
                        if separate:
                            workers()
                        # Warm-up: creates the customers, opens the connections, fills caches.
                        await post_closed(s, api, 0, warm, POST_CONCURRENCY, endpoints)
                        await wait_sendouts(db, warm, "attempts_count > 0", watched, 30)
                        cutoff = datetime.now(UTC).timestamp()
                        if load == "ingest":
                            sent = await post_closed(
                                s, api, warm, spec.events, POST_CONCURRENCY, endpoints
                            )
                        else:
                            sent = await post_open(s, api, warm, spec.rate, spec.seconds, endpoints)
                    done = (
                        "status = 'DELIVERED'"
                        if load in ("backlog", "ingest")
                        else ("attempts_count > 0")
                    )
                    progress = await wait_sendouts(
                        db, warm + sent.accepted, done, watched, DRAIN_LIMIT
                    )
            rows = [r for r in await db.rows() if r.event_at >= cutoff]
            body = await db.body_bytes()
            sample_body = await db.sample_body()
        except Exception:
            for log in ("server.log", "worker.log"):
                if (workdir / log).exists():
                    text = (workdir / log).read_text(errors="replace")
                    print(f"{log} ({tag}), last lines:\n{text[-3000:]}", file=sys.stderr)
            raise
        finally:
            await db.close()
            for process in processes:
                stop(process, signal.SIGINT, "sendout")
    start, end, operations = cpu_window(rows, load == "backlog")
    cpu = {name: sampler.cpu(name, start, end) for name in sampler.groups}
    if pg is not None:  # the whole server, less this script's own reads
        cpu["pg_server"] -= cpu.pop("pg_bench")
    cpu_us = {name: per_op_us(seconds, operations) for name, seconds in cpu.items()}
    return Phase(
        rows,
        sent,
        warm,
        progress,
        done,
        body,
        sample_body,
        cpu_us,
        end - start,
        operations,
    )
