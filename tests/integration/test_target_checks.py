"""Targets are checked when they are saved, with the senders' own parser and address rules
(issue 20, items 1 and 7): the API (as an ASGI app, on both backends) answers 400 naming the
field for every URL the senders would refuse or read otherwise, and for every internal SMTP
host, where before such targets were stored and failed only at send time."""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

import pytest

from sendout.adapters.channels.registry import channel_catalog
from sendout.bootstrap import Container
from sendout.domain.projects import IssuedKey
from sendout.domain.targets import SMTP_PORTS, TargetPolicy
from tests.factories.api import Client, distribution
from tests.factories.targets import REFUSED_URLS, SMTP_HOSTS

#: names whose DNS answers are internal in the tests' resolver: a name is judged on what it
#: resolves to when it is sent to (answers change), so saving it is accepted
NAMES = {"rebind.test", "private.test", "metadata.test", "v6only.test", "mapped.test", "mixed.test"}

#: URLs another parser reads differently from the senders' one
MISREAD = [
    "http://hooks.example.com\\@127.0.0.1/hook",  # urllib: 127.0.0.1; WHATWG: the name
    "http://127.0.0.1\\.hooks.example.com/hook",
    "http://%31%32%37.0.0.1/hook",  # a percent-encoded host
    "http://hooks.example.com%2f@127.0.0.1/",
    "http://\u0661\u0662\u0667.\u0660.\u0660.\u0661/hook",  # Arabic-Indic digits
    "http://hooks.example.com:\uff18\uff10/hook",  # a full-width port
    "http://a@b@hooks.example.com/hook",
    "http://1.2.3.4.5/hook",  # ends in a number: not a name, not an address
    "ftp://hooks.example.com/hook",
    "http:/hooks.example.com/hook",
    "http://[::1/hook",
]


def saved_as_url(template: str) -> str:
    return template.format(port=8080)


def is_name(url: str) -> bool:
    host = url.split("//", 1)[1].split("/", 1)[0].rpartition("@")[2].partition(":")[0]
    return host.lower().rstrip(".") in NAMES


def smtp(host: str, port: int = 587) -> dict[str, Any]:
    return {"host": host, "port": port, "tls": "none", "from_address": "shop@x.test"}


async def expect_refused(client: Client, method: str, path: str, body: Any, field: str) -> None:
    status, error = await client(method, path, body)
    assert status == 400, (body, error)
    assert error["details"].startswith(f"{field}: "), error


async def test_every_misread_or_internal_url_is_refused_when_saved(
    container: Container, project: IssuedKey
) -> None:
    client = Client(container, project)
    urls = [*MISREAD, *(saved_as_url(t) for t in REFUSED_URLS if not is_name(saved_as_url(t)))]
    for url in urls:
        await expect_refused(
            client, "POST", "/v1/distributions", distribution(url), "channels[0].url"
        )
        hook = {"target_url": url, "events": ["customer.created"]}
        await expect_refused(client, "POST", "/v1/webhooks", hook, "target_url")
        crm = {"api_key": "k", "base_url": url}
        await expect_refused(client, "PUT", "/v1/integrations/braze", crm, "base_url")


async def test_names_are_accepted_when_saved_and_judged_when_sent(
    container: Container, project: IssuedKey
) -> None:
    client = Client(container, project)
    for url in {saved_as_url(t) for t in REFUSED_URLS if is_name(saved_as_url(t))}:
        assert (await client("POST", "/v1/distributions", distribution(url)))[0] == 200
        hook = {"target_url": url, "events": ["customer.created"]}
        assert (await client("POST", "/v1/webhooks", hook))[0] == 200
        assert (await client("PUT", "/v1/integrations/braze", {"api_key": "k", "base_url": url}))[
            0
        ] == 200
        host = url.split("//")[1].split(":")[0].split("/")[0]
        assert (await client("PUT", "/v1/integrations/smtp", smtp(host)))[0] == 200


async def test_internal_smtp_hosts_and_other_ports_are_refused_when_saved(
    container: Container, project: IssuedKey
) -> None:
    client = Client(container, project)
    for host in SMTP_HOSTS:
        if host.lower().rstrip(".") in NAMES:
            continue
        await expect_refused(client, "PUT", "/v1/integrations/smtp", smtp(host), "host")
    for host in ["mail.example.com\\@127.0.0.1", "mail%2eexample.com", "mail example.com"]:
        await expect_refused(client, "PUT", "/v1/integrations/smtp", smtp(host), "host")
    for port in [22, 6379, 8080, 2526]:
        body = smtp("mail.example.com", port)
        await expect_refused(client, "PUT", "/v1/integrations/smtp", body, "port")
    for port in [25, 465, 587, 2525]:
        assert (await client("PUT", "/v1/integrations/smtp", smtp("mail.example.com", port)))[
            0
        ] == 200


async def test_the_operators_ranges_and_ports_open_them(
    container: Container, project: IssuedKey
) -> None:
    opened = TargetPolicy(
        allowed=(ipaddress.ip_network("127.0.0.0/8"),),
        smtp_ports=(*SMTP_PORTS, range(2600, 2700)),
    )
    client = Client(dataclasses.replace(container, channels=channel_catalog(opened)), project)
    for host in ["127.0.0.1", "127.1", "0x7f000001", "localhost", "[::ffff:127.0.0.1]"]:
        status, saved = await client("PUT", "/v1/integrations/smtp", smtp(host, 2650))
        assert status == 200, saved
    status, _ = await client("PUT", "/v1/integrations/smtp", smtp("[::1]", 2650))
    assert status == 400  # ::1 is not in the allowed range
    url = "http://127.0.0.1:9000/hook"
    assert (await client("POST", "/v1/distributions", distribution(url)))[0] == 200
    hook = {"target_url": url, "events": ["customer.created"]}
    assert (await client("POST", "/v1/webhooks", hook))[0] == 200


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "not a public address (loopback)"),
        ("http://hooks.example.com\\@x/", "backslash"),
        ("http://%31%32%37.0.0.1/", "percent-encoded"),
        ("http://\u0661\u0662\u0667.\u0660.\u0660.\u0661/", "must be ASCII"),
    ],
)
async def test_the_400_says_why(
    container: Container, project: IssuedKey, url: str, reason: str
) -> None:
    status, error = await Client(container, project)(
        "POST", "/v1/webhooks", {"target_url": url, "events": ["customer.created"]}
    )
    assert status == 400
    assert error["key"] == "invalid_webhook"
    assert reason in error["details"]
