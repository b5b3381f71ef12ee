"""Durability of webhook delivery, end to end, with real processes and a real receiver.

- SQLite: the worker is killed with SIGKILL while 2,000 send-outs are going out, and a new
  worker is started: every send-out arrives at least once, none is lost, and only the ones in
  flight at the kill arrive twice (at most ``SENDOUT_DELIVERY_CONCURRENCY`` of them).
- PostgreSQL: two worker processes share 2,000 send-outs in normal operation: each one arrives
  exactly once.

Each test starts its own ``sendout serve --no-worker`` (API only) and ``sendout worker``
processes on a database of its own, and an aiohttp receiver on 127.0.0.1 that counts the
requests per ``webhook-id`` (the send-out id).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Self

import aiohttp
import orjson
import pytest
from aiohttp import web

from tests.conftest import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    create_pg_database,
    drop_pg_database,
    require_postgres,
)
from tests.db_faults import end_connections
from tests.e2e.conftest import Server, free_port, request, stop_server

SENDOUTS = 2_000
APP_ID, APP_TOKEN = "durability-app", "durability-token"
STARTUP_TIMEOUT = 30.0  # seconds for a process to start
POST_TIMEOUT = 60.0  # seconds to post all the events
DELIVERY_WAIT = 45.0  # seconds for every send-out to be DELIVERED
RECOVERY_WAIT = 30.0  # the same after a kill: the lease (2 s timeout + 5 s), with ample room
QUIET_PERIOD = 1.0  # seconds without a request after the last DELIVERED
PAGE = 100  # the largest page of GET /v1/sendouts


# --- the receiver ---------------------------------------------------------------------------


class Receiver:
    """An aiohttp endpoint on its own thread and loop: counts requests per ``webhook-id``
    (counted on arrival, before the answer) and answers 200 after ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.counts: Counter[str] = Counter()
        self.peer_ports: Counter[int] = Counter()  # requests per client (source) port
        self.total = 0
        self.lock = threading.Lock()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="receiver", daemon=True)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)

    def stop(self) -> None:
        if self._runner is not None:
            future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
            future.result(timeout=15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def _handle(self, incoming: web.Request) -> web.Response:
        await incoming.read()
        webhook_id = incoming.headers.get("webhook-id", "")
        peer = incoming.transport.get_extra_info("peername") if incoming.transport else None
        with self.lock:
            self.counts[webhook_id] += 1
            self.total += 1
            if peer is not None:
                self.peer_ports[int(peer[1])] += 1
        await asyncio.sleep(self.delay)
        return web.Response(text="ok")

    def snapshot(self) -> tuple[Counter[str], int]:
        with self.lock:
            return Counter(self.counts), self.total

    def distinct(self) -> int:
        with self.lock:
            return len(self.counts)


@pytest.fixture
def receiver_factory() -> Iterator[list[Receiver]]:
    started: list[Receiver] = []
    yield started
    for receiver in started:
        receiver.stop()


def start_receiver(started: list[Receiver], delay: float) -> Receiver:
    receiver = Receiver(delay)
    receiver.start()
    started.append(receiver)
    return receiver


@dataclass
class Api:
    """Raw HTTP calls with the fixed key pair ``serve`` makes sure exists."""

    server: Server
    auth = MappingProxyType({"X-App-Id": APP_ID, "X-App-Token": APP_TOKEN})

    def call(self, method: str, path: str, json: Any = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", **self.auth}
        body = None if json is None else orjson.dumps(json)
        status, _, content = request(self.server, method, path, body, headers)
        return status, orjson.loads(content) if content else None


# --- the sendout processes ------------------------------------------------------------------


class Processes:
    """The ``sendout`` processes of one test, each stopped (by PID) when the block ends."""

    def __init__(self, workdir: Path, database_url: str, extra_env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = {
            **os.environ,
            "SENDOUT_DATABASE_URL": database_url,
            "SENDOUT_APP_ID": APP_ID,
            "SENDOUT_APP_TOKEN": APP_TOKEN,
            "SENDOUT_ALLOWED_TARGETS": "127.0.0.0/8",
            **extra_env,
        }
        self.started: list[subprocess.Popen[bytes]] = []
        self.logs: dict[int, Path] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                stop_server(process)  # SIGTERM, then SIGKILL after 15 s

    def _spawn(self, args: list[str], name: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.workdir / f"{name}-{len(self.started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "sendout", *args],
                cwd=self.workdir,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.started.append(process)
        self.logs[process.pid] = log
        return process, log

    def api(self) -> Api:
        """``sendout serve --no-worker``: the API alone, ready when /healthz answers."""
        port = free_port()
        process, log = self._spawn(["serve", "--no-worker", "--port", str(port)], "api")
        server = Server("127.0.0.1", port, log)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"sendout serve exited:\n{log.read_text()}")
            try:
                if request(server, "GET", "/healthz")[0] == 200:
                    return Api(server)
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"sendout serve did not start:\n{log.read_text()}")

    def workers(self, count: int = 1) -> list[subprocess.Popen[bytes]]:
        """``count`` ``sendout worker`` processes of their own, started together, returned
        once each has logged its start."""
        spawned = [self._spawn(["worker"], "worker") for _ in range(count)]
        deadline = time.monotonic() + STARTUP_TIMEOUT
        waiting = list(spawned)
        while waiting and time.monotonic() < deadline:
            for process, log in list(waiting):
                if process.poll() is not None:
                    raise RuntimeError(f"sendout worker exited:\n{log.read_text()}")
                if "worker started" in log.read_text(errors="replace"):
                    waiting.remove((process, log))
            time.sleep(0.05)
        if waiting:
            raise RuntimeError(f"sendout worker did not start:\n{self.log_tails()}")
        return [process for process, _ in spawned]

    def log_tails(self, lines: int = 15) -> str:
        parts = []
        for pid, log in self.logs.items():
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name} (pid {pid})\n" + "\n".join(tail))
        return "\n".join(parts)


# --- driving the API ------------------------------------------------------------------------


def create_distribution(api: Api, url: str, event: str) -> str:
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Durability",
            "trigger": {"event": "customer.custom_event", "custom_event": event},
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    "type": "webhook",
                    "event_name": "durability",
                    "url": url,
                    "payload": '{"customer": "{{customer.source_id}}"}',
                }
            ],
        },
    )
    assert status == 200, created
    return str(created["id"])


