"""Benchmark: ``POST /v1/events`` throughput and latency on SQLite at concurrency 32.

Starts a real ``sendout serve`` on a fresh SQLite file in a temporary directory, sends a
bounded number of custom events (each upserting one of --customers customers inline) from
--concurrency keep-alive connections, prints requests/s and p50/p90/p99 latency, and stops
the server by its PID. Nothing leaves 127.0.0.1.

    .venv/bin/python bench/api_ingest.py [--requests 20000] [--concurrency 32]
        [--backend sqlite|postgresql]

With ``--backend postgresql`` it creates a scratch database on 127.0.0.1:5432 (user
postgres) and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from scratch import pg_admin  # bench/ is on sys.path when run as a script

APP_ID, APP_TOKEN = "bench-app-id", "bench-app-token"
HEADERS = {"X-App-Id": APP_ID, "X-App-Token": APP_TOKEN, "Content-Type": "application/json"}
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60)
CAMPAIGN_WAIT = 300.0  # seconds: the bounded wait for a campaign's codes
WARMUP_REQUESTS = 500
TIME_LIMIT = 120.0  # seconds: the load loop stops by itself even if the server is slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database_url: str, workdir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SENDOUT_DATABASE_URL": database_url,
        "SENDOUT_APP_ID": APP_ID,
        "SENDOUT_APP_TOKEN": APP_TOKEN,
        "SENDOUT_LOG_LEVEL": "WARNING",
    }
    log = (workdir / "server.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "sendout", "serve", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@dataclass
class Run:
    """One bounded load: what came back from each request."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    codes: list[str] = field(default_factory=list)  # one per successful request
    elapsed: float = 0.0
    error_samples: list[str] = field(default_factory=list)  # the first three
    error_statuses: Counter[int] = field(default_factory=Counter)  # 0: no answer


#: Reads one answer: the request's index, the HTTP status, the body; the code it is about
#: when it succeeded as it should, else None (counted as an error).
Judge = Callable[[int, int, bytes], str | None]


async def post_all(
    session: aiohttp.ClientSession,
    endpoint: str,
    bodies: Sequence[bytes],
    concurrency: int,
    time_limit: float,
    judge: Judge,
) -> Run:
    """POST every body once to ``endpoint`` (see ``post_each``)."""
    requests = [(endpoint, body) for body in bodies]
    return await post_each(session, requests, concurrency, time_limit, judge)


async def post_each(
    session: aiohttp.ClientSession,
    requests: Sequence[tuple[str, bytes]],
    concurrency: int,
    time_limit: float,
    judge: Judge,
) -> Run:
    """POST every (url, body) once from ``concurrency`` keep-alive clients; stops at
    ``time_limit``."""
    run = Run()
    next_index = 0
    deadline = time.monotonic() + time_limit

    async def client() -> None:
        nonlocal next_index
        while next_index < len(requests) and time.monotonic() < deadline:
            index = next_index
            next_index += 1
            endpoint, body = requests[index]
            started = time.perf_counter()
            try:
                async with session.post(
                    endpoint, data=body, headers=HEADERS, timeout=REQUEST_TIMEOUT
                ) as response:
                    answer = await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                status, answer = 0, repr(exc).encode()
            run.latencies.append(time.perf_counter() - started)
            code = judge(index, status, answer)
            if code is not None:
                run.codes.append(code)
            else:
                run.errors += 1
                run.error_statuses[status] += 1
                if len(run.error_samples) < 3:
                    run.error_samples.append(f"#{index}: {status} {answer[:200]!r}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    run.elapsed = time.perf_counter() - started
    return run


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop the server we started, by its PID: SIGINT, then SIGKILL after 15 s."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


async def get_json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url, headers=HEADERS, timeout=REQUEST_TIMEOUT) as response:
        body = await response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {url}: {response.status} {body[:300]!r}")
        return orjson.loads(body)


async def create_campaign(
    session: aiohttp.ClientSession, url: str, body: dict[str, Any]
) -> tuple[str, float]:
    """Create a campaign and wait (bounded) until its codes are made: its id, and the
    seconds that took."""
    async with session.post(
        f"{url}/v1/campaigns", data=orjson.dumps(body), headers=HEADERS, timeout=REQUEST_TIMEOUT
    ) as response:
        answer = await response.read()
        if response.status != 200:
            raise RuntimeError(f"campaign creation: {response.status} {answer[:300]!r}")
    campaign_id = str(orjson.loads(answer)["id"])
    started = time.monotonic()
    deadline = started + CAMPAIGN_WAIT
    while time.monotonic() < deadline:
        campaign = await get_json(session, f"{url}/v1/campaigns/{campaign_id}")
        status = campaign.get("creation_status")
        if status == "DONE":
            return campaign_id, time.monotonic() - started
        if status not in ("IN_PROGRESS", "DRAFT", "MODIFYING"):
            raise RuntimeError(f"campaign creation ended as {status}")
        await asyncio.sleep(0.25)
    raise RuntimeError(f"campaign codes not ready after {CAMPAIGN_WAIT:.0f} s")


