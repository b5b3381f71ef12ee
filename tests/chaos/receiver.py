"""The receiver of the durability and chaos runs: an aiohttp endpoint on 127.0.0.1 that counts
deliveries per ``webhook-id`` (the send-out id) and per customer (the channel's payload
names it), on arrival."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator

import orjson
import pytest
from aiohttp import web


class Receiver:
    """An aiohttp endpoint on its own thread and loop: counts requests per ``webhook-id``
    and per customer (counted on arrival, before the answer) and answers 200 after ``delay``
    seconds."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.counts: Counter[str] = Counter()
        self.customers: Counter[str] = Counter()  # requests per customer (one per event)
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
        body = await incoming.read()
        webhook_id = incoming.headers.get("webhook-id", "")
        customer = _customer_of(body)
        peer = incoming.transport.get_extra_info("peername") if incoming.transport else None
        with self.lock:
            self.counts[webhook_id] += 1
            self.customers[customer] += 1
            self.total += 1
            if peer is not None:
                self.peer_ports[int(peer[1])] += 1
        await asyncio.sleep(self.delay)
        return web.Response(text="ok")

    def snapshot(self) -> tuple[Counter[str], int]:
        with self.lock:
            return Counter(self.counts), self.total

    def by_customer(self) -> Counter[str]:
        with self.lock:
            return Counter(self.customers)

    def distinct(self) -> int:
        with self.lock:
            return len(self.counts)


def _customer_of(body: bytes) -> str:
    """The customer a delivery is for: ``data.customer`` of the envelope (the payload
    ``create_distribution`` sets), or "" for a body of another shape."""
    try:
        envelope = orjson.loads(body)
        return str(envelope["data"]["customer"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return ""


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