def post_events(api: Api, event: str, count: int, concurrency: int = 16) -> None:
    """``count`` custom events, one customer each, posted ``concurrency`` at a time."""

    async def post_all() -> None:
        slots = asyncio.Semaphore(concurrency)
        timeout = aiohttp.ClientTimeout(total=30)
        headers = {**api.auth, "Content-Type": "application/json"}
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:

            async def post(i: int) -> None:
                body = {"event": event, "customer": {"source_id": f"durability-{i}"}}
                async with slots, session.post(f"{api.server.url}/v1/events", json=body) as r:
                    assert r.status == 200, (i, r.status, await r.text())

            await asyncio.gather(*(post(i) for i in range(count)))

    asyncio.run(asyncio.wait_for(post_all(), POST_TIMEOUT))


def delivered_count(api: Api, distribution_id: str) -> int:
    status, listing = api.call(
        "GET", f"/v1/sendouts?distribution_id={distribution_id}&status=DELIVERED&limit=1"
    )
    assert status == 200, listing
    return int(listing["total"])


def wait_all_delivered(
    api: Api,
    distribution_id: str,
    expected: int,
    receiver: Receiver,
    procs: Processes,
    within: float = DELIVERY_WAIT,
) -> float:
    """Waits (bounded) until ``expected`` send-outs are DELIVERED; returns the seconds taken."""
    started = time.monotonic()
    deadline = started + within
    delivered = 0
    while time.monotonic() < deadline:
        delivered = delivered_count(api, distribution_id)
        if delivered >= expected:
            return time.monotonic() - started
        time.sleep(0.25)
    counts, total = receiver.snapshot()
    raise AssertionError(
        f"after {within:.0f} s: {delivered} of {expected} send-outs DELIVERED; "
        f"the receiver saw {len(counts)} distinct ids in {total} requests\n{procs.log_tails()}"
    )


