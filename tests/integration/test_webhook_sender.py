"""The webhook transport against real sockets on 127.0.0.1, and its SSRF refusal."""

from __future__ import annotations

import asyncio
import base64
import gzip
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
import trustme
from aiohttp import web

from sendout.adapters.channels.guard import (
    REFUSED,
    PublicOnlyResolver,
    TargetRefused,
    guarded_socket_factory,
)
from sendout.adapters.channels.http import http1
from sendout.adapters.channels.http.http1 import Http1Sender
from sendout.adapters.channels.http.webhook import WebhookSender
from sendout.domain.deliveries import OutboundRequest, SendResult
from sendout.domain.targets import is_public_address
from tests.factories.targets import REFUSED_URLS
from tests.integration.standins import FakeDNS

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)

Transport = type[WebhookSender] | type[Http1Sender]


@pytest.fixture(params=[Http1Sender, WebhookSender], ids=["http1", "aiohttp"])
def transport(request: pytest.FixtureRequest) -> Transport:
    """Every test of a transport runs against both (``SENDOUT_HTTP_CLIENT``)."""
    sender: Transport = request.param
    return sender


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


async def _send(sender: WebhookSender | Http1Sender, template: str, port: int) -> SendResult:
    try:
        url = template.format(port=port)
        return await sender.send(OutboundRequest(url=url, headers={}, body=b'{"n":1}'))
    finally:
        await sender.close()


def test_the_url_table_is_large_enough() -> None:
    assert len(set(REFUSED_URLS)) == len(REFUSED_URLS) >= 40


@pytest.mark.parametrize("template", REFUSED_URLS)
async def test_non_public_targets_are_refused_in_every_spelling(
    receiver: Receiver, template: str, transport: Transport
) -> None:
    result = await _send(transport(timeout=2, resolver=FakeDNS()), template, receiver.port)
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
async def test_an_allowed_range_opens_nothing_else(
    receiver: Receiver, template: str, transport: Transport
) -> None:
    sender = transport(timeout=2, allowed_targets=LOOPBACK, resolver=FakeDNS())
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


NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"
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
    chunks: list[bytes], status: int, transport: Transport
) -> None:
    async with scripted_receiver(*chunks) as (port, connections):
        sender = transport(timeout=2, allowed_targets=LOOPBACK)
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


async def test_a_garbled_status_line_is_still_an_error(transport: Transport) -> None:
    async with scripted_receiver(b"HTTP/1.1 2x4 Nope\r\n\r\nhello") as (port, _):
        sender = transport(timeout=2, allowed_targets=LOOPBACK)
        result = await _send(sender, "http://127.0.0.1:{port}/", port)
    assert result.status_code is None
    assert result.error is not None
    assert not result.delivered


# --- connections: kept alive, renewed when the server dropped them, cut when silent -----------


OK_200 = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


async def _post_each(sender: WebhookSender | Http1Sender, url: str, count: int) -> list[SendResult]:
    try:
        return [
            await sender.send(OutboundRequest(url=url, headers={}, body=b"%d" % n))
            for n in range(count)
        ]
    finally:
        await sender.close()


async def test_connections_are_kept_alive_between_attempts() -> None:
    opened: list[int] = []

    def answer(connection: int, request: int) -> bytes:
        opened.append(connection)
        return OK_200

    async with counted_server(answer) as (port, bodies):
        results = await _post_each(
            Http1Sender(allowed_targets=LOOPBACK), f"http://127.0.0.1:{port}/", 5
        )
    assert [r.status_code for r in results] == [200] * 5
    assert bodies == [b"0", b"1", b"2", b"3", b"4"]
    assert set(opened) == {0}  # one connection for all five


async def test_a_kept_connection_the_server_dropped_is_renewed_once() -> None:
    # The server answers the first request of each connection and drops the connection,
    # unanswered, at its second: a keep-alive race seen from the client's side.
    def answer(connection: int, request: int) -> bytes | None:
        return OK_200 if request == 0 else None

    async with counted_server(answer) as (port, bodies):
        results = await _post_each(
            Http1Sender(allowed_targets=LOOPBACK), f"http://127.0.0.1:{port}/", 3
        )
    assert [(r.status_code, r.error) for r in results] == [(200, None)] * 3
    # The dropped requests were sent again on a new connection.
    assert bodies == [b"0", b"1", b"1", b"2", b"2"]


