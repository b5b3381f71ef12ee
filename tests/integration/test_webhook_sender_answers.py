"""What the webhook transports make of the bytes a receiver answers with: a 2xx is delivered
even with a body it should not carry, long, compressed or close-delimited answers are read,
and the request carries the headers given and nothing that would split it."""

from __future__ import annotations

import asyncio
import base64
import gzip

import pytest

from sendout.adapters.channels.http.http1 import Http1Sender
from sendout.domain.deliveries import OutboundRequest
from tests.factories.raw_http import (
    LOOPBACK,
    OK_200,
    Transport,
    counted_server,
    post_each,
    scripted_receiver,
    send_to,
)

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
        result = await send_to(sender, "http://127.0.0.1:{port}/", port)
    assert result.status_code is None
    assert result.error is not None
    assert not result.delivered


# --- connections: kept alive, renewed when the server dropped them, cut when silent -----------


async def test_a_long_answer_is_cut_to_the_excerpt(transport: Transport) -> None:
    body = b"x" * 100_000
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    async with counted_server(lambda connection, request: reply) as (port, _):
        (result,) = await post_each(
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
        (result,) = await post_each(
            transport(allowed_targets=LOOPBACK), f"http://127.0.0.1:{port}/", 1
        )
    assert (result.status_code, result.response_excerpt) == (200, '{"received": true}')


async def test_an_answer_delimited_by_closing_is_read_to_its_end(transport: Transport) -> None:
    reply = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"
    async with counted_server(lambda connection, request: reply) as (port, _):
        results = await post_each(
            transport(allowed_targets=LOOPBACK), f"http://127.0.0.1:{port}/", 2
        )
    assert [(r.status_code, r.response_excerpt) for r in results] == [(200, "all of it")] * 2


async def test_an_informational_answer_is_skipped(transport: Transport) -> None:
    reply = b"HTTP/1.1 100 Continue\r\n\r\n" + OK_200
    async with counted_server(lambda connection, request: reply) as (port, _):
        (result,) = await post_each(
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
