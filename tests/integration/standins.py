"""Stand-ins for the platforms message channels post to: a real HTTP server on 127.0.0.1
that records each request and answers as the platform does (the answers are scripted per
test), and the sender a message channel adapter sends through (the real webhook transport,
allowed to reach loopback)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import ClassVar

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from sendout.adapters.channels.http.http1 import Http1Sender
from sendout.domain.channels import ProviderConfig
from sendout.domain.targets import parse_address

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
