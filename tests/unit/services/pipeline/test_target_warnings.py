"""What a saved target's name resolving now is turned into
(``services/pipeline/target_warnings.py``),
and the probe's own answers for ``localhost`` names and failing resolvers."""

from __future__ import annotations

import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult

from sendout.adapters.channels.guard import DnsTargetProbe
from sendout.domain.targets import HostLookup, TargetPolicy
from sendout.services.pipeline.target_warnings import SHOWN_ADDRESSES, lookup_warning, url_warnings

NONE_OPEN = TargetPolicy()


class Refusing(AbstractResolver):
    """A resolver that must not be asked, or fails as told."""

    def __init__(self, error: OSError | None = None) -> None:
        self.error = error
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        raise self.error or AssertionError(f"{host} was looked up")

    async def close(self) -> None:
        pass


def test_a_public_address_among_refused_ones_is_enough() -> None:
    lookup = HostLookup(addresses=("10.0.0.1", "93.184.215.14"))
    assert lookup_warning("h.test", lookup, NONE_OPEN) is None


def test_refused_addresses_are_named_with_their_reason_and_the_variable() -> None:
    warning = lookup_warning("h.test", HostLookup(addresses=("10.1.2.3", "::1")), NONE_OPEN)
    assert warning == (
        "h.test resolves only to addresses that are not public (10.1.2.3: private (RFC 1918); "
        "::1: unspecified, loopback or v4-compatible (::/96)): sends will be refused unless "
        "SENDOUT_ALLOWED_TARGETS covers them"
    )


def test_the_operators_ranges_count_as_reachable() -> None:
    policy = TargetPolicy(allowed=(ipaddress.ip_network("10.1.0.0/16"),))
    assert lookup_warning("h.test", HostLookup(addresses=("10.1.2.3",)), policy) is None


def test_a_long_answer_is_cut_short() -> None:
    addresses = tuple(f"10.0.0.{n}" for n in range(SHOWN_ADDRESSES + 3))
    warning = lookup_warning("h.test", HostLookup(addresses=addresses), NONE_OPEN)
    assert warning is not None
    assert f"10.0.0.{SHOWN_ADDRESSES - 1}: " in warning
    assert f"10.0.0.{SHOWN_ADDRESSES}: " not in warning
    assert "; and 3 more)" in warning


async def test_localhost_names_are_loopback_without_asking_dns() -> None:
    resolver = Refusing()
    lookup = await DnsTargetProbe(resolver=resolver).lookup("api.localhost")
    assert lookup == HostLookup(addresses=("127.0.0.1", "::1"))
    assert resolver.asked == []
    loopback = TargetPolicy(allowed=(ipaddress.ip_network("127.0.0.0/8"),))
    assert lookup_warning("api.localhost", lookup, loopback) is None


async def test_a_failing_resolver_is_an_answer_not_an_error() -> None:
    error = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    lookup = await DnsTargetProbe(resolver=Refusing(error)).lookup("h.test")
    assert lookup == HostLookup(failure="Temporary failure in name resolution")


async def test_literals_and_unreadable_urls_are_never_looked_up() -> None:
    probe = DnsTargetProbe(resolver=Refusing())
    urls = [("a", "http://10.0.0.1/"), ("b", "http://[::1]:8080/"), ("c", "not a url")]
    assert await url_warnings(urls, NONE_OPEN, probe) == []
