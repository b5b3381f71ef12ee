"""Benchmark: the whole delivery path (event, dispatch, send, record) against nginx, next to wrk.

Starts nginx (Debian's ``nginx-light``, installed with ``apt-get`` when missing, as is ``wrk``)
as its own process on a free port of 127.0.0.1, answering 204 to everything, and measures
what ``wrk`` reaches against it (1 thread, 32 connections, a 640-byte JSON POST, about the
size of our envelopes; the median of three 4-second runs): the limit for a webhook POST on
this machine (DESIGN.md §9). Then, against the same nginx, five phases, each on a real
``sendout serve`` with a fresh database (10 distributions, one webhook endpoint each,
``/hook/0`` .. ``/hook/9``; events go round-robin over them and each makes exactly one
send-out):

1. throughput: --events events recorded by ``serve --no-worker`` (through the API), then a
   server with its worker started on them: the whole path from recorded events, dispatch,
   render, sign, send and record; send-outs/s from the first send-out's dispatch to the last
   outcome recorded. Run --throughput-runs times (3), each right after a wrk run of its own,
   so that each figure is divided by what wrk reached just before it: this machine's speed
   drifts by tens of per cent within minutes, and a ratio of figures taken minutes apart
   would measure the drift. The target applies to the median of those ratios;
2. throughput, aiohttp: the same with ``SENDOUT_HTTP_CLIENT=aiohttp`` (for comparison);
3. ingest: --ingest-events events posted at concurrency 32 while the worker runs (after 100
   warm-up events): send-outs/s from the first event's ``created_at`` to the end of the last
   attempt. The API's ingest of one event per request bounds this one (bench/api_ingest.py);
4. latency: --rate events/s for --seconds, open loop (each event is sent at its planned time,
   whatever the previous ones are doing), after the warm-up; event-to-first-attempt = the
   first attempt's ``started_at`` minus the event's ``created_at``, read from the database
   afterwards (both are stored to the millisecond, so the figures are whole milliseconds);
5. isolation: as 4, but 2 of the 10 endpoints (20%) are black holes run by this script (they
   accept, read, and never answer): the healthy endpoints' latency. The black holes'
   send-outs are not waited for (a breaker may hold them back).

Phases 1 to 3 run with the default attempt timeout (10 s, or SENDOUT_DELIVERY_TIMEOUT from
the environment); phases 4 and 5 both with
``SENDOUT_DELIVERY_TIMEOUT`` = --timeout (2 s), so that they differ only in the endpoints.

Each figure is printed with its ratio to wrk's figure from the same run, then a summary
against the targets: whole-path throughput >= 0.05 x wrk, p99 <= 50 ms at 200 events/s,
healthy p99 in the isolation phase <= 1.2 x the clean p99, plus 1 ms: both instants are
stored to the millisecond, so a latency is read to +-1 ms, and at a clean p99 of 2 to 5 ms a
strict 1.2 x would judge that rounding, not the endpoints. Every process started here (nginx,
wrk, the servers) is stopped by its PID, also on Ctrl-C; every load loop is bounded in count
and time. Nothing leaves 127.0.0.1. About 150 s on SQLite with the defaults.

    .venv/bin/python bench/deliver.py [--events 20000] [--throughput-runs 3]
        [--ingest-events 5000] [--rate 200] [--seconds 15]
        [--timeout 2] [--backend sqlite|postgresql] [--skip-install]

With ``--backend postgresql`` each phase gets a scratch database on 127.0.0.1:5432 (user
postgres), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson

from scratch import scratch_database  # bench/ is on sys.path when run as a script

APP_ID, APP_TOKEN = "bench-app-id", "bench-app-token"
HEADERS = {"X-App-Id": APP_ID, "X-App-Token": APP_TOKEN, "Content-Type": "application/json"}
ENDPOINTS = 10  # distributions, one webhook endpoint each
DEAD_ENDPOINTS = (4, 9)  # 20% of them answer nothing in the isolation phase
CUSTOMERS = 100  # created by the warm-up, so measured events find them
WARMUP_EVENTS = 100
WRK_SECONDS = 4
WRK_RUNS = 3  # the median is kept: this machine drifts (reference/stack-bench.md)
WRK_CONNECTIONS = 32
WRK_BODY_BYTES = 640  # about the size of the envelopes sent (printed after the run)
POST_CONCURRENCY = 32  # throughput phase: events in flight
MAX_IN_FLIGHT = 512  # latency phases: the open-loop sender never has more requests out
SEND_LIMIT = 120.0  # seconds: a load loop stops by itself after this, done or not
DRAIN_LIMIT = 120.0  # seconds to wait for the send-outs' attempts after the last event
TARGET_THROUGHPUT_RATIO = 0.05
TARGET_P99_MS = 50.0
TARGET_ISOLATION_RATIO = 1.2
TIMESTAMP_RESOLUTION_MS = 1.0  # created_at and started_at are stored to the millisecond
#: A gauge of the machine's Python speed, printed beside wrk's figure: wrk measures the
#: kernel and nginx, Sendout is Python, and the two differ from one machine to the next by
#: more than either (reference/stack-bench.md used the same loop: 14.7 to 27 us there).
PYTHON_GAUGE = "sum(range(1000))"
PYTHON_GAUGE_LOOPS = 10_000

NGINX_CONF = """\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_body_buffer_size 64k;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 204; }}
    }}
}}
"""

WRK_SCRIPT = """\
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{{"id": "whs_bench", "data": "{filler}"}}'
"""


# -- processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_tool(name: str) -> str | None:
    # /usr/sbin is not on every PATH, and Debian puts nginx there.
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")


def ensure_tool(name: str, packages: Sequence[str], skip_install: bool) -> str:
    """The path of ``name``, installed from Debian's packages first when it is missing."""
    found = find_tool(name)
    if found is not None:
        return found
    if skip_install or os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SystemExit(f"{name} is missing: apt-get install -y {packages[0]}")
    print(f"installing {name} with apt-get ...", flush=True)
    for refresh in (False, True):  # an image may come with no package lists: update once
        if refresh:
            subprocess.run(["apt-get", "update", "-qq"], check=False, timeout=600)
        for package in packages:
            done = subprocess.run(
                ["apt-get", "install", "-y", "-qq", package],
                check=False,
                timeout=600,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            )
            if done.returncode == 0 and (found := find_tool(name)) is not None:
                return found
    raise SystemExit(f"could not install {name} (apt-get install -y {packages[0]})")


