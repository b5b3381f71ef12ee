"""The delivery benchmark's load: the distributions it creates, the events it posts (closed
and open loop), and the black-hole endpoints of the isolation phase."""

from __future__ import annotations

import asyncio
import math
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from procs import HEADERS

CUSTOMERS = 100  # created by the warm-up, so measured events find them
MAX_IN_FLIGHT = 512  # latency phases: the open-loop sender never has more requests out
SEND_LIMIT = 120.0  # seconds: a load loop stops by itself after this, done or not


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


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


def event_body(n: int, endpoints: int) -> bytes:
    """Event ``n``: for distribution ``n % endpoints`` (each fires on its own event name)."""
    customer = n % CUSTOMERS
    return orjson.dumps(
        {
            "event": f"bench-{n % endpoints}",
            "customer": {"source_id": f"c-{customer}", "email": f"c{customer}@example.com"},
            "metadata": {"n": n},
        }
    )


async def wait_ready(
    session: aiohttp.ClientSession, url: str, server: subprocess.Popen[bytes] | None = None
) -> None:
    """Until ``url/healthz`` answers 200 (30 s at most); ``server``, if given, must not exit."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
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
    latencies: list[float] = field(default_factory=list)  # each request's, errors included


async def post_event(
    session: aiohttp.ClientSession, api: str, n: int, endpoints: int, sent: Sent
) -> None:
    started = time.perf_counter()
    try:
        async with session.post(
            f"{api}/v1/events", data=event_body(n, endpoints), headers=HEADERS
        ) as r:
            await r.read()
            if r.status == 200:
                sent.accepted += 1
            else:
                sent.errors += 1
    except (aiohttp.ClientError, TimeoutError):
        sent.errors += 1
    sent.latencies.append(time.perf_counter() - started)


async def post_closed(
    session: aiohttp.ClientSession,
    api: str,
    first: int,
    count: int,
    concurrency: int,
    endpoints: int,
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
            await post_event(session, api, n, endpoints, sent)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    sent.elapsed = time.perf_counter() - started
    return sent


async def post_open(
    session: aiohttp.ClientSession,
    api: str,
    first: int,
    rate: float,
    seconds: float,
    endpoints: int,
) -> Sent:
    """``rate`` events/s for ``seconds``, each sent at its planned time (open loop)."""
    sent = Sent()
    loop = asyncio.get_running_loop()
    slots = asyncio.Semaphore(MAX_IN_FLIGHT)
    tasks: set[asyncio.Task[None]] = set()

    async def one(n: int) -> None:
        try:
            await post_event(session, api, n, endpoints, sent)
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
