"""Stand-ins for the platforms message channels post to: a real HTTP server on 127.0.0.1
that records each request and answers as the platform does (the answers are scripted per
test), and the sender a message channel adapter sends through (the real webhook transport,
allowed to reach loopback)."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from sendout.adapters.channels.http1 import Http1Sender
from sendout.domain.channels import ProviderConfig

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class StandIn:
    """What the platform received, and what it answers next: ``(status, JSON or text body)``
    per request in order, then ``default``."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    script: list[tuple[int, str]] = field(default_factory=list)
    default: tuple[int, str] = (200, "{}")
    #: checks the request as the platform would; returns an error answer, or None
    judge: Callable[[Recorded], tuple[int, str] | None] | None = None


@asynccontextmanager
async def stand_in(stand: StandIn | None = None) -> AsyncIterator[StandIn]:
    stand = stand or StandIn()

    async def handle(request: web.Request) -> web.Response:
        recorded = Recorded(
            method=request.method,
            path=request.path,
            query=request.query_string,
            headers={k: v for k, v in request.headers.items()},
            body=await request.read(),
        )
        stand.requests.append(recorded)
        refusal = stand.judge(recorded) if stand.judge is not None else None
        status, text = refusal or (stand.script.pop(0) if stand.script else stand.default)
        kind = "application/json" if text.startswith(("{", "[")) else "text/plain"
        return web.Response(status=status, text=text, content_type=kind)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    stand.url = f"http://127.0.0.1:{port}"
    try:
        yield stand
    finally:
        await runner.cleanup()


@asynccontextmanager
async def http_transport() -> AsyncIterator[Http1Sender]:
    """The default HTTP client, as the worker builds it (the aiohttp one is tested beside it
    in test_webhook_sender.py)."""
    sender = Http1Sender(allowed_targets=LOOPBACK)
    try:
        yield sender
    finally:
        await sender.close()


def config(provider: str, **values: object) -> ProviderConfig:
    """A project's configuration of ``provider``; ``secret_*`` keyword names are secrets."""
    secrets = {k[len("secret_") :]: str(v) for k, v in values.items() if k.startswith("secret_")}
    settings = {k: v for k, v in values.items() if not k.startswith("secret_")}
    return ProviderConfig(
        project_id="proj_1", provider=provider, settings=settings, secrets=secrets
    )
