"""A webhook URL whose host name cannot be delivered to now is saved with a warning (issue 22,
section 4): through the API (as an ASGI app, on both backends), distributions and project
webhooks, created and updated, with the tests' resolver standing in for DNS."""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import socket

import pytest
from aiohttp.abc import ResolveResult

from sendout.adapters.channels.guard import DnsTargetProbe
from sendout.adapters.channels.registry import channel_catalog
from sendout.bootstrap import Container
from sendout.domain.projects import IssuedKey
from sendout.domain.targets import TargetPolicy
from tests.factories.api import Client, distribution
from tests.integration.standins import FakeDNS

PUBLIC = "hooks.public.test"


class SlowDNS(FakeDNS):
    """A resolver that never answers (a DNS server that drops the query)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


@pytest.fixture
async def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    monkeypatch.setitem(FakeDNS.RECORDS, PUBLIC, ["93.184.215.14"])
    return FakeDNS()


def client(
    container: Container,
    project: IssuedKey,
    resolver: FakeDNS,
    policy: TargetPolicy | None = None,
    timeout: float = 1.0,
) -> Client:
    """The API of ``container`` whose probe asks ``resolver`` (and whose policy is ``policy``)."""
    probe = DnsTargetProbe(timeout=timeout, resolver=resolver)
    changed = dataclasses.replace(container, target_probe=probe)
    if policy is not None:
        changed = dataclasses.replace(changed, channels=channel_catalog(policy))
    return Client(changed, project)


def hook(url: str) -> dict[str, object]:
    return {"target_url": url, "events": ["customer.created"]}


async def test_a_name_resolving_to_a_private_address_is_saved_with_a_warning(
    container: Container, project: IssuedKey, dns: FakeDNS
) -> None:
    api = client(container, project, dns)
    status, created = await api("POST", "/v1/distributions", distribution("http://private.test/"))
    assert status == 200, created
    (warning,) = created["warnings"]
    assert warning.startswith("channels[0].url: private.test resolves only to addresses")
    assert "10.0.0.1: private (RFC 1918)" in warning
    assert "SENDOUT_ALLOWED_TARGETS" in warning

    path = f"/v1/distributions/{created['id']}"
    status, updated = await api("PUT", path, distribution("http://metadata.test:8080/hook"))
    assert status == 200, updated
    (warning,) = updated["warnings"]
    assert "metadata.test" in warning
    assert "169.254.169.254: link-local" in warning
    # About now, not the distribution: never stored, so not in what is read back.
    status, read = await api("GET", path, None)
    assert status == 200
    assert "warnings" not in read
    assert read["channels"][0]["url"] == "http://metadata.test:8080/hook"


async def test_no_warning_when_any_address_may_be_reached_or_for_a_literal(
    container: Container, project: IssuedKey, dns: FakeDNS
) -> None:
    api = client(container, project, dns)
    status, created = await api("POST", "/v1/distributions", distribution(f"https://{PUBLIC}/h"))
    assert status == 200, created
    assert "warnings" not in created  # the answer is what a read gives
    status, created = await api("POST", "/v1/distributions", distribution("http://93.184.215.14/"))
    assert (status, "warnings" in created) == (200, False)
    assert dns.asked == [PUBLIC]  # a literal is judged when saved, never looked up
    # The operator's range opens private addresses: what the senders reach, no warning.
    policy = TargetPolicy(allowed=(ipaddress.ip_network("10.0.0.0/8"),))
    opened = client(container, project, dns, policy)
    status, created = await opened("POST", "/v1/distributions", distribution("http://private.test"))
    assert (status, "warnings" in created) == (200, False)


async def test_a_name_that_does_not_resolve_is_saved_with_a_warning(
    container: Container, project: IssuedKey, dns: FakeDNS
) -> None:
    api = client(container, project, dns)
    status, created = await api("POST", "/v1/distributions", distribution("http://gone.test/h"))
    assert status == 200, created
    assert created["warnings"] == [
        "channels[0].url: gone.test does not resolve now (gone.test not in the test zone): "
        "sends will fail until it does"
    ]


async def test_a_lookup_slower_than_the_bound_never_fails_the_save(
    container: Container, project: IssuedKey
) -> None:
    dns = SlowDNS()
    api = client(container, project, dns, timeout=0.05)
    body = distribution("http://slow.test/h")
    body["channels"].append({"type": "webhook", "event_name": "again", "url": "http://slow.test/"})
    status, created = await api("POST", "/v1/distributions", body)
    assert status == 200, created
    assert [w.split(" could not be resolved in time")[0] for w in created["warnings"]] == [
        "channels[0].url: slow.test",
        "channels[1].url: slow.test",
    ]
    assert "SENDOUT_ALLOWED_TARGETS" in created["warnings"][0]
    assert dns.asked == ["slow.test"]  # each name once, whatever the number of channels


async def test_project_webhooks_are_warned_the_same_way(
    container: Container, project: IssuedKey, dns: FakeDNS
) -> None:
    api = client(container, project, dns)
    status, created = await api("POST", "/v1/webhooks", hook("http://mixed.test/h"))
    assert status == 200, created
    (warning,) = created["warnings"]
    assert warning.startswith("target_url: mixed.test resolves only to addresses")
    for address in ("10.0.0.1", "169.254.169.254", "fd00::1", "127.0.0.1"):
        assert f"{address}: " in warning
    assert "SENDOUT_ALLOWED_TARGETS" in warning

    path = f"/v1/webhooks/{created['id']}"
    status, updated = await api("PUT", path, hook(f"https://{PUBLIC}/h"))
    assert (status, "warnings" in updated) == (200, False)
    status, updated = await api("PUT", path, hook("https://gone.test/h"))
    assert status == 200
    assert updated["warnings"][0].startswith("target_url: gone.test does not resolve now")
    status, read = await api("GET", path, None)
    assert (status, "warnings" in read) == (200, False)
