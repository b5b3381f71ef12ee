"""The webhook transports' connections: kept alive, renewed once when the server dropped
them, cut when silent (each request on its own deadline), HTTPS checked against the trust
store, and no more kept open than asked for, nor longer than their idle time."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import trustme

from sendout.adapters.channels.http import http1
from sendout.adapters.channels.http.http1 import Http1Sender
from sendout.domain.deliveries import OutboundRequest, SendResult
from tests.factories.raw_http import (
    LOOPBACK,
    NO_CONTENT,
    OK_200,
    Transport,
    counted_server,
    post_each,
    send_to,
    silent_server,
)
from tests.integration.standins import FakeDNS


async def test_connections_are_kept_alive_between_attempts() -> None:
    opened: list[int] = []

    def answer(connection: int, request: int) -> bytes:
        opened.append(connection)
        return OK_200

    async with counted_server(answer) as (port, bodies):
        results = await post_each(
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
        results = await post_each(
            Http1Sender(allowed_targets=LOOPBACK), f"http://127.0.0.1:{port}/", 3
        )
    assert [(r.status_code, r.error) for r in results] == [(200, None)] * 3
    # The dropped requests were sent again on a new connection.
    assert bodies == [b"0", b"1", b"1", b"2", b"2"]


async def test_a_new_connection_dropped_unanswered_is_a_failure() -> None:
    async with counted_server(lambda connection, request: None) as (port, bodies):
        (result,) = await post_each(
            Http1Sender(allowed_targets=LOOPBACK), f"http://127.0.0.1:{port}/", 1
        )
    assert (result.status_code, result.error, result.final) == (None, "ServerDisconnected", False)
    assert bodies == [b"0"]  # not sent twice: there was no kept connection to blame


async def test_a_silent_receiver_times_out(transport: Transport) -> None:
    async with silent_server() as port:
        started = asyncio.get_running_loop().time()
        sender = transport(timeout=0.3, allowed_targets=LOOPBACK)
        result = await send_to(sender, "http://127.0.0.1:{port}/", port)
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
            result = await send_to(sender, "https://hooks.test:{port}/", port)
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
        result = await send_to(sender, "https://127.0.0.1:{port}/", port)
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
