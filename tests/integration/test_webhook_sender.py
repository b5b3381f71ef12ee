"""The webhook transport against real sockets on 127.0.0.1, and its SSRF refusal (the raw
answers it reads are in test_webhook_sender_answers.py, its connections and HTTPS in
test_webhook_sender_connections.py)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from sendout.adapters.channels.guard import (
    REFUSED,
    PublicOnlyResolver,
    TargetRefused,
    guarded_socket_factory,
)
from sendout.domain.deliveries import OutboundRequest
from sendout.domain.targets import is_public_address
from tests.factories.raw_http import LOOPBACK, Transport, send_to
from tests.factories.targets import REFUSED_URLS
from tests.integration.standins import FakeDNS


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
    transport: Transport,
) -> None:
    url, received = endpoint
    sender = transport(allowed_targets=LOOPBACK)
    try:
        result = await sender.send(OutboundRequest(url=url + "/hook", headers={}, body=b'{"a":1}'))
    finally:
        await sender.close()
    assert result.delivered
    assert (result.status_code, result.response_excerpt) == (202, "accepted")
    assert result.response_headers["X-Seen"] == "1"
    assert received == [b'{"a":1}']


async def test_redirects_are_not_followed(
    endpoint: tuple[str, list[bytes]], transport: Transport
) -> None:
    url, received = endpoint
    sender = transport(allowed_targets=LOOPBACK)
    try:
        result = await sender.send(OutboundRequest(url=url + "/redirect", headers={}, body=b"x"))
    finally:
        await sender.close()
    assert result.status_code == 302
    assert not result.delivered
    assert len(received) == 1


async def test_a_closed_port_is_a_failure_value_not_an_exception(transport: Transport) -> None:
    sender = transport(allowed_targets=LOOPBACK)
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
    endpoint: tuple[str, list[bytes]], host: str, transport: Transport
) -> None:
    url, received = endpoint
    sender = transport()
    try:
        result = await sender.send(
            OutboundRequest(url=url.replace("127.0.0.1", host) + "/hook", headers={}, body=b"x")
        )
    finally:
        await sender.close()
    assert (result.error, result.final) == (REFUSED, True)
    assert "SENDOUT_ALLOWED_TARGETS" in REFUSED  # the reason says what would open it
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


def test_the_url_table_is_large_enough() -> None:
    assert len(set(REFUSED_URLS)) == len(REFUSED_URLS) >= 40


@pytest.mark.parametrize("template", REFUSED_URLS)
async def test_non_public_targets_are_refused_in_every_spelling(
    receiver: Receiver, template: str, transport: Transport
) -> None:
    result = await send_to(transport(timeout=2, resolver=FakeDNS()), template, receiver.port)
    # Not ASCII: not a URL the senders read (whatever range it would lead to).
    error = REFUSED if template.isascii() else "InvalidURL: the host must be ASCII"
    assert (result.status_code, result.final) == (None, True)
    assert (result.error or "").startswith(error)
    assert not result.delivered
    assert (receiver.connections, receiver.bodies) == (0, [])


@pytest.mark.parametrize(
    "template",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",
        "http://LOCALHOST.:{port}/hook",
        "http://0x7f000001:{port}/hook",  # read as an address, connected to as 127.0.0.1
        "http://[::ffff:127.0.0.1]:{port}/hook",  # the embedded address is in the range
        "http://user:secret@127.0.0.1:{port}/hook",
        "http://rebind.test:{port}/hook",
        "http://mapped.test:{port}/hook",
        "http://mixed.test:{port}/hook",
    ],
)
async def test_an_allowed_range_is_reached(
    receiver: Receiver, template: str, transport: Transport
) -> None:
    sender = transport(timeout=2, allowed_targets=LOOPBACK, resolver=FakeDNS())
    result = await send_to(sender, template, receiver.port)
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
async def test_an_allowed_range_opens_nothing_else(
    receiver: Receiver, template: str, transport: Transport
) -> None:
    sender = transport(timeout=2, allowed_targets=LOOPBACK, resolver=FakeDNS())
    result = await send_to(sender, template, receiver.port)
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
