"""The webhook transport against real sockets on 127.0.0.1, and its SSRF refusal."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from sendout.adapters.channels.webhook import REFUSED, WebhookSender
from sendout.domain.deliveries import OutboundRequest
from sendout.domain.targets import is_public_address

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
