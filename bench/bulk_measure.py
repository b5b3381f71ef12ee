"""What bench/bulk_publish.py measures with and how it drives the API: the CPU and peak RSS
of a process tree read from /proc, py-spy on demand, many POSTs at a fixed concurrency, and
the send-outs of a distribution counted in the database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from deliver_db import Database  # bench/ is on sys.path when run as a script
from procs import HEADERS

POST_CONCURRENCY = 32
CREATE_LIMIT = 900.0  # seconds: creating customers or recording events stops by itself
RUN_LIMIT = 1800.0  # seconds: the distribution's wait stops by itself, done or not
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- processes, read from /proc --------------------------------------------------------------


def _stat_fields(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # the name may hold spaces and brackets


def tree(pid: int) -> list[int]:
    """``pid`` and every live process under it."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents.setdefault(int(_stat_fields(int(entry))[1]), []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and of every process under it, live or waited for."""
    total = 0
    for member in tree(pid):
        try:
            fields = _stat_fields(member)
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / CLOCK_TICKS


def peak_rss_mb(pid: int) -> dict[str, float]:
    """VmHWM of ``pid`` and of each process under it, by command line, in MB."""
    peaks: dict[str, float] = {}
    for member in tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
            command = Path(f"/proc/{member}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                name = " ".join(c.decode() for c in command[1:4] if c)
                peaks[f"{member} {name}"] = int(line.split()[1]) / 1024
    return peaks


@dataclass
class CpuMark:
    sendout: float
    nginx: float

    @classmethod
    def now(cls, sendout_pid: int, nginx_pid: int) -> CpuMark:
        return cls(cpu_seconds(sendout_pid), cpu_seconds(nginx_pid))


def profile(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling ``pid`` at 200 Hz into ``out`` (raw stacks), until stopped."""
    py_spy = Path(sys.executable).parent / "py-spy"
    command = [str(py_spy), "record", "-f", "raw", "-r", "200", "-o", str(out), "--pid", str(pid)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# -- the API -----------------------------------------------------------------------------


async def post_many(
    session: aiohttp.ClientSession, url: str, bodies: Callable[[int], bytes], count: int
) -> tuple[int, float]:
    """POST ``bodies(n)`` for n < count from POST_CONCURRENCY clients: how many were
    accepted, and the seconds it took."""
    started = time.monotonic()
    deadline = started + CREATE_LIMIT
    next_n, accepted = 0, 0

    async def client() -> None:
        nonlocal next_n, accepted
        while next_n < count and time.monotonic() < deadline:
            n, next_n = next_n, next_n + 1
            async with session.post(url, data=bodies(n), headers=HEADERS) as response:
                await response.read()
                accepted += response.status == 200

    await asyncio.gather(*(client() for _ in range(POST_CONCURRENCY)))
    return accepted, time.monotonic() - started


async def call(session: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> Any:
    data = None if body is None else orjson.dumps(body)
    async with session.request(method, url, data=data, headers=HEADERS) as response:
        answer = await response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {url}: {response.status} {answer[:300]!r}")
        return orjson.loads(answer)


async def counts(db: Database, distribution_id: str) -> tuple[int, int]:
    ((made, delivered),) = await db.fetch(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'DELIVERED' THEN 1 ELSE 0 END), 0) "
        f"FROM sendouts WHERE distribution_id = '{distribution_id}'"
    )
    return int(made), int(delivered)