async def test_a_new_connection_dropped_unanswered_is_a_failure() -> None:
    async with counted_server(lambda connection, request: None) as (port, bodies):
        (result,) = await _post_each(
            Http1Sender(allowed_targets=LOOPBACK), f"http://127.0.0.1:{port}/", 1
        )
    assert (result.status_code, result.error, result.final) == (None, "ServerDisconnected", False)
    assert bodies == [b"0"]  # not sent twice: there was no kept connection to blame


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


async def test_a_silent_receiver_times_out(transport: Transport) -> None:
    async with silent_server() as port:
        started = asyncio.get_running_loop().time()
        sender = transport(timeout=0.3, allowed_targets=LOOPBACK)
        result = await _send(sender, "http://127.0.0.1:{port}/", port)
        waited = asyncio.get_running_loop().time() - started
    assert (result.status_code, result.error, result.final) == (None, "TimeoutError", False)
    assert 0.25 <= waited < 2


async def test_each_request_times_out_on_its_own_deadline(transport: Transport) -> None:
    """Requests in flight together, started apart: each one's timeout runs from its own
    start (the native transport checks every deadline with one timer), and a request that is
    answered in the meantime is not touched."""
    loop = asyncio.get_running_loop()
    sender = transport(timeout=0.4, allowed_targets=LOOPBACK)

    async def timed(delay: float, url: str) -> tuple[SendResult, float, float]:
        await asyncio.sleep(delay)
        started = loop.time()
        result = await sender.send(OutboundRequest(url=url, headers={}, body=b"{}"))
        return result, started, loop.time()

    try:
        async with (
            silent_server() as port,
            counted_server(lambda connection, request: NO_CONTENT) as (healthy, _),
        ):
            silent_url, healthy_url = (f"http://127.0.0.1:{p}/" for p in (port, healthy))
            outcomes = await asyncio.gather(
                timed(0, silent_url), timed(0.2, silent_url), timed(0.1, healthy_url)
            )
    finally:
        await sender.close()
    (first, *first_times), (second, *second_times), (answered, *_) = outcomes
    assert (first.error, second.error) == ("TimeoutError", "TimeoutError")
    assert answered.status_code == 204
    for started, ended in (first_times, second_times):
        assert 0.35 <= ended - started < 0.4 + 0.2  # its own deadline, seen at most 50 ms late
    assert second_times[1] - first_times[1] >= 0.1  # not expired together with the first


async def test_a_long_answer_is_cut_to_the_excerpt(transport: Transport) -> None:
    body = b"x" * 100_000
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    async with counted_server(lambda connection, request: reply) as (port, _):
        (result,) = await _post_each(
            transport(allowed_targets=LOOPBACK), f"http://127.0.0.1:{port}/", 1
        )
    assert result.status_code == 200
    assert result.response_excerpt == "x" * 8192


async def test_a_compressed_answer_is_kept_decoded(transport: Transport) -> None:
    packed = gzip.compress(b'{"received": true}')
    reply = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (
        len(packed),
        packed,
    )
    async with counted_server(lambda connection, request: reply) as (port, _):
        (result,) = await _post_each(
            transport(allowed_targets=LOOPBACK), f"http://127.0.0.1:{port}/", 1
        )
    assert (result.status_code, result.response_excerpt) == (200, '{"received": true}')


async def test_an_answer_delimited_by_closing_is_read_to_its_end(transport: Transport) -> None:
    reply = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"
    async with counted_server(lambda connection, request: reply) as (port, _):
        results = await _post_each(
            transport(allowed_targets=LOOPBACK), f"http://127.0.0.1:{port}/", 2
        )
    assert [(r.status_code, r.response_excerpt) for r in results] == [(200, "all of it")] * 2


async def test_an_informational_answer_is_skipped(transport: Transport) -> None:
    reply = b"HTTP/1.1 100 Continue\r\n\r\n" + OK_200
    async with counted_server(lambda connection, request: reply) as (port, _):
        (result,) = await _post_each(
            transport(allowed_targets=LOOPBACK), f"http://127.0.0.1:{port}/", 1
        )
    assert (result.status_code, result.response_excerpt) == (200, "ok")


