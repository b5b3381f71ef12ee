"""The ingest benchmark's loads and per-server figures (bench/api_ingest.py).

Two clients: ``aiohttp`` (a bounded count of requests from this process's event loop, the
history's client) and ``wrk`` (C, for a bounded time, the bodies made by a Lua script): wrk
costs a fraction of the CPU per request, so what it measures is less often the client; on 2
shared cores an asyncio client tops out at a few thousand requests/s, near the reference's.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson

from cpu import CpuSampler, per_op_us
from deliver_load import percentile
from procs import APP_ID, APP_TOKEN, wrk_ms

TIME_LIMIT = 120.0  # seconds: the load loop stops by itself even if the server is slow

#: the same events as ``event_json``, made by wrk (``{customers}``: filled in by Python)
WRK_SCRIPT = """\
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-App-Id"] = "{app_id}"
wrk.headers["X-App-Token"] = "{app_token}"
local n = 0
request = function()
  n = n + 1
  local c = n % {customers}
  local body = string.format(
    '{{"event":"bench_event","customer":{{"source_id":"bench-%d","email":"c%d@example.com"}},'
    .. '"metadata":{{"n":%d,"plan":"pro"}}}}', c, c, n)
  return wrk.format(nil, "/v1/events", nil, body)
end
"""


def event_json(n: int, customers: int) -> bytes:
    return orjson.dumps(
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


async def load(
    session: aiohttp.ClientSession, url: str, total: int, concurrency: int, customers: int
) -> tuple[list[float], int, float]:
    headers = {"X-App-Id": APP_ID, "X-App-Token": APP_TOKEN, "Content-Type": "application/json"}
    bodies = [event_json(n, customers) for n in range(total)]
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


@dataclass(frozen=True)
class Measured:
    """One server's bounded load, with the window its CPU is read over."""

    server: str
    requests: int
    errors: int
    elapsed: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    window: tuple[float, float]  # time.time() instants

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0


async def measured_aiohttp(
    session: aiohttp.ClientSession, server: str, url: str, args: argparse.Namespace
) -> Measured:
    started = time.time()
    latencies, errors, elapsed = await load(
        session, url, args.requests, args.concurrency, args.customers
    )
    p50, p90, p99 = (percentile(latencies, q) * 1000 for q in (0.50, 0.90, 0.99))
    window = (started, time.time())
    return Measured(server, len(latencies), errors, elapsed, p50, p90, p99, window)


def measured_wrk(
    wrk: str, server: str, url: str, args: argparse.Namespace, workdir: Path
) -> Measured:
    script = workdir / "events.lua"
    script.write_text(
        WRK_SCRIPT.format(app_id=APP_ID, app_token=APP_TOKEN, customers=args.customers)
    )
    command = [wrk, "-t1", f"-c{args.concurrency}", f"-d{args.seconds:g}s", "--latency"]
    started = time.time()
    done = subprocess.run(
        [*command, "--timeout", "10s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=args.seconds + 30,
    )
    window = (started, time.time())
    out = done.stdout
    found = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    marks = [re.search(rf"^\s+{q}%\s+(\S+)", out, re.MULTILINE) for q in (50, 90, 99)]
    if found is None or not all(marks):
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    p50, p90, p99 = (wrk_ms(mark[1]) for mark in marks if mark is not None)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)", out)
    errors = int(non_2xx[1]) if non_2xx else 0
    errors += sum(int(v) for v in re.findall(r"\d+", sockets[1])) if sockets else 0
    elapsed = wrk_ms(found[2] + found[3]) / 1000
    return Measured(server, int(found[1]), errors, elapsed, p50, p90, p99, window)


def start_reference(workdir: Path, port: int, processes: int) -> subprocess.Popen[bytes]:
    script = Path(__file__).resolve().parent / "ingest_reference.py"
    command = [sys.executable, str(script), "--port", str(port), "--workers", str(processes)]
    log = (workdir / "reference.log").open("ab")
    return subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)


def cpu_us(run: Measured, sampler: CpuSampler, group: str) -> float:
    """The group's CPU microseconds per request over the run."""
    return per_op_us(sampler.cpu(group, *run.window), run.requests)


def describe(run: Measured, sampler: CpuSampler) -> str:
    text = (
        f"{run.requests:,} requests ({run.errors} errors) in {run.elapsed:.2f} s: "
        f"{run.rate:,.0f} requests/s, {cpu_us(run, sampler, run.server):,.0f} us CPU/request"
    )
    if run.server == "sendout" and "pg" in sampler.groups:
        text += f" + PostgreSQL {cpu_us(run, sampler, 'pg'):,.0f} us"
    return (
        text + f"; latency p50 {run.p50_ms:.1f} ms, p90 {run.p90_ms:.1f} ms, "
        f"p99 {run.p99_ms:.1f} ms"
    )
