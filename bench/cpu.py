"""CPU accounting for benchmarks: the CPU time of process trees, read from ``/proc``.

A process tree's CPU is the sum, over its live processes, of ``utime + stime + cutime +
cstime`` (fields 14-17 of ``/proc/PID/stat``): a child that has exited and been reaped is in
its parent's ``cutime``/``cstime``, a live one is counted by itself, so nothing is counted
twice and a short-lived child is not lost. A tree whose root has exited keeps the last value
read. A ``CpuSampler`` reads its groups every ``interval`` seconds in a thread, so a window can
be cut afterwards at instants only known then (the first send-out made, the last outcome
recorded, read from the database): process start-up is left out that way.

PostgreSQL is measured two ways (``PostgresCpu``): the backends serving the benchmark's
database (their pids from ``pg_stat_activity``, looked up every half second; a backend that
exits keeps the last value read of it), and the whole server (the postmaster's tree, every
backend it reaped included), which also counts whatever else uses the server meanwhile.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

import asyncpg

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
#: how often (in samples) a sampler re-reads which processes exist: a scan of all of /proc,
#: a few milliseconds; a child found late has its CPU so far counted when it is found
TREE_RESCAN_SAMPLES = 2


def proc_stat(pid: int) -> tuple[int, float] | None:
    """The parent pid and CPU seconds (own and reaped children's) of ``pid``; None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = text[text.rindex(b")") + 2 :].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return int(fields[1]), (utime + stime + cutime + cstime) / CLOCK_TICKS


def parents() -> dict[int, int]:
    """Every live process's parent pid, from one scan of /proc."""
    found: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (stat := proc_stat(int(name))) is not None:
            found[int(name)] = stat[0]
    return found


def descendants(root: int, parent_of: dict[int, int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, parent in parent_of.items():
        children.setdefault(parent, []).append(pid)
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_cpu(root: int, members: Iterable[int] = ()) -> float | None:
    """CPU seconds of ``root`` and ``members`` (its descendants); None if ``root`` is gone."""
    own = proc_stat(root)
    if own is None:
        return None
    return own[1] + sum(stat[1] for pid in members if (stat := proc_stat(pid)) is not None)


def process_tree_cpu(root: int) -> float:
    """CPU seconds of ``root``'s tree now (a scan of /proc: for occasional reads)."""
    return tree_cpu(root, descendants(root, parents())) or 0.0


class CpuGroup:
    """The CPU of the trees under some root pids, added as they start (monotonic: a tree that
    has exited keeps its last value)."""

    def __init__(self, name: str, roots: Iterable[int] = ()) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._last: dict[int, float] = {}
        self._members: dict[int, list[int]] = {}
        for root in roots:
            self.add(root)

    def add(self, root: int) -> None:
        with self._lock:
            if root not in self._last:
                self._last[root] = 0.0
                self._members[root] = []

    def rescan(self, parent_of: dict[int, int]) -> None:
        with self._lock:
            for root in self._last:
                if root in parent_of:
                    self._members[root] = descendants(root, parent_of)

    def read(self) -> float:
        total = 0.0
        with self._lock:
            for root, members in self._members.items():
                value = tree_cpu(root, members)
                if value is not None:  # a tree that exited keeps its last value
                    self._last[root] = max(self._last[root], value)
                total += self._last[root]
        return total


@dataclass(frozen=True)
class Sample:
    at: float  # time.time()
    values: dict[str, float]  # CPU seconds by group


class CpuSampler:
    """Reads its groups' CPU every ``interval`` seconds in a thread, for windows cut later."""

    def __init__(self, groups: Iterable[CpuGroup], interval: float = 0.1) -> None:
        self.groups = {group.name: group for group in groups}
        self.interval = interval
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)

    def __enter__(self) -> CpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self, rescan: bool = False) -> None:
        if rescan:
            parent_of = parents()
            for group in self.groups.values():
                group.rescan(parent_of)
        values = {name: group.read() for name, group in self.groups.items()}
        self.samples.append(Sample(time.time(), values))

    def _run(self) -> None:
        count = 0
        while True:
            self.sample(rescan=count % TREE_RESCAN_SAMPLES == 0)
            count += 1
            if self._stop.wait(self.interval):
                self.sample(rescan=True)
                return

    def at(self, name: str, instant: float) -> float:
        """The group's CPU seconds at ``instant``, interpolated between samples."""
        samples = list(self.samples)
        if not samples:
            return 0.0
        times = [s.at for s in samples]
        i = bisect.bisect_left(times, instant)
        if i == 0:
            return samples[0].values[name]
        if i == len(samples):
            return samples[-1].values[name]
        before, after = samples[i - 1], samples[i]
        share = (instant - before.at) / (after.at - before.at)
        return before.values[name] + share * (after.values[name] - before.values[name])

    def cpu(self, name: str, start: float, end: float) -> float:
        """CPU seconds the group used from ``start`` to ``end`` (``time.time()`` instants)."""
        return self.at(name, end) - self.at(name, start)


def per_op_us(cpu_seconds: float, operations: int) -> float:
    return cpu_seconds / operations * 1e6 if operations else 0.0


class PostgresCpu:
    """Groups for PostgreSQL: ``pg`` (the backends connected to ``database``, looked up
    every ``poll`` seconds, less those ``exclude``d), ``pg_server`` (the postmaster's whole
    tree) and ``pg_bench`` (the benchmark's own backends: this one's look-ups and those
    ``exclude``d, to subtract from ``pg_server``)."""

    def __init__(self, dsn: str, database: str, poll: float = 0.5) -> None:
        self.dsn = dsn  # a connection to another database: this one is not counted in ``pg``
        self.database = database
        self.poll = poll
        self.backends = CpuGroup("pg")
        self.server = CpuGroup("pg_server")
        self.bench = CpuGroup("pg_bench")
        self._excluded: set[int] = set()

    def groups(self) -> list[CpuGroup]:
        return [self.backends, self.server, self.bench]

    def exclude(self, pid: int) -> None:
        """A backend of the benchmark's own (reading progress): not Sendout's."""
        self._excluded.add(pid)
        self.bench.add(pid)

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        conn = await asyncpg.connect(self.dsn)
        try:
            own = int(await conn.fetchval("SELECT pg_backend_pid()"))
            self.bench.add(own)
            stat = proc_stat(own)
            if stat is None:
                raise RuntimeError("PostgreSQL's backends are not in this machine's /proc")
            self.server.add(stat[0])  # the backend's parent: the postmaster
            task = asyncio.create_task(self._look_up(conn))
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                await self._add_backends(conn)
        finally:
            await conn.close()

    async def _add_backends(self, conn: asyncpg.Connection) -> None:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1", self.database
        )
        for row in rows:
            if int(row["pid"]) not in self._excluded:
                self.backends.add(int(row["pid"]))

    async def _look_up(self, conn: asyncpg.Connection) -> None:
        while True:
            await self._add_backends(conn)
            await asyncio.sleep(self.poll)
