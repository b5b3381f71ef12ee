"""The SSRF guard every outgoing connection goes through (DESIGN.md §7): HTTP (both clients)
and SMTP.

- A URL is read once, by the domain's parser (``domain/urls.py``), the same reading the API
  checked when the URL was saved; an address literal is judged before anything else.
- A name goes through ``PublicOnlyResolver``, which drops every resolved address that is not
  allowed, so the address connected to is the one checked (no second lookup to rebind).
- The socket factory judges the socket address itself just before ``connect()``, so nothing
  that slips past both reaches the network.

``open_socket`` is the one guarded connect for the clients that connect themselves (the
HTTP/1.1 client and SMTP): it hands back a connected socket, which TLS and the protocol then
run over without looking the name up again.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver, ThreadedResolver

from sendout.domain.targets import (
    HostLookup,
    IPNetwork,
    is_allowed_address,
    is_localhost_name,
    refusal_reason,
)
from sendout.domain.urls import Host, HttpUrl, InvalidUrl, parse_http_url

#: the error of an attempt the guard refused (final: retrying cannot help)
REFUSED = "PrivateTargetRefused: not a public address (SENDOUT_ALLOWED_TARGETS opens ranges)"
#: how many URLs' verdicts are remembered
URL_MEMO = 10_000
#: how long saving a target waits for its name to resolve (the check is only a hint)
PROBE_SECONDS = 1.0

SocketFactory = Callable[[tuple[Any, ...]], socket.socket]


class TargetRefused(OSError):
    """The target leads only to addresses this installation may not reach."""


class PublicOnlyResolver(AbstractResolver):
    """Resolves as usual, then keeps allowed addresses only: the check is made on the address
    actually connected to, so a DNS name pointing inside the network is refused too.

    ``inner`` does the lookup (aiohttp's default resolver unless given; tests pass one that
    maps names to private addresses). ``localhost`` names never reach it: they mean loopback
    (RFC 6761) whatever DNS says, and a resolver that fails on ``localhost.`` would turn a
    refusal into a retried lookup error.
    """

    def __init__(
        self, allowed: Sequence[IPNetwork] = (), inner: AbstractResolver | None = None
    ) -> None:
        self._inner = inner if inner is not None else DefaultResolver()
        self._allowed = tuple(allowed)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if is_localhost_name(host):
            found = _loopback(host, port, family)
        else:
            found = await self._inner.resolve(host, port, family)
        allowed = [e for e in found if is_allowed_address(e["host"], self._allowed)]
        if not allowed:
            reasons = sorted({f"{e['host']}: {refusal_reason(e['host'])}" for e in found})
            raise TargetRefused(f"{host} resolves to no allowed address ({'; '.join(reasons)})")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def _loopback(host: str, port: int, family: socket.AddressFamily) -> list[ResolveResult]:
    addresses = []
    if family in (socket.AF_INET, socket.AF_UNSPEC):
        addresses.append(("127.0.0.1", socket.AF_INET))
    if family in (socket.AF_INET6, socket.AF_UNSPEC):
        addresses.append(("::1", socket.AF_INET6))
    return [
        ResolveResult(hostname=host, host=ip, port=port, family=fam, proto=0, flags=0)
        for ip, fam in addresses
    ]


class DnsTargetProbe:
    """Resolves a target's host name once when it is saved, as the senders' resolver does
    (``localhost`` names as loopback, others through the event loop's ``getaddrinfo`` unless
    ``resolver`` is given), within ``timeout`` seconds. What the addresses mean under the
    installation's policy is the caller's question (``services/pipeline/target_warnings.py``)."""

    def __init__(
        self, timeout: float = PROBE_SECONDS, resolver: AbstractResolver | None = None
    ) -> None:
        self._timeout = timeout
        self._resolver = resolver

    async def lookup(self, host: str) -> HostLookup:
        if is_localhost_name(host):
            loopback = _loopback(host, 0, socket.AF_UNSPEC)
            return HostLookup(addresses=tuple(entry["host"] for entry in loopback))
        # Made here, not in __init__: ThreadedResolver binds the running loop.
        resolver = self._resolver if self._resolver is not None else ThreadedResolver()
        try:
            async with asyncio.timeout(self._timeout):
                found = await resolver.resolve(host, 0, socket.AF_UNSPEC)
        except TimeoutError:
            # The lookup's thread cannot be stopped; it ends when the system resolver gives up.
            return HostLookup(timed_out=True)
        except OSError as exc:
            return HostLookup(failure=exc.strerror or str(exc) or type(exc).__name__)
        return HostLookup(addresses=tuple(dict.fromkeys(entry["host"] for entry in found)))


def guarded_socket_factory(allowed: Sequence[IPNetwork]) -> SocketFactory:
    """A socket factory that refuses to open a socket to a disallowed address: the last
    check, on the very address ``connect()`` is about to be called with."""
    allowed = tuple(allowed)

    def create(addr_info: tuple[Any, ...]) -> socket.socket:
        family, kind, proto, _, address = addr_info
        if not is_allowed_address(str(address[0]), allowed):
            # One fixed message: aiohappyeyeballs re-raises a refusal as is only when every
            # failed address failed with the same text.
            raise TargetRefused("target address is not allowed")
        return socket.socket(family, kind, proto)

    return create


def judge_url(url: str, allowed: Sequence[IPNetwork]) -> HttpUrl | str:
    """The URL as the senders read it, or the error of an attempt to it: ``InvalidURL: why``
    when the domain's parser refuses it, ``REFUSED`` when its host is a disallowed address
    literal (names are judged on what they resolve to)."""
    try:
        parsed = parse_http_url(url)
    except InvalidUrl as exc:
        return f"InvalidURL: {exc}"
    address = parsed.host.address
    if address is not None and not is_allowed_address(address, allowed):
        return REFUSED
    return parsed


class UrlGuard:
    """``judge_url`` with each verdict remembered (bounded): every attempt to a URL asks the
    same question."""

    def __init__(self, allowed: Sequence[IPNetwork]) -> None:
        self._allowed = tuple(allowed)
        self._verdicts: dict[str, HttpUrl | str] = {}

    def judge(self, url: str) -> HttpUrl | str:
        known = self._verdicts.get(url)
        if known is None:
            if len(self._verdicts) >= URL_MEMO:
                self._verdicts.clear()
            known = self._verdicts[url] = judge_url(url, self._allowed)
        return known


async def open_socket(
    host: Host, port: int, resolver: AbstractResolver, socket_factory: SocketFactory
) -> socket.socket:
    """A TCP socket connected to an allowed address of ``host``: an address literal as is,
    a name through ``resolver`` (a ``PublicOnlyResolver``), each address tried in turn; the
    socket factory judges each address before it is connected to. Raises ``TargetRefused``
    or the last connection error; the caller bounds the time."""
    loop = asyncio.get_running_loop()
    addresses: list[tuple[socket.AddressFamily, tuple[Any, ...]]]
    if host.address is not None:
        family = socket.AF_INET6 if host.address.version == 6 else socket.AF_INET
        addresses = [(family, (host.name, port))]
    else:
        found = await resolver.resolve(host.lookup_name, port, socket.AF_UNSPEC)
        addresses = [
            (socket.AddressFamily(entry["family"]), (entry["host"], entry["port"]))
            for entry in found
        ]
    failure: OSError | None = None
    for family, address in addresses:
        # The last check, on the very address connect() is given (raises TargetRefused).
        sock = socket_factory((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address))
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
        except OSError as exc:
            sock.close()
            failure = exc
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    raise failure or OSError(f"no address to connect to for {host.lookup_name}")
