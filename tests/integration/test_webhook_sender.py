"""The webhook transport against real sockets on 127.0.0.1, and its SSRF refusal."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import ClassVar

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from sendout.adapters.channels.webhook import (
    REFUSED,
    PublicOnlyResolver,
    TargetRefused,
    WebhookSender,
    guarded_socket_factory,
)
from sendout.domain.deliveries import OutboundRequest, SendResult
from sendout.domain.targets import is_public_address, parse_address

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.read())
        if request.path == "/redirect":
            raise web.HTTPFound("/elsewhere")
        return web.Response(status=202, text="accepted", headers={"X-Seen": "1"})

    app = web.Application()
    app.router.add_post("/{tail:.*}", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", received
    await runner.cleanup()


async def test_any_2xx_is_delivered_and_the_response_is_kept(
    endpoint: tuple[str, list[bytes]],
) -> None:
    url, received = endpoint
    sender = WebhookSender(allowed_targets=LOOPBACK)
    try:
        result = await sender.send(OutboundRequest(url=url + "/hook", headers={}, body=b'{"a":1}'))
    finally:
        await sender.close()
    assert result.delivered
    assert (result.status_code, result.response_excerpt) == (202, "accepted")
    assert result.response_headers["X-Seen"] == "1"
    assert received == [b'{"a":1}']


async def test_redirects_are_not_followed(endpoint: tuple[str, list[bytes]]) -> None:
    url, received = endpoint
    sender = WebhookSender(allowed_targets=LOOPBACK)
    try:
        result = await sender.send(OutboundRequest(url=url + "/redirect", headers={}, body=b"x"))
    finally:
        await sender.close()
    assert result.status_code == 302
    assert not result.delivered
    assert len(received) == 1


async def test_a_closed_port_is_a_failure_value_not_an_exception() -> None:
    sender = WebhookSender(allowed_targets=LOOPBACK)
    try:
        result = await sender.send(
            OutboundRequest(url="http://127.0.0.1:9/x", headers={}, body=b"")
        )
    finally:
        await sender.close()
    assert result.status_code is None
    assert result.error is not None
    assert not result.final


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_private_targets_are_refused_by_default(
    endpoint: tuple[str, list[bytes]], host: str
) -> None:
    url, received = endpoint
    sender = WebhookSender()
    try:
        result = await sender.send(
            OutboundRequest(url=url.replace("127.0.0.1", host) + "/hook", headers={}, body=b"x")
        )
    finally:
        await sender.close()
    assert (result.error, result.final) == (REFUSED, True)
    assert received == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("::1", False),
        ("fe80::1", False),
        ("::ffff:10.0.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("not an address", False),
    ],
)
def test_address_classification(address: str, public: bool) -> None:
    assert is_public_address(address) is public


# --- SSRF: every spelling of a non-public target is refused before any connection -------------


class FakeDNS(AbstractResolver):
    """Answers from a table, as a DNS server under an attacker's control would: names that look
    harmless resolve to loopback, private and metadata addresses. Numeric spellings such as
    ``0x7f000001`` go to the system's getaddrinfo, which reads them without any network."""

    RECORDS: ClassVar[dict[str, list[str]]] = {
        "rebind.test": ["127.0.0.1"],
        "private.test": ["10.0.0.1"],
        "metadata.test": ["169.254.169.254"],
        "v6only.test": ["::1"],
        "mapped.test": ["::ffff:127.0.0.1"],
        "mixed.test": ["10.0.0.1", "169.254.169.254", "fd00::1", "127.0.0.1"],
    }

    def __init__(self) -> None:
        self.asked: list[str] = []
        self._system = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        name = host.lower().rstrip(".")
        if name not in self.RECORDS:
            if parse_address(name) is None:
                raise OSError(socket.EAI_NONAME, f"{host} not in the test zone")
            return await self._system.resolve(host, port, family)
        found = []
        for address in self.RECORDS[name]:
            fam = socket.AF_INET6 if ":" in address else socket.AF_INET
            if family in (fam, socket.AF_UNSPEC):
                found.append(
                    ResolveResult(
                        hostname=host, host=address, port=port, family=fam, proto=0, flags=0
                    )
                )
        return found

    async def close(self) -> None:
        await self._system.close()


