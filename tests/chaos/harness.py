"""Real ``sendout`` processes, a real receiver and the API calls that drive them: what the
durability tests (tests/e2e/test_delivery_durability.py) and the chaos scenarios share.

- ``Receiver`` (receiver.py): where the webhooks go, counted per send-out and customer;
- ``Processes``: the ``sendout serve`` / ``sendout worker`` processes of one run, each stopped
  by its PID at the end (and the dispatch helpers they started, if still alive);
- ``create_distribution``, ``post_events``, ``all_sendouts``...: the real API, over HTTP.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Self

import aiohttp
import orjson

from tests.chaos.receiver import Receiver
from tests.e2e.conftest import Server, free_port, request, stop_server

APP_ID, APP_TOKEN = "durability-app", "durability-token"
STARTUP_TIMEOUT = 30.0  # seconds for a process to start
POST_TIMEOUT = 60.0  # seconds to post all the events
DELIVERY_WAIT = 45.0  # seconds for every send-out to be DELIVERED
QUIET_PERIOD = 1.0  # seconds without a request after the last DELIVERED
PAGE = 100  # the largest page of GET /v1/sendouts
CUSTOMER_PREFIX = "durability-"  # customer i's source_id is CUSTOMER_PREFIX + str(i)
HELPER_MODULE = "sendout.entrypoints.dispatch_process"  # SQLite's dispatch helper


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
        self.helpers: set[int] = set()  # dispatch helpers seen (children of ours)
        self.serving: subprocess.Popen[bytes] | None = None  # the latest ``serve``

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for process in reversed(self.started):
            self.helpers_of(process.pid)  # noted now: stopping the parent orphans them
            if process.poll() is None:
                stop_server(process)  # SIGTERM, then SIGKILL after 15 s
        # A helper whose parent was killed stops once its stdin ends; one that has not yet
        # is stopped here, by the PID it had (and only while that is still a helper).
        for pid in self.helpers:
            if _is_helper(pid):
                os.kill(pid, signal.SIGKILL)

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

    def api(self, port: int | None = None, *, with_worker: bool = False) -> Api:
        """``sendout serve --no-worker`` (the API alone), or ``sendout serve`` with its
        worker; on ``port`` (to start one again where its clients expect it) or a free one;
        ready when /healthz answers."""
        port = port or free_port()
        args = ["serve", "--port", str(port)] + ([] if with_worker else ["--no-worker"])
        process, log = self._spawn(args, "serve" if with_worker else "api")
        self.serving = process
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

    def helpers_of(self, pid: int) -> list[int]:
        """The dispatch helpers ``pid`` (one of ours) runs now; remembered, so that they are
        stopped at the end even if ``pid`` is killed first."""
        found = [child for child in _children(pid) if _is_helper(child)]
        self.helpers.update(found)
        return found

    def log_tails(self, lines: int = 15) -> str:
        parts = []
        for pid, log in self.logs.items():
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name} (pid {pid})\n" + "\n".join(tail))
        return "\n".join(parts)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux ``/proc``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _is_helper(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return HELPER_MODULE.encode() in command and state != "Z"


# --- driving the API ------------------------------------------------------------------------


def create_distribution(api: Api, url: str, event: str, retry: dict[str, int] | None = None) -> str:
    """An active distribution: each ``event`` sends one webhook to ``url`` naming the
    customer (with the channel's ``retry`` ladder, if given)."""
    channel: dict[str, Any] = {
        "type": "webhook",
        "event_name": "durability",
        "url": url,
        "payload": '{"customer": "{{customer.source_id}}"}',
    }
    if retry is not None:
        channel["retry"] = retry
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Durability",
            "trigger": {"event": "customer.custom_event", "custom_event": event},
            "action": {"type": "PLAIN"},
            "channels": [channel],
        },
    )
    assert status == 200, created
    return str(created["id"])


def post_events(
    api: Api,
    event: str,
    count: int,
    concurrency: int = 16,
    *,
    first: int = 0,
    tolerate_failures: bool = False,
    into: set[str] | None = None,
) -> set[str]:
    """``count`` custom events, one customer each (numbered from ``first``), posted
    ``concurrency`` at a time; returns the customers whose event was accepted (200), also
    added to ``into`` as they are (for another thread to follow). A refused or failed post
    fails the call, unless ``tolerate_failures`` (a server killed meanwhile): then a post
    that never reached a server is sent again once one listens, and one cut after that is
    left out, not retried, since the event may have been recorded."""
    accepted: set[str] = set() if into is None else into

    async def post_all() -> None:
        slots = asyncio.Semaphore(concurrency)
        timeout = aiohttp.ClientTimeout(total=30)
        headers = {**api.auth, "Content-Type": "application/json"}
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:

            async def post(i: int) -> None:
                customer = f"{CUSTOMER_PREFIX}{i}"
                body = {"event": event, "customer": {"source_id": customer}}
                async with slots:
                    while True:
                        try:
                            url = f"{api.server.url}/v1/events"
                            async with session.post(url, json=body) as r:
                                ok, detail = r.status == 200, (i, r.status, await r.text())
                        except aiohttp.ClientConnectorError:
                            if not tolerate_failures:
                                raise
                            await asyncio.sleep(0.05)  # no server yet: it never arrived
                            continue
                        except (aiohttp.ClientError, TimeoutError) as failure:
                            ok, detail = False, (i, 0, repr(failure))
                        break
                if ok:
                    accepted.add(customer)
                elif not tolerate_failures:
                    raise AssertionError(detail)

            await asyncio.gather(*(post(i) for i in range(first, first + count)))

    asyncio.run(asyncio.wait_for(post_all(), POST_TIMEOUT))
    return accepted


def sendout_total(api: Api, distribution_id: str, status: str | None = None) -> int:
    """How many send-outs the distribution has (in ``status``, if given)."""
    where = f"&status={status}" if status else ""
    path = f"/v1/sendouts?distribution_id={distribution_id}{where}&limit=1"
    code, listing = api.call("GET", path)
    assert code == 200, listing
    return int(listing["total"])


def delivered_count(api: Api, distribution_id: str) -> int:
    return sendout_total(api, distribution_id, "DELIVERED")


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
