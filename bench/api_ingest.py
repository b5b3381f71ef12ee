"""Benchmark: ``POST /v1/events`` against the web framework alone, at concurrency 32.

Starts a real ``sendout serve`` on a fresh database in a temporary directory and the reference
(bench/ingest_reference.py: a minimal FastAPI app on uvicorn, uvloop and httptools answering
the same POST), then, after a warm-up of each, --rounds rounds of: the reference, then
Sendout, each sent the same custom events (each upserting one of --customers customers
inline in Sendout) from --concurrency keep-alive connections: by wrk for --seconds (the
default), or --requests of them by an aiohttp client in this process (--client aiohttp, the
client of the figures before issue 23; bench/ingest_compare.py). Prints requests/s,
p50/p90/p99 latency and the CPU microseconds per request of each server (every process of
it, children included, from /proc; Sendout's worker included; on PostgreSQL also
PostgreSQL's CPU: the backends serving the database), and Sendout's ratio to the reference
in the same round (issue 23, target 3: >= 60 % of its requests/s). Every server is stopped by
its PID. Nothing leaves 127.0.0.1.

    .venv/bin/python bench/api_ingest.py [--seconds 10] [--concurrency 32] [--rounds 2]
        [--api-processes N] [--client wrk|aiohttp] [--requests 20000]
        [--backend sqlite|postgresql]

``--api-processes N`` (> 1) starts ``sendout serve --no-worker --workers N`` and one
``sendout worker``, and the reference with N uvicorn workers; when ``serve`` has no
``--workers`` option, it says so and runs one process of each. With ``--backend postgresql``
it creates a scratch database on 127.0.0.1:5432 (user postgres) and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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

from cpu import CpuGroup, CpuSampler, PostgresCpu
from deliver_load import wait_ready as wait_ready  # points, publish and redeem import it here
from ingest_compare import (
    Measured,
    cpu_us,
    describe,
    load,
    measured_aiohttp,
    measured_wrk,
    start_reference,
)
from procs import api_processes_available, ensure_tool, start_worker, wait_listening
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


def start_server(
    database_url: str, workdir: Path, port: int, api_processes: int = 1
) -> subprocess.Popen[bytes]:
    """``sendout serve`` with its worker, or ``serve --no-worker --workers N`` when
    ``api_processes`` > 1 (check ``procs.api_processes_available`` first)."""
    env = {
        **os.environ,
        "SENDOUT_DATABASE_URL": database_url,
        "SENDOUT_APP_ID": APP_ID,
        "SENDOUT_APP_TOKEN": APP_TOKEN,
        "SENDOUT_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "sendout", "serve", "--port", str(port)]
    if api_processes > 1:
        command += ["--no-worker", "--workers", str(api_processes)]
    log = (workdir / "server.log").open("ab")
    return subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)


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


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1]


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


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000, help="per server per round")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=2, help="reference, Sendout, ...")
    parser.add_argument("--api-processes", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--client",
        choices=["aiohttp", "wrk"],
        default="wrk",
        help="wrk: for --seconds (cheap per request); aiohttp: --requests from this process "
        "(the history's client: it tops out near the reference's rate on 2 cores)",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per server per round (wrk)")
    args = parser.parse_args()
    processes = api_processes_available(args.api_processes)
    wrk = ensure_tool("wrk", ["wrk"], skip_install=False) if args.client == "wrk" else ""

    pg_database = f"sendout_bench_{os.getpid()}"
    runs: list[tuple[Measured, Measured]] = []
    with tempfile.TemporaryDirectory(prefix="sendout-bench-") as tmp:
        workdir = Path(tmp)
        if args.backend == "postgresql":
            await pg_admin(f'CREATE DATABASE "{pg_database}"')
            database_url = f"postgresql://postgres@127.0.0.1:5432/{pg_database}"
        else:
            database_url = f"sqlite:///{workdir / 'bench.db'}"
        port, reference_port = free_port(), free_port()
        url, reference_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{reference_port}"
        started = [start_server(database_url, workdir, port, processes)]
        sendout = CpuGroup("sendout", [started[0].pid])
        if processes > 1:  # the worker ``serve`` would otherwise run: the same work is done
            # Started once ``serve`` listens: it has migrated the database by then (two
            # processes migrating a new database at once would collide).
            wait_listening(port, started[0], "sendout serve")
            started.append(start_worker(database_url, workdir, None))
            sendout.add(started[-1].pid)
        started.append(start_reference(workdir, reference_port, processes))
        groups = [sendout, CpuGroup("reference", [started[-1].pid])]
        pg = None
        if args.backend == "postgresql":
            pg = PostgresCpu("postgresql://postgres@127.0.0.1:5432/postgres", pg_database)
            groups += pg.groups()
        try:
            connector = aiohttp.TCPConnector(limit=args.concurrency)
            with CpuSampler(groups) as sampler:
                async with contextlib.AsyncExitStack() as stack:
                    session = await stack.enter_async_context(
                        aiohttp.ClientSession(connector=connector)
                    )
                    if pg is not None:
                        await stack.enter_async_context(pg.watching())
                    for address in (url, reference_url):
                        await wait_ready(session, address)
                        await load(
                            session, address, WARMUP_REQUESTS, args.concurrency, args.customers
                        )

                    async def measured(server: str, address: str) -> Measured:
                        if args.client == "aiohttp":
                            return await measured_aiohttp(session, server, address, args)
                        return await asyncio.to_thread(
                            measured_wrk, wrk, server, address, args, workdir
                        )

                    for _ in range(args.rounds):
                        reference = await measured("reference", reference_url)
                        runs.append((reference, await measured("sendout", url)))
        finally:
            for process in started:
                stop_server(process)
            if args.backend == "postgresql":
                await pg_admin(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')

    print(
        f"POST /v1/events on {args.backend}, concurrency {args.concurrency} ({args.client}), "
        f"{processes} API process(es) each (Sendout's worker counted with it)"
    )
    for n, (reference, sendout_run) in enumerate(runs, 1):
        print(f"  round {n}: reference {describe(reference, sampler)}")
        print(f"           Sendout   {describe(sendout_run, sampler)}")
        ratio = sendout_run.rate / reference.rate if reference.rate else 0.0
        cpu_ratio = cpu_us(sendout_run, sampler, "sendout") / cpu_us(
            reference, sampler, "reference"
        )
        print(
            f"           Sendout at {ratio:.0%} of the reference's requests/s (target >= 60 %), "
            f"{cpu_ratio:.1f} x its CPU per request"
        )


if __name__ == "__main__":
    asyncio.run(main())