@dataclass
class Receiver:
    """A real aiohttp receiver on 127.0.0.1 that also counts TCP connections, so a refusal is
    seen to happen before connecting, not merely before a request is answered."""

    port: int
    bodies: list[bytes] = field(default_factory=list)
    connections: int = 0


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async def hook(request: web.Request) -> web.Response:
        found.bodies.append(await request.read())
        return web.Response(status=202, text="accepted")

    app = web.Application()
    app.router.add_post("/{tail:.*}", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    assert runner.server is not None
    handler_factory = runner.server

    def counting() -> asyncio.Protocol:
        found.connections += 1
        return handler_factory()

    server = await asyncio.get_running_loop().create_server(counting, "127.0.0.1", 0)
    found = Receiver(port=server.sockets[0].getsockname()[1])
    yield found
    server.close()
    await runner.cleanup()
    await server.wait_closed()


REFUSED_URLS = [
    "http://127.0.0.1:{port}/hook",
    "http://127.1:{port}/hook",
    "http://127.0.1:{port}/hook",
    "http://0x7f000001:{port}/hook",
    "http://0x7f.1:{port}/hook",
    "http://0X7F.0.0.1:{port}/hook",
    "http://2130706433:{port}/hook",
    "http://0177.0.0.1:{port}/hook",
    "http://017700000001:{port}/hook",
    "http://127.000.000.001:{port}/hook",
    "http://127.0.0.1.:{port}/hook",
    "http://0x7f000001.:{port}/hook",
    # yarl folds these to 127.0.0.1 (urllib.parse does not): aiohttp then connects without
    # asking the resolver, so only a check on yarl's host catches them.
    "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:{port}/hook",  # full-width digits
    "http://\u2460\u2461\u2466.0.0.1:{port}/hook",  # circled digits
    "http://127\u30020\u30020\u30021:{port}/hook",  # ideographic full stops
    "http://[::1]:{port}/hook",
    "http://[0:0:0:0:0:0:0:1]:{port}/hook",
    "http://[::ffff:127.0.0.1]:{port}/hook",
    "http://[::ffff:7f00:1]:{port}/hook",
    "http://[0:0:0:0:0:ffff:127.0.0.1]:{port}/hook",
    "http://[::127.0.0.1]:{port}/hook",
    "http://[::1%25lo]:{port}/hook",
    "http://[fe80::1%25eth0]:{port}/hook",
    "http://[64:ff9b::7f00:1]:{port}/hook",
    "http://[2002:7f00:1::]:{port}/hook",
    "http://localhost:{port}/hook",
    "http://LOCALHOST.:{port}/hook",
    "http://LocalHost:{port}/hook",
    "http://api.localhost:{port}/hook",
    "http://\u24db\u24de\u24d2\u24d0\u24db\u24d7\u24de\u24e2\u24e3:{port}/hook",  # circled letters
    "https://localhost:{port}/hook",
    "http://0:{port}/hook",
    "http://0.0.0.0:{port}/hook",
    "http://[::]:{port}/hook",
    "http://user:secret@127.0.0.1:{port}/hook",
    "http://127.0.0.1:80@localhost:{port}/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://0xa9fea9fe/latest/meta-data",
    "http://[::ffff:169.254.169.254]/latest/meta-data",
    "http://10.0.0.1:{port}/hook",
    "http://172.16.0.1:{port}/hook",
    "http://192.168.1.1:{port}/hook",
    "http://100.64.0.1:{port}/hook",
    "http://[fd00::1]:{port}/hook",
    # names whose DNS answers are private: refused on the resolved address
    "http://rebind.test:{port}/hook",
    "http://REBIND.TEST.:{port}/hook",
    "http://private.test:{port}/hook",
    "http://metadata.test/latest/meta-data",
    "http://v6only.test:{port}/hook",
    "http://mapped.test:{port}/hook",
    "http://mixed.test:{port}/hook",
]


async def _send(sender: WebhookSender, template: str, port: int) -> SendResult:
    try:
        url = template.format(port=port)
        return await sender.send(OutboundRequest(url=url, headers={}, body=b'{"n":1}'))
    finally:
        await sender.close()


def test_the_url_table_is_large_enough() -> None:
    assert len(set(REFUSED_URLS)) == len(REFUSED_URLS) >= 40


@pytest.mark.parametrize("template", REFUSED_URLS)
async def test_non_public_targets_are_refused_in_every_spelling(
    receiver: Receiver, template: str
) -> None:
    result = await _send(WebhookSender(timeout=2, resolver=FakeDNS()), template, receiver.port)
    assert (result.status_code, result.error, result.final) == (None, REFUSED, True)
    assert not result.delivered
    assert (receiver.connections, receiver.bodies) == (0, [])


@pytest.mark.parametrize(
    "template",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",
        "http://LOCALHOST.:{port}/hook",
        "http://0x7f000001:{port}/hook",  # through getaddrinfo
        "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:{port}/hook",
        "http://[::ffff:127.0.0.1]:{port}/hook",  # the embedded address is in the range
        "http://user:secret@127.0.0.1:{port}/hook",
        "http://rebind.test:{port}/hook",
        "http://mapped.test:{port}/hook",
        "http://mixed.test:{port}/hook",
    ],
)
async def test_an_allowed_range_is_reached(receiver: Receiver, template: str) -> None:
    sender = WebhookSender(timeout=2, allowed_targets=LOOPBACK, resolver=FakeDNS())
    result = await _send(sender, template, receiver.port)
    assert (result.status_code, result.error, result.response_excerpt) == (202, None, "accepted")
    assert receiver.bodies == [b'{"n":1}']