def stop(process: subprocess.Popen[bytes], sig: signal.Signals, name: str) -> None:
    """Stop a process started here, by its PID (Popen never signals one already reaped)."""
    process.send_signal(sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        print(f"{name} (pid {process.pid}) did not stop: killed", flush=True)
        process.kill()
        process.wait()


def wait_listening(port: int, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{name} is not listening on 127.0.0.1:{port}")


def start_nginx(nginx: str, workdir: Path, port: int) -> subprocess.Popen[bytes]:
    prefix = workdir / "nginx"
    prefix.mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, port=port))
    command = [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    with (prefix / "stdout.log").open("wb") as log:
        process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT
        )
    wait_listening(port, process, "nginx")
    return process


def start_server(
    database_url: str,
    workdir: Path,
    port: int,
    timeout: float | None,
    *,
    worker: bool = True,
    client: str = "http1",
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SENDOUT_DATABASE_URL": database_url,
        "SENDOUT_APP_ID": APP_ID,
        "SENDOUT_APP_TOKEN": APP_TOKEN,
        "SENDOUT_ALLOWED_TARGETS": "127.0.0.0/8",  # nginx and the black holes are loopback
        "SENDOUT_LOG_LEVEL": "WARNING",
        "SENDOUT_HTTP_CLIENT": client,
        # unset: the default (10 s)
        **({} if timeout is None else {"SENDOUT_DELIVERY_TIMEOUT": str(timeout)}),
    }
    command = [sys.executable, "-m", "sendout", "serve", "--port", str(port)]
    with (workdir / "server.log").open("ab") as log:
        return subprocess.Popen(
            [*command, *([] if worker else ["--no-worker"])],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


# -- wrk -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    problems: str  # non-2xx responses and socket errors, as wrk reports them ("" if none)


def wrk_ms(text: str) -> float:
    """wrk's ``812.00us``, ``1.23ms``, ``2.00s`` in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise RuntimeError(f"wrk printed an unknown duration: {text!r}")
    return float(found[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[found[2]]


def run_wrk(wrk: str, url: str, workdir: Path) -> WrkResult:
    filler = "x" * (WRK_BODY_BYTES - len('{"id": "whs_bench", "data": ""}'))
    script = workdir / "post.lua"
    script.write_text(WRK_SCRIPT.format(filler=filler))
    command = [wrk, "-t1", f"-c{WRK_CONNECTIONS}", f"-d{WRK_SECONDS}s", "--latency"]
    done = subprocess.run(
        [*command, "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=WRK_SECONDS + 30,
    )
    out = done.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    requests = re.search(r"(\d+) requests in", out)
    if not (rps and p50 and p99 and requests):
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    problems = "; ".join(
        line.strip() for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line
    )
    return WrkResult(
        rps=float(rps.group(1)),
        p50_ms=wrk_ms(p50.group(1)),
        p99_ms=wrk_ms(p99.group(1)),
        requests=int(requests.group(1)),
        problems=problems,
    )


def python_gauge_us() -> float:
    """How long ``PYTHON_GAUGE`` takes here now, in microseconds (the best of five, as
    ``python -m timeit`` reports it)."""
    runs = timeit.Timer(PYTHON_GAUGE).repeat(repeat=5, number=PYTHON_GAUGE_LOOPS)
    return min(runs) / PYTHON_GAUGE_LOOPS * 1e6


# -- black holes ---------------------------------------------------------------------------


class BlackHole:
    """A TCP server on 127.0.0.1 that accepts, reads, and never answers."""

    def __init__(self) -> None:
        self.server: asyncio.Server | None = None
        self.port = 0
        self.connections = 0
        self._open: dict[asyncio.StreamWriter, asyncio.Task[Any]] = {}

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._swallow, "127.0.0.1", 0)
        self.port = int(self.server.sockets[0].getsockname()[1])

    async def _swallow(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        if task is not None:
            self._open[writer] = task
        try:
            while await reader.read(65536):
                pass
        except ConnectionError:
            pass
        finally:
            self._open.pop(writer, None)
            writer.close()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        handlers = list(self._open.values())
        for writer in list(self._open):
            writer.close()  # the handler then reads the end of the stream and returns
        if handlers:
            await asyncio.wait(handlers, timeout=5)
        if self.server is not None:
            await self.server.wait_closed()


# -- the database, read only ---------------------------------------------------------------

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


# -- the API -------------------------------------------------------------------------------


def event_body(n: int) -> bytes:
    customer = n % CUSTOMERS
    return orjson.dumps(
        {
            "event": f"bench-{n % ENDPOINTS}",
            "customer": {"source_id": f"c-{customer}", "email": f"c{customer}@example.com"},
            "metadata": {"n": n},
        }
    )


async def wait_ready(
    session: aiohttp.ClientSession, url: str, server: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"sendout serve exited with {server.returncode}")
        try:
            async with session.get(f"{url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("sendout serve did not start")


async def create_distributions(
    session: aiohttp.ClientSession, api: str, targets: Sequence[str]
) -> None:
    for n, target in enumerate(targets):
        body = {
            "name": f"bench-{n}",
            "status": "ACTIVE",
            "trigger": {"event": "customer.custom_event", "custom_event": f"bench-{n}"},
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    "type": "webhook",
                    "event_name": "bench",
                    "url": target,
                    "payload": '{"to": "{{customer.email}}", "n": "{{event.metadata.n}}"}',
                }
            ],
        }
        async with session.post(
            f"{api}/v1/distributions", data=orjson.dumps(body), headers=HEADERS
        ) as response:
            if response.status != 200:
                raise RuntimeError(f"distribution refused: {await response.text()}")


@dataclass
class Sent:
    accepted: int = 0
    errors: int = 0
    elapsed: float = 0.0
    lags: list[float] = field(default_factory=list)  # open loop: actual minus planned send


async def post_event(session: aiohttp.ClientSession, api: str, n: int, sent: Sent) -> None:
    try:
        async with session.post(f"{api}/v1/events", data=event_body(n), headers=HEADERS) as r:
            await r.read()
            if r.status == 200:
                sent.accepted += 1
            else:
                sent.errors += 1
    except (aiohttp.ClientError, TimeoutError):
        sent.errors += 1


async def post_closed(
    session: aiohttp.ClientSession, api: str, first: int, count: int, concurrency: int
) -> Sent:
    """``count`` events from ``concurrency`` clients, each sending when its last one is done."""
    sent = Sent()
    next_n = first
    deadline = time.monotonic() + SEND_LIMIT

    async def client() -> None:
        nonlocal next_n
        while next_n < first + count and time.monotonic() < deadline:
            n = next_n
            next_n += 1
            await post_event(session, api, n, sent)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    sent.elapsed = time.perf_counter() - started
    return sent


async def post_open(
    session: aiohttp.ClientSession, api: str, first: int, rate: float, seconds: float
) -> Sent:
    """``rate`` events/s for ``seconds``, each sent at its planned time (open loop)."""
    sent = Sent()
    loop = asyncio.get_running_loop()
    slots = asyncio.Semaphore(MAX_IN_FLIGHT)
    tasks: set[asyncio.Task[None]] = set()

    async def one(n: int) -> None:
        try:
            await post_event(session, api, n, sent)
        finally:
            slots.release()

    total = int(rate * seconds)
    begin = loop.time() + 0.05
    deadline = begin + seconds + SEND_LIMIT
    for i in range(total):
        planned = begin + i / rate
        if (delay := planned - loop.time()) > 0:
            await asyncio.sleep(delay)
        await slots.acquire()  # only ever waits if MAX_IN_FLIGHT requests are out
        sent.lags.append(loop.time() - planned)
        task = asyncio.create_task(one(first + i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        if loop.time() > deadline:
            break
    if tasks:
        await asyncio.wait(set(tasks), timeout=max(1.0, deadline - loop.time()))
    for task in list(tasks):  # past the time limit: given up (counted as neither)
        task.cancel()
    sent.elapsed = loop.time() - begin
    return sent


# -- phases --------------------------------------------------------------------------------


@dataclass
class Phase:
    rows: list[Row]  # the measured send-outs (warm-up left out)
    sent: Sent
    warm: int  # warm-up events (and send-outs) before the measured ones
    progress: Progress  # when the wait for the measured send-outs ended
    done: str  # what was waited for
    body_bytes: float


@dataclass(frozen=True)
class PhaseSpec:
    name: str
    title: str
    targets: Sequence[str]
    load: str  # see run_phase
    events: int = 0  # ingest and backlog loads
    timeout: float | None = None  # SENDOUT_DELIVERY_TIMEOUT; None: the default
    client: str = "http1"  # SENDOUT_HTTP_CLIENT


async def run_phase(backend: str, spec: PhaseSpec, watched: str, args: argparse.Namespace) -> Phase:
    """A fresh database and server, 10 distributions, a warm-up, then the load.

    ``spec.load`` is ``ingest`` (``spec.events`` posted at concurrency 32 while the worker
    runs), ``latency`` (--rate for --seconds, open loop) or ``backlog`` (``spec.events``
    recorded by a server without its worker, then a server with its worker started on them;
    no warm-up).
    """
    load, targets, delivery_timeout = spec.load, spec.targets, spec.timeout
    tag = f"deliver_{spec.name.replace(' ', '_').replace(',', '')}"
    async with scratch_database(backend, tag) as (database_url, workdir):
        db = Database(database_url)
        servers: list[subprocess.Popen[bytes]] = []
        warm = 0 if load == "backlog" else WARMUP_EVENTS
        try:
            connector = aiohttp.TCPConnector(limit=MAX_IN_FLIGHT)
            client_timeout = aiohttp.ClientTimeout(total=30)
            async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as s:

                async def serve(worker: bool) -> str:
                    port = free_port()
                    servers.append(
                        start_server(
                            database_url,
                            workdir,
                            port,
                            delivery_timeout,
                            worker=worker,
                            client=spec.client,
                        )
                    )
                    await wait_ready(s, f"http://127.0.0.1:{port}", servers[-1])
                    return f"http://127.0.0.1:{port}"

                api = await serve(worker=load != "backlog")
                await create_distributions(s, api, targets)
                cutoff = 0.0
                if load == "backlog":
                    sent = await post_closed(s, api, 0, spec.events, POST_CONCURRENCY)
                    stop(servers.pop(), signal.SIGINT, "sendout serve")
                    await serve(worker=True)
                else:
                    # Warm-up: creates the customers, opens the connections, fills caches.
                    await post_closed(s, api, 0, warm, POST_CONCURRENCY)
                    await wait_sendouts(db, warm, "attempts_count > 0", watched, 30)
                    cutoff = datetime.now(UTC).timestamp()
                    if load == "ingest":
                        sent = await post_closed(s, api, warm, spec.events, POST_CONCURRENCY)
                    else:
                        sent = await post_open(s, api, warm, args.rate, args.seconds)
            done = "attempts_count > 0" if load == "latency" else "status = 'DELIVERED'"
            progress = await wait_sendouts(db, warm + sent.accepted, done, watched, DRAIN_LIMIT)
            rows = [r for r in await db.rows() if r.event_at >= cutoff]
            body = await db.body_bytes()
        except Exception:
            log = (workdir / "server.log").read_text(errors="replace")
            print(f"server log ({tag}), last lines:\n{log[-3000:]}", file=sys.stderr)
            raise
        finally:
            await db.close()
            for server in servers:
                stop(server, signal.SIGINT, "sendout serve")
    return Phase(rows, sent, warm, progress, done, body)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def latencies_ms(rows: Sequence[Row]) -> list[float]:
    return [(r.attempt_at - r.event_at) * 1000 for r in rows if r.attempt_at is not None]


def describe_send(sent: Sent, phase: Phase) -> str:
    text = f"{sent.accepted:,} events accepted ({sent.errors} errors) in {sent.elapsed:.1f} s"
    if sent.lags:
        text += f", send lag p99 {percentile(sent.lags, 0.99) * 1000:.1f} ms"
    made = phase.progress.dispatched - phase.warm
    if made < sent.accepted:
        text += f"; only {made:,} send-outs made within {DRAIN_LIMIT:g} s"
    if phase.progress.waiting:
        text += (
            f"; {phase.progress.waiting:,} send-outs to nginx not {phase.done!r} "
            f"within {DRAIN_LIMIT:g} s"
        )
    return text


# -- main ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    name: str
    figure: str
    ratio: str
    target: str = ""
    passed: bool | None = None


def verdict(passed: bool | None) -> str:
    return "" if passed is None else ("PASS" if passed else "MISS")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events", type=int, default=20_000, help="throughput phases (recorded, then drained)"
    )
    parser.add_argument(
        "--throughput-runs",
        type=int,
        default=3,
        help="throughput phase runs, each after a wrk run of its own (the median ratio counts)",
    )
    parser.add_argument(
        "--ingest-events", type=int, default=5_000, help="ingest phase (posted while sending)"
    )
    parser.add_argument("--rate", type=float, default=200.0, help="latency phases, events/s")
    parser.add_argument("--seconds", type=float, default=15.0, help="latency phases")
    parser.add_argument(
        "--timeout", type=float, default=2.0, help="SENDOUT_DELIVERY_TIMEOUT of the latency phases"
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--skip-install", action="store_true", help="fail rather than apt-get nginx or wrk"
    )
    args = parser.parse_args()
    # ``kill PID`` stops the run as Ctrl-C does: through the finally blocks that stop the rest.
    task = asyncio.current_task()
    if task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    nginx_bin = ensure_tool("nginx", ["nginx-light", "nginx"], args.skip_install)
    wrk_bin = ensure_tool("wrk", ["wrk"], args.skip_install)

    with tempfile.TemporaryDirectory(prefix="sendout-bench-") as tmp:
        workdir = Path(tmp)
        nginx_port = free_port()
        nginx = start_nginx(nginx_bin, workdir, nginx_port)
        holes = [BlackHole() for _ in DEAD_ENDPOINTS]
        try:
            hook = f"http://127.0.0.1:{nginx_port}/hook"
            print(f"wrk against nginx on 127.0.0.1:{nginx_port} ...", flush=True)
            runs = []
            for _ in range(WRK_RUNS):
                run = await asyncio.to_thread(run_wrk, wrk_bin, f"{hook}/0", workdir)
                print(
                    f"  {run.rps:,.0f} requests/s, p50 {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} "
                    f"ms ({run.requests:,} requests{'; ' + run.problems if run.problems else ''})",
                    flush=True,
                )
                runs.append(run)
            wrk = WrkResult(
                rps=statistics.median(r.rps for r in runs),
                p50_ms=statistics.median(r.p50_ms for r in runs),
                p99_ms=statistics.median(r.p99_ms for r in runs),
                requests=sum(r.requests for r in runs),
                problems="; ".join(r.problems for r in runs if r.problems),
            )
            for hole in holes:
                await hole.start()
            healthy = [f"{hook}/{n}" for n in range(ENDPOINTS)]
            mixed = list(healthy)
            for hole, n in zip(holes, DEAD_ENDPOINTS, strict=True):
                mixed[n] = f"http://127.0.0.1:{hole.port}/hook/{n}"
            dead = ", ".join(f"/hook/{n}" for n in DEAD_ENDPOINTS)
            phases: dict[str, Phase] = {}
            #: the throughput phase's runs, each with the wrk run and Python gauge just before
            throughput: list[tuple[Phase, WrkResult, float]] = []
            timed = f"attempt timeout {args.timeout:g} s"
            backlog = f"{args.events:,} events recorded, then dispatched, sent and recorded"
            specs = [
                PhaseSpec("throughput", backlog, healthy, "backlog", args.events),
                PhaseSpec(
                    "throughput, aiohttp",
                    "the same through SENDOUT_HTTP_CLIENT=aiohttp",
                    healthy,
                    "backlog",
                    args.events,
                    client="aiohttp",
                ),
                PhaseSpec(
                    "ingest",
                    f"{args.ingest_events:,} events posted at concurrency {POST_CONCURRENCY}",
                    healthy,
                    "ingest",
                    args.ingest_events,
                ),
                PhaseSpec(
                    "latency",
                    f"{args.rate:g} events/s for {args.seconds:g} s, {timed}",
                    healthy,
                    "latency",
                    timeout=args.timeout,
                ),
                PhaseSpec(
                    "isolation",
                    f"the same, {dead} never answer",
                    mixed,
                    "latency",
                    timeout=args.timeout,
                ),
            ]
            for spec in specs:
                print(f"{spec.name} on {args.backend}: {spec.title} ...", flush=True)
                if spec.name == "throughput":
                    for n in range(1, args.throughput_runs + 1):
                        paired = await asyncio.to_thread(run_wrk, wrk_bin, f"{hook}/0", workdir)
                        gauge = await asyncio.to_thread(python_gauge_us)
                        began = time.monotonic()
                        phase = await run_phase(args.backend, spec, hook, args)
                        took = time.monotonic() - began
                        print(
                            f"  run {n}: wrk just before {paired.rps:,.0f} requests/s, "
                            f"{PYTHON_GAUGE} {gauge:.1f} us; "
                            f"{describe_send(phase.sent, phase)} (phase: {took:.0f} s)",
                            flush=True,
                        )
                        throughput.append((phase, paired, gauge))
                    continue
                began = time.monotonic()
                phase = await run_phase(args.backend, spec, hook, args)
                took = time.monotonic() - began
                print(f"  {describe_send(phase.sent, phase)} (phase: {took:.0f} s)", flush=True)
                if spec.name == "isolation":
                    print(
                        f"  the black holes took {sum(h.connections for h in holes):,} connections",
                        flush=True,
                    )
                phases[spec.name] = phase
        finally:
            for hole in holes:
                await hole.close()
            stop(nginx, signal.SIGQUIT, "nginx")

    report(args, wrk, phases, throughput, hook)


def delivered_rate(rows: Sequence[Row], start: float) -> tuple[int, float]:
    """Send-outs delivered, and how many a second from ``start`` to the last attempt's end."""
    ends = [r.last_end for r in rows if r.status == "DELIVERED" and r.last_end is not None]
    if not ends:
        return 0, 0.0
    return len(ends), len(ends) / (max(ends) - start)


def recorded_rate(rows: Sequence[Row]) -> tuple[int, float]:
    """Send-outs delivered, and how many a second from the first one's dispatch to the last
    outcome recorded (or attempt ended, if later)."""
    delivered = [r for r in rows if r.status == "DELIVERED" and r.last_end is not None]
    if not delivered:
        return 0, 0.0
    start = min(r.sendout_at for r in rows)
    end = max(max(r.last_end or 0, r.recorded_at or 0) for r in delivered)
    return len(delivered), len(delivered) / (end - start)


def failures(rows: Sequence[Row]) -> str:
    """First attempts that did not deliver, by outcome, and send-outs tried more than once."""
    outcomes: dict[str, int] = {}
    for r in rows:
        if r.attempt_at is None:
            key = "no attempt"
        elif r.status_code is not None and 200 <= r.status_code < 300:
            continue
        else:
            key = r.error or f"HTTP {r.status_code}"
        outcomes[key] = outcomes.get(key, 0) + 1
    retried = sum(1 for r in rows if r.attempts > 1)
    text = ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items())) or "none"
    return text + (f"; {retried:,} send-outs needed a retry" if retried else "")