def all_sendouts(api: Api, distribution_id: str) -> dict[str, str]:
    """Every send-out of the distribution: id -> status."""
    found: dict[str, str] = {}
    page = 1
    while True:
        status, listing = api.call(
            "GET", f"/v1/sendouts?distribution_id={distribution_id}&limit={PAGE}&page={page}"
        )
        assert status == 200, listing
        found.update({s["id"]: s["status"] for s in listing["sendouts"]})
        if not listing["has_more"]:
            return found
        page += 1


def wait_quiet(receiver: Receiver) -> None:
    """No request may arrive once everything is DELIVERED: wait a moment and see."""
    _, before = receiver.snapshot()
    time.sleep(QUIET_PERIOD)
    _, after = receiver.snapshot()
    assert after == before, f"{after - before} requests arrived after all were DELIVERED"


# --- which process sent what ----------------------------------------------------------------


def client_ports_of(pid: int, server_port: int) -> set[int]:
    """Local ports of ``pid``'s open TCP connections to ``server_port`` (Linux ``/proc``)."""
    inodes: set[str] = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports: set[int] = set()
    for table in (Path(f"/proc/{pid}/net/tcp"), Path(f"/proc/{pid}/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == server_port:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


# --- the tests ------------------------------------------------------------------------------


def test_sqlite_a_worker_killed_mid_stream_loses_nothing_and_repeats_only_in_flight(
    tmp_path: Path, receiver_factory: list[Receiver]
) -> None:
    concurrency = 32
    kill_after = 400  # distinct send-outs received before the kill
    receiver = start_receiver(receiver_factory, delay=0.005)
    settings = {
        "SENDOUT_DELIVERY_TIMEOUT": "2",  # lease = timeout + 5 s: due again ~7 s after a kill
        "SENDOUT_DELIVERY_CONCURRENCY": str(concurrency),
        "SENDOUT_ENDPOINT_CONCURRENCY": str(concurrency),
    }
    with Processes(tmp_path, f"sqlite:///{tmp_path / 'sendout.db'}", settings) as procs:
        api = procs.api()
        distribution_id = create_distribution(api, receiver.url, "durability_crash")
        post_events(api, "durability_crash", SENDOUTS)

        (first,) = procs.workers()
        deadline = time.monotonic() + 30
        while receiver.distinct() < kill_after and time.monotonic() < deadline:
            time.sleep(0.002)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = time.monotonic()
        time.sleep(0.3)  # requests the dead worker had already written are still read
        before_kill, requests_before = receiver.snapshot()
        assert kill_after <= len(before_kill) < SENDOUTS, (
            f"the kill did not land mid-stream: {len(before_kill)} of {SENDOUTS} received"
            f"\n{procs.log_tails()}"
        )

        procs.workers()
        recovery = wait_all_delivered(
            api, distribution_id, SENDOUTS, receiver, procs, within=RECOVERY_WAIT
        )
        wait_quiet(receiver)
        sendouts = all_sendouts(api, distribution_id)
        counts, total = receiver.snapshot()
        logs = procs.log_tails()

    repeated = {i: n for i, n in counts.items() if n > 1}
    print(
        f"\nkilled after {len(before_kill)} distinct ids ({requests_before} requests); "
        f"all DELIVERED {recovery:.1f} s after the restart "
        f"({time.monotonic() - killed_at:.1f} s after the kill); "
        f"{total} requests, {total - len(counts)} repeats over {len(repeated)} ids"
    )
    assert len(sendouts) == SENDOUTS
    assert set(sendouts.values()) == {"DELIVERED"}
    assert "" not in counts, "a request came without a webhook-id"
    lost = set(sendouts) - set(counts)
    assert not lost, f"{len(lost)} send-outs never arrived, e.g. {sorted(lost)[:5]}"
    assert set(counts) == set(sendouts), f"unknown ids arrived: {set(counts) - set(sendouts)}"
    assert all(n >= 1 for n in counts.values())
    # Repeats only for the send-outs in flight at the kill: ones the dead worker had sent out,
    # no more of them than it could have had in flight.
    assert set(repeated) <= set(before_kill), (
        f"repeated ids the killed worker never sent: {set(repeated) - set(before_kill)}"
    )
    # The documented bound (README, "Guarantees"): a worker killed with SIGKILL repeats at
    # most the attempts it had in flight, so repeats <= SENDOUT_DELIVERY_CONCURRENCY per kill.
    kills = 1
    assert total - SENDOUTS <= concurrency * kills, (
        f"{total - SENDOUTS} repeated deliveries over {len(repeated)} ids, more than the "
        f"{concurrency} attempts a worker may have in flight; counts of the repeated: "
        f"{sorted(Counter(repeated.values()).items())}\n{logs}"
    )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database of this test's own, dropped at the end."""
    require_postgres()
    name = asyncio.run(create_pg_database())
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        asyncio.run(drop_pg_database(name))


@pytest.mark.postgres
def test_postgres_two_workers_deliver_every_sendout_exactly_once(
    tmp_path: Path, postgres_url: str, receiver_factory: list[Receiver]
) -> None:
    # A delay makes one worker alone need over a second, so both take part.
    receiver = start_receiver(receiver_factory, delay=0.02)
    settings = {"SENDOUT_DELIVERY_CONCURRENCY": "32", "SENDOUT_ENDPOINT_CONCURRENCY": "32"}
    with Processes(tmp_path, postgres_url, settings) as procs:
        api = procs.api()  # migrates the fresh database before any worker starts
        distribution_id = create_distribution(api, receiver.url, "durability_pair")
        post_events(api, "durability_pair", SENDOUTS)

        workers = procs.workers(2)
        took = wait_all_delivered(api, distribution_id, SENDOUTS, receiver, procs)
        wait_quiet(receiver)
        sendouts = all_sendouts(api, distribution_id)
        counts, total = receiver.snapshot()
        # Which worker sent what: each worker's open keep-alive connections to the receiver
        # (Linux /proc; the connections stay open for the pool's keep-alive time).
        with receiver.lock:
            peer_ports = Counter(receiver.peer_ports)
        sent_by = {
            w.pid: sum(peer_ports[p] for p in client_ports_of(w.pid, receiver.port))
            for w in workers
        }
        logs = procs.log_tails()

    print(
        f"\n{SENDOUTS} send-outs DELIVERED by two workers in {took:.1f} s; "
        f"requests per worker (by its open connections): {sent_by}"
    )
    assert len(sendouts) == SENDOUTS
    assert set(sendouts.values()) == {"DELIVERED"}
    assert set(counts) == set(sendouts), (
        f"lost: {len(set(sendouts) - set(counts))}, unknown: {len(set(counts) - set(sendouts))}"
    )
    repeated = {i: n for i, n in counts.items() if n != 1}
    assert not repeated, f"{len(repeated)} send-outs arrived more than once\n{logs}"
    assert total == SENDOUTS
    assert all(n > 0 for n in sent_by.values()), f"a worker sent nothing: {sent_by}\n{logs}"


@pytest.mark.parametrize("connections_ended", [False, True], ids=["steady", "connections-ended"])
def test_postgres_a_separate_worker_is_woken_by_notify_not_by_polling(
    tmp_path: Path, postgres_url: str, receiver_factory: list[Receiver], connections_ended: bool
) -> None:
    """With polling set to once a minute, the worker in its own process can only deliver in
    seconds if the API's commit woke it (LISTEN/NOTIFY), also after the server ended every
    connection of the database (the worker's LISTEN among them) between two events."""
    receiver = start_receiver(receiver_factory, delay=0.0)
    settings = {"SENDOUT_WORKER_POLL_SECONDS": "60"}
    with Processes(tmp_path, postgres_url, settings) as procs:
        api = procs.api()
        distribution_id = create_distribution(api, receiver.url, "notify_wake")
        (worker,) = procs.workers(1)
        time.sleep(1.0)  # the worker's first cycle has run and found nothing: it now waits
        for round_ in range(3):
            if connections_ended and round_ == 1:
                assert asyncio.run(end_connections(postgres_url.rsplit("/", 1)[1])) >= 1
                wait_logged(procs.logs[worker.pid], "listening for work again", within=10.0)
                time.sleep(0.5)  # the wake-up of its return has run and found nothing
            post_events(api, "notify_wake", 1)
            wait_all_delivered(api, distribution_id, round_ + 1, receiver, procs, within=10.0)


def wait_logged(log: Path, text: str, within: float) -> None:
    deadline = time.monotonic() + within
    while text not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"never logged {text!r}:\n{log.read_text()}"
        time.sleep(0.05)
