"""Raw HTTP servers on 127.0.0.1 for the webhook transports' tests: each one answers with
bytes written by hand (what a misbehaving receiver sends), counts its connections, or never
answers; and the two ways those tests send through a transport."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sendout.adapters.channels.http.http1 import Http1Sender
from sendout.adapters.channels.http.webhook import WebhookSender
from sendout.domain.deliveries import OutboundRequest, SendResult

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)

Transport = type[WebhookSender] | type[Http1Sender]

OK_200 = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"


async def send_to(sender: WebhookSender | Http1Sender, template: str, port: int) -> SendResult:
    """One request to ``template`` (a URL with ``{port}`` in it), then the sender is closed."""
    try:
        url = template.format(port=port)
        return await sender.send(OutboundRequest(url=url, headers={}, body=b'{"n":1}'))
    finally:
        await sender.close()


async def post_each(sender: WebhookSender | Http1Sender, url: str, count: int) -> list[SendResult]:
    """``count`` requests to ``url`` one after another (bodies b"0", b"1", ...), on one sender:
    so a connection kept alive between them is seen; then the sender is closed."""
    try:
        return [
            await sender.send(OutboundRequest(url=url, headers={}, body=b"%d" % n))
            for n in range(count)
        ]
    finally:
        await sender.close()


@asynccontextmanager
async def counted_server(
    answer: Callable[[int, int], bytes | list[bytes] | None],
    *,
    delay: float = 0.0,
    open_now: list[int] | None = None,
) -> AsyncIterator[tuple[int, list[bytes]]]:
    """A raw HTTP server: ``answer(connection, request)`` gives the bytes to write for the
    ``request``-th request on the ``connection``-th connection (both from 0): one write, or
    several with a pause in between (so a head and its body arrive as separate reads), or
    None to close that connection without a word (it is closed after an answer saying
    ``Connection: close``). ``delay``: a pause before each answer; ``open_now``: a one-item
    list kept at the number of connections open. Yields the port and the bodies received
    (one per request, answered or not)."""
    bodies: list[bytes] = []
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        number, served = connections, 0
        connections += 1
        if open_now is not None:
            open_now[0] += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                bodies.append(await reader.readexactly(length))
                reply = answer(number, served)
                served += 1
                if reply is None:
                    break
                if delay:
                    await asyncio.sleep(delay)
                chunks = [reply] if isinstance(reply, bytes) else reply
                for index, chunk in enumerate(chunks):
                    if index:
                        await asyncio.sleep(0.02)
                    writer.write(chunk)
                    await writer.drain()
                if any(b"Connection: close" in chunk for chunk in chunks):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if open_now is not None:
                open_now[0] -= 1
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], bodies
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def scripted_receiver(*chunks: bytes) -> AsyncIterator[tuple[int, set[int]]]:
    """A raw HTTP server answering every request with ``chunks`` (see ``counted_server``);
    yields its port and the connections it was asked on."""
    connections: set[int] = set()

    def answer(connection: int, request: int) -> list[bytes]:
        connections.add(connection)
        return list(chunks)

    async with counted_server(answer) as (port, _):
        yield port, connections


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A TCP server on 127.0.0.1 that accepts, reads, and never answers; yields its port."""
    silent: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        silent.append(writer)
        await reader.read()  # never answers

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in silent:
            writer.close()
        server.close()
        await server.wait_closed()