async def test_the_request_carries_the_headers_and_credentials_given() -> None:
    heads: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heads.append(await reader.readuntil(b"\r\n\r\n"))
        await reader.readexactly(2)
        writer.write(OK_200)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    sender = Http1Sender(allowed_targets=LOOPBACK)
    try:
        result = await sender.send(
            OutboundRequest(
                url=f"http://us%40er:p%3Ass@127.0.0.1:{port}/in?x=1&y=%20",
                headers={"X-Custom": "yes", "content-length": "999", "Host": "evil"},
                body=b"{}",
            )
        )
    finally:
        await sender.close()
        server.close()
        await server.wait_closed()
    assert result.status_code == 200
    lines = heads[0].decode().split("\r\n")
    assert lines[0] == "POST /in?x=1&y=%20 HTTP/1.1"
    assert f"Host: 127.0.0.1:{port}" in lines
    assert "X-Custom: yes" in lines
    assert "Content-Length: 2" in lines  # the transport's own framing, not the caller's
    assert not any(line.lower() in ("host: evil", "content-length: 999") for line in lines)
    assert f"Authorization: Basic {base64.b64encode(b'us@er:p:ss').decode()}" in lines


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b"])
async def test_a_header_that_would_split_the_request_is_refused(value: str) -> None:
    async with counted_server(lambda connection, request: OK_200) as (port, bodies):
        sender = Http1Sender(allowed_targets=LOOPBACK)
        try:
            result = await sender.send(
                OutboundRequest(
                    url=f"http://127.0.0.1:{port}/", headers={"X-Note": value}, body=b"x"
                )
            )
        finally:
            await sender.close()
    assert result.status_code is None
    assert result.final
    assert (result.error or "").startswith("InvalidHeader")
    assert bodies == []


# --- HTTPS: the system's trust store by default, SNI, certificate checks ---------------------


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@asynccontextmanager
async def tls_server(authority: trustme.CA, name: str) -> AsyncIterator[int]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(name).configure_cert(context)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(1)
            writer.write(OK_200)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def test_https_is_delivered_to_a_trusted_certificate(authority: trustme.CA) -> None:
    client = ssl.create_default_context()
    authority.configure_trust(client)
    async with tls_server(authority, "hooks.test") as port:
        sender = Http1Sender(allowed_targets=LOOPBACK, resolver=FakeDNS(), ssl_context=client)
        dns = {"hooks.test": ["127.0.0.1"]}
        FakeDNS.RECORDS.update(dns)
        try:
            result = await _send(sender, "https://hooks.test:{port}/", port)
        finally:
            for name in dns:
                FakeDNS.RECORDS.pop(name)
    assert (result.status_code, result.error) == (200, None)


@pytest.mark.parametrize("trusted", [True, False], ids=["wrong-name", "unknown-authority"])
async def test_https_to_an_untrusted_certificate_sends_nothing(
    authority: trustme.CA, trusted: bool
) -> None:
    client = ssl.create_default_context()
    if trusted:
        authority.configure_trust(client)
    async with tls_server(authority, "other.test") as port:
        sender = Http1Sender(allowed_targets=LOOPBACK, ssl_context=client)
        result = await _send(sender, "https://127.0.0.1:{port}/", port)
    assert result.status_code is None
    assert result.error == "SSLCertVerificationError"


@asynccontextmanager
async def slow_server(delay: float) -> AsyncIterator[tuple[int, list[int]]]:
    """Answers every request 200 after ``delay``; yields its port and a one-item list holding
    how many connections are open (the client's end closed when the count drops)."""
    open_now = [0]
    async with counted_server(
        lambda connection, request: OK_200, delay=delay, open_now=open_now
    ) as (port, _):
        yield port, open_now


async def _settle(open_now: list[int], expected: int) -> None:
    for _ in range(100):
        if open_now[0] == expected:
            return
        await asyncio.sleep(0.02)


async def test_no_more_connections_are_kept_than_asked_for() -> None:
    async with slow_server(0.05) as (port, open_now):
        sender = Http1Sender(connections=2, allowed_targets=LOOPBACK)
        try:
            url = f"http://127.0.0.1:{port}/"
            results = await asyncio.gather(
                *(sender.send(OutboundRequest(url=url, headers={}, body=b"x")) for _ in range(6))
            )
            assert [r.status_code for r in results] == [200] * 6
            await _settle(open_now, 2)
            assert open_now[0] == 2  # six opened at once, two kept
        finally:
            await sender.close()


async def test_idle_connections_are_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http1, "IDLE_SECONDS", 0.2)
    async with slow_server(0) as (port, open_now):
        sender = Http1Sender(allowed_targets=LOOPBACK)
        try:
            url = f"http://127.0.0.1:{port}/"
            result = await sender.send(OutboundRequest(url=url, headers={}, body=b"x"))
            assert result.status_code == 200
            assert open_now[0] == 1  # kept
            await _settle(open_now, 0)
            assert open_now[0] == 0  # closed once idle, without another request
        finally:
            await sender.close()