@pytest.mark.parametrize(
    "template",
    [
        "http://[::1]:{port}/hook",
        "http://10.0.0.1:{port}/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[64:ff9b::7f00:1]:{port}/hook",  # NAT64 leads through a gateway, not here
        "http://private.test:{port}/hook",
        "http://v6only.test:{port}/hook",
    ],
)
async def test_an_allowed_range_opens_nothing_else(receiver: Receiver, template: str) -> None:
    sender = WebhookSender(timeout=2, allowed_targets=LOOPBACK, resolver=FakeDNS())
    result = await _send(sender, template, receiver.port)
    assert (result.error, result.final) == (REFUSED, True)
    assert receiver.connections == 0


async def test_the_resolver_keeps_only_allowed_addresses_of_a_mixed_answer() -> None:
    dns = FakeDNS()
    resolver = PublicOnlyResolver(LOOPBACK, inner=dns)
    try:
        found = await resolver.resolve("mixed.test", 443, socket.AF_UNSPEC)
        assert [entry["host"] for entry in found] == ["127.0.0.1"]
        with pytest.raises(TargetRefused, match=r"169\.254\.169\.254: link-local"):
            await PublicOnlyResolver(inner=dns).resolve("mixed.test", 443, socket.AF_UNSPEC)
        # localhost means loopback without asking DNS (RFC 6761)
        found = await resolver.resolve("LocalHost.", 443, socket.AF_UNSPEC)
        assert [entry["host"] for entry in found] == ["127.0.0.1"]
        assert dns.asked == ["mixed.test", "mixed.test"]
    finally:
        await resolver.close()


def test_the_socket_factory_refuses_what_slips_past_both_checks() -> None:
    create = guarded_socket_factory(())
    addr_info = (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", 80))
    with pytest.raises(TargetRefused):
        create(addr_info)
    v6 = (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("fe80::1%lo", 80, 0, 1))
    with pytest.raises(TargetRefused):
        create(v6)
    with guarded_socket_factory(LOOPBACK)(addr_info) as sock:
        assert sock.family == socket.AF_INET


# --- a 2xx is delivered even when the receiver sends a body it should not ----------------------


@asynccontextmanager
async def scripted_receiver(*chunks: bytes) -> AsyncIterator[tuple[int, list[int]]]:
    """A raw HTTP server that answers every request with ``chunks``, written with a pause in
    between (so the head and the body arrive as separate reads) and counts connections."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                for index, chunk in enumerate(chunks):
                    if index:
                        await asyncio.sleep(0.02)
                    writer.write(chunk)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], connections
    finally:
        server.close()
        await server.wait_closed()


HEAD_204 = b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"


@pytest.mark.parametrize(
    ("chunks", "status"),
    [
        pytest.param([HEAD_204 + b"hello"], 204, id="204-body-in-one-write"),
        pytest.param([HEAD_204, b"hello"], 204, id="204-body-written-later"),
        pytest.param(
            [
                b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\n0\r\n\r\n"
            ],
            204,
            id="204-chunked-body",
        ),
        pytest.param(
            [b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\nhello"],
            204,
            id="204-body-then-close",
        ),
        pytest.param([b"HTTP/1.0 204 No Content\r\n\r\nhello"], 204, id="http10-204-body"),
        pytest.param(
            [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nhello\r\n0\r\n\r\n"],
            200,
            id="200-malformed-chunked-body",
        ),
    ],
)
async def test_a_2xx_carrying_a_body_it_should_not_is_delivered(
    chunks: list[bytes], status: int
) -> None:
    async with scripted_receiver(*chunks) as (port, connections):
        sender = WebhookSender(timeout=2, allowed_targets=LOOPBACK)
        try:
            results = [
                await sender.send(
                    OutboundRequest(url=f"http://127.0.0.1:{port}/", headers={}, body=b"x")
                )
                for _ in range(2)
            ]
        finally:
            await sender.close()
    for result in results:
        assert (result.status_code, result.error, result.response_excerpt) == (status, None, "")
        assert result.delivered
    # The bytes after such a head cannot be trusted: the next attempt gets a new connection.
    assert len(connections) == 2


async def test_a_garbled_status_line_is_still_an_error() -> None:
    async with scripted_receiver(b"HTTP/1.1 2x4 Nope\r\n\r\nhello") as (port, _):
        sender = WebhookSender(timeout=2, allowed_targets=LOOPBACK)
        result = await _send(sender, "http://127.0.0.1:{port}/", port)
    assert result.status_code is None
    assert result.error is not None
    assert not result.delivered