def report(
    args: argparse.Namespace,
    wrk: WrkResult,
    phases: dict[str, Phase],
    throughput: Sequence[tuple[Phase, WrkResult, float]],
    hook: str,
) -> None:
    lines: list[Line] = []
    print()

    # The whole path from recorded events: the first send-out dispatched .. the last attempt's
    # outcome recorded (dispatch, render, sign, send, record), with the worker alone on it.
    ratios, rates, gauges, complete = [], [], [], True
    for n, (phase, paired, gauge) in enumerate(throughput, 1):
        count, rate = recorded_rate(phase.rows)
        print(
            f"throughput, run {n}: {count:,} of {phase.sent.accepted:,} send-outs delivered, "
            f"{rate:,.0f}/s = {rate / paired.rps:.4f} x wrk just before ({paired.rps:,.0f}/s) "
            f"(envelopes {phase.body_bytes:.0f} B on average, wrk sent {WRK_BODY_BYTES} B)\n"
            f"  first attempts not delivered: {failures(phase.rows)}"
        )
        ratios.append(rate / paired.rps)
        rates.append(rate)
        gauges.append(gauge)
        complete = complete and count == args.events
    ratio = statistics.median(ratios) if ratios else 0.0
    lines.append(
        Line(
            f"throughput, whole path (median of {len(ratios)})",
            f"{statistics.median(rates) if rates else 0:,.0f} send-outs/s",
            f"{ratio:.4f} x wrk",
            f">= {TARGET_THROUGHPUT_RATIO:g} x wrk (paired)",
            complete and ratio >= TARGET_THROUGHPUT_RATIO,
        )
    )
    aiohttp_phase = phases["throughput, aiohttp"]
    count, rate = recorded_rate(aiohttp_phase.rows)
    print(
        f"throughput, aiohttp: {count:,} of {aiohttp_phase.sent.accepted:,} send-outs delivered, "
        f"{rate:,.0f}/s\n  first attempts not delivered: {failures(aiohttp_phase.rows)}"
    )
    lines.append(
        Line(
            "throughput, aiohttp, whole path",
            f"{rate:,.0f} send-outs/s",
            f"{rate / wrk.rps:.4f} x wrk",
        )
    )
    # Posted while the worker runs: the first event recorded .. the last attempt ended; the
    # API's ingest of one event per request bounds it (bench/api_ingest.py).
    ingest = phases["ingest"]
    count, rate = delivered_rate(ingest.rows, min((r.event_at for r in ingest.rows), default=0))
    accepted_rate = ingest.sent.accepted / ingest.sent.elapsed
    print(
        f"ingest: {count:,} of {args.ingest_events:,} send-outs delivered, {rate:,.0f}/s; "
        f"events accepted at {accepted_rate:,.0f}/s\n"
        f"  first attempts not delivered: {failures(ingest.rows)}"
    )
    lines.append(
        Line("with HTTP ingest (c=32)", f"{rate:,.0f} send-outs/s", f"{rate / wrk.rps:.4f} x wrk")
    )

    at = f"@ {args.rate:g}/s"
    clean_ms = latencies_ms(phases["latency"].rows)
    clean_p99 = percentile(clean_ms, 0.99) if clean_ms else math.inf
    iso = phases["isolation"]
    for label, phase, rows in (
        ("latency", phases["latency"], phases["latency"].rows),
        ("isolation, healthy", iso, [r for r in iso.rows if r.url.startswith(hook)]),
    ):
        values = latencies_ms(rows)
        missing = len(rows) - len(values)
        if not values:
            print(f"{label}: no attempt recorded")
            lines.append(Line(f"{label} p99 {at}", "none", "", "", False))
            continue
        p50, p99 = percentile(values, 0.50), percentile(values, 0.99)
        print(
            f"{label}: {len(values):,} send-outs, event to first attempt p50 {p50:.0f} ms, "
            f"p90 {percentile(values, 0.90):.0f} ms, p99 {p99:.0f} ms, max {max(values):.0f} ms"
            + f"\n  first attempts not delivered: {failures(rows)}"
        )
        complete = missing == 0 and (phase is iso or len(rows) == phase.sent.accepted)
        lines.append(Line(f"{label} p50 {at}", f"{p50:.0f} ms", f"{p50 / wrk.p50_ms:,.0f} x wrk"))
        if phase is iso:
            target = (
                f"<= {TARGET_ISOLATION_RATIO:g} x clean + {TIMESTAMP_RESOLUTION_MS:g} ms "
                f"({p99 / clean_p99:.2f} x)"
            )
            passed = p99 <= TARGET_ISOLATION_RATIO * clean_p99 + TIMESTAMP_RESOLUTION_MS
        else:
            target, passed = f"<= {TARGET_P99_MS:g} ms", p99 <= TARGET_P99_MS
        lines.append(
            Line(
                f"{label} p99 {at}",
                f"{p99:.0f} ms",
                f"{p99 / wrk.p99_ms:,.0f} x wrk",
                target,
                complete and passed,
            )
        )
    dead = [r for r in iso.rows if not r.url.startswith(hook)]
    print(f"isolation, dead endpoints: {len(dead):,} send-outs; first attempts: {failures(dead)}")

    print(
        f"\nSummary ({args.backend}; wrk -t1 -c{WRK_CONNECTIONS} -d{WRK_SECONDS}s "
        f"POST {WRK_BODY_BYTES} B -> nginx 204, median of {WRK_RUNS}: {wrk.rps:,.0f} req/s, "
        f"p50 {wrk.p50_ms:.2f} ms, p99 {wrk.p99_ms:.2f} ms)"
    )
    if gauges:
        print(
            f"Python here: {PYTHON_GAUGE} took {statistics.median(gauges):.1f} us (median of "
            f"the throughput runs' gauges: {', '.join(f'{g:.1f}' for g in gauges)})"
        )
    width = max(len(line.name) for line in lines)
    for line in lines:
        print(
            f"  {line.name:<{width}}  {line.figure:>17}  {line.ratio:>12}  "
            f"{line.target:<30}  {verdict(line.passed)}".rstrip()
        )


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit(130)