async def wait_ready(session: aiohttp.ClientSession, url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            async with session.get(f"{url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("server did not start")


async def load(
    session: aiohttp.ClientSession, url: str, total: int, concurrency: int, customers: int
) -> tuple[list[float], int, float]:
    headers = {"X-App-Id": APP_ID, "X-App-Token": APP_TOKEN, "Content-Type": "application/json"}
    bodies = [
        orjson.dumps(
            {
                "event": "bench_event",
                # Returning customers with unchanged details, the common case: the inline
                # upsert finds the customer and writes nothing for it.
                "customer": {
                    "source_id": f"bench-{n % customers}",
                    "email": f"c{n % customers}@example.com",
                },
                "metadata": {"n": n, "plan": "pro"},
            }
        )
        for n in range(total)
    ]
    latencies: list[float] = []
    errors = 0
    next_index = 0
    deadline = time.monotonic() + TIME_LIMIT

    async def client() -> None:
        nonlocal next_index, errors
        while next_index < total and time.monotonic() < deadline:
            body = bodies[next_index]
            next_index += 1
            started = time.perf_counter()
            async with session.post(f"{url}/v1/events", data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    errors += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    pg_database = f"sendout_bench_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="sendout-bench-") as tmp:
        workdir = Path(tmp)
        if args.backend == "postgresql":
            await pg_admin(f'CREATE DATABASE "{pg_database}"')
            database_url = f"postgresql://postgres@127.0.0.1:5432/{pg_database}"
        else:
            database_url = f"sqlite:///{workdir / 'bench.db'}"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(database_url, workdir, port)
        try:
            connector = aiohttp.TCPConnector(limit=args.concurrency)
            async with aiohttp.ClientSession(connector=connector) as session:
                await wait_ready(session, url)
                await load(session, url, WARMUP_REQUESTS, args.concurrency, args.customers)
                latencies, errors, elapsed = await load(
                    session, url, args.requests, args.concurrency, args.customers
                )
        finally:
            stop_server(server)
            if args.backend == "postgresql":
                await pg_admin(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')

    print(f"POST /v1/events on {args.backend}, concurrency {args.concurrency}")
    print(f"  requests   {len(latencies)} ({errors} errors) in {elapsed:.2f} s")
    print(f"  throughput {len(latencies) / elapsed:,.0f} requests/s")
    print(
        f"  latency    p50 {percentile(latencies, 0.50) * 1000:.1f} ms"
        f"  p90 {percentile(latencies, 0.90) * 1000:.1f} ms"
        f"  p99 {percentile(latencies, 0.99) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())


@dataclass(frozen=True)
class Figures:
    rate: float
    p50: float
    p90: float
    p99: float
    #: requests sent, warm-up included
    sent: int


def report(warmup: Run, run: Run, wanted: int, unit: str) -> Figures:
    """Print a warmed-up load's figures and errors (the lines every bounded load prints)."""
    sent = len(warmup.latencies) + len(run.latencies)
    rate = len(run.codes) / run.elapsed if run.elapsed else 0.0
    p50, p90, p99 = (percentile(run.latencies, q) * 1000 for q in (0.50, 0.90, 0.99))
    print(f"  warm-up    {len(warmup.latencies)} ({warmup.errors} errors)")
    print(f"  requests   {len(run.latencies)} ({run.errors} errors) in {run.elapsed:.2f} s")
    if sent < wanted:
        print(f"             stopped by the time limit: {sent} of {wanted} sent")
    statuses = warmup.error_statuses + run.error_statuses
    if statuses:
        tally = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        print(f"             errors by HTTP status (0: no answer) {tally}")
    for sample in warmup.error_samples + run.error_samples:
        print(f"             error: {sample}")
    print(f"  throughput {rate:,.0f} {unit}/s")
    print(f"  latency    p50 {p50:.1f} ms  p90 {p90:.1f} ms  p99 {p99:.1f} ms")
    return Figures(rate=rate, p50=p50, p90=p90, p99=p99, sent=sent)


def each_backend(script: str, options: dict[str, object], timeout: float) -> int:
    """Run ``script`` once per backend, each in its own process (its own peak memory, no
    state carried over); 1 if any run failed."""
    failed = 0
    for backend in ("sqlite", "postgresql"):
        argv = [sys.executable, script, "--backend", backend]
        for name, value in options.items():
            argv += [f"--{name.replace('_', '-')}", str(value)]
        done = subprocess.run(argv, check=False, timeout=timeout)
        failed += done.returncode != 0
    return 1 if failed else 0
