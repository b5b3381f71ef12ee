"""The one reading of a target's URL or host (domain/urls.py), which both the API's checks
and the senders use."""

from __future__ import annotations

import ipaddress

import pytest

from sendout.bootstrap import target_policy
from sendout.config import Settings, SettingsError
from sendout.domain.targets import TargetPolicy
from sendout.domain.urls import InvalidUrl, parse_host, parse_http_url, refused_host


@pytest.mark.parametrize(
    ("url", "host", "port", "target", "shown"),
    [
        ("https://Hooks.Example.com/a?b=1#frag", "hooks.example.com", 443, "/a?b=1", None),
        ("http://hooks.example.com", "hooks.example.com", 80, "/", "http://hooks.example.com/"),
        ("HTTP://h.test:80/x", "h.test", 80, "/x", "http://h.test/x"),
        ("http://h.test:8080/x", "h.test", 8080, "/x", "http://h.test:8080/x"),
        ("http://0x7f000001:81/", "127.0.0.1", 81, "/", "http://127.0.0.1:81/"),
        ("http://[::FFFF:127.0.0.1]/", "::ffff:7f00:1", 80, "/", "http://[::ffff:7f00:1]/"),
        ("http://[fe80::1%25eth0]/", "fe80::1%eth0", 80, "/", "http://[fe80::1%25eth0]/"),
        ("http://h.test/ścieżka?q=ü", "h.test", 80, "/%C5%9Bcie%C5%BCka?q=%C3%BC", None),
        ("http://u:p%40ss@h.test/", "h.test", 80, "/", "http://u:p%40ss@h.test/"),
    ],
)
def test_urls_are_read_once_for_all(
    url: str, host: str, port: int, target: str, shown: str | None
) -> None:
    parsed = parse_http_url(url)
    assert (parsed.host.name, parsed.port, parsed.target) == (host, port, target)
    if shown is not None:
        assert str(parsed) == shown


def test_credentials_are_decoded() -> None:
    assert parse_http_url("http://u:p%40ss@h.test/").credentials == ("u", "p@ss")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://a.test\\@127.0.0.1/", "backslash"),
        ("http://a.test/\\", "backslash"),
        ("http://%31%32%37.0.0.1/", "percent-encoded"),
        ("http://\u0661\u0662\u0667.0.0.1/", "ASCII"),
        ("http://\uff11\uff12\uff17.0.0.1/", "ASCII"),
        ("http://xn--caf-dma.test\u3002com/", "ASCII"),
        ("http://a.test:\u0668\u0660/", "port"),
        ("http://a.test:0/", "port"),
        ("http://a.test:65536/", "port"),
        ("http://a.test:/", "port"),
        ("http://a@b@a.test/", "more than one '@'"),
        ("http://a b@a.test/", "white space"),
        ("http://a.test/\x00", "control"),
        ("http://1.2.3.4.5/", "IPv4"),
        ("http://a.0x10/", "IPv4"),
        ("http://a..test/", "valid name"),
        ("http://[::1/", "IPv6"),
        ("http://[::1]x/", "after its IPv6 host"),
        ("http://[127.0.0.1]/", "IPv6"),
        ("javascript://a.test/", "http:// or https://"),
        ("http:/a.test/", "http:// or https://"),
        ("http:///a.test", "no host"),
        ("http://" + "a" * 2100 + ".test/", "longer than 2048"),
    ],
)
def test_what_another_parser_would_read_otherwise_is_refused(url: str, why: str) -> None:
    with pytest.raises(InvalidUrl, match=why):
        parse_http_url(url)


@pytest.mark.parametrize(
    ("host", "allowed", "refused"),
    [
        ("127.1", (), True),
        ("0x7f000001", (), True),
        ("::1", (), True),
        ("[::ffff:127.0.0.1]", (), True),
        ("LocalHost.", (), True),
        ("api.localhost", (), True),
        ("169.254.169.254", (), True),
        ("mail.example.com", (), False),  # a name: judged on what it resolves to, when sent
        ("8.8.8.8", (), False),
        ("127.1", ("127.0.0.0/8",), False),
        ("localhost", ("127.0.0.0/8",), False),
        ("[::ffff:127.0.0.1]", ("127.0.0.0/8",), False),
        ("::1", ("127.0.0.0/8",), True),
    ],
)
def test_internal_literals_are_refused_unless_allowed(
    host: str, allowed: tuple[str, ...], refused: bool
) -> None:
    policy = TargetPolicy(allowed=tuple(ipaddress.ip_network(a) for a in allowed))
    assert (refused_host(parse_host(host), policy) is not None) is refused


def test_smtp_ports_are_the_mail_ports_and_those_the_operator_opens() -> None:
    default = target_policy(Settings())
    assert [p for p in range(1, 65536) if default.allows_smtp_port(p)] == [25, 465, 587, 2525]
    opened = target_policy(Settings.from_env({"SENDOUT_SMTP_PORTS": "1025, 2600-2699"}))
    assert opened.allows_smtp_port(1025)
    assert opened.allows_smtp_port(2650)
    assert not opened.allows_smtp_port(2700)
    assert opened.smtp_ports_text() == "25, 465, 587, 2525, 1025, 2600-2699"


@pytest.mark.parametrize("raw", ["ssh", "0", "70000", "30-20", "\u0662\u0665"])
def test_bad_smtp_ports_stop_the_start(raw: str) -> None:
    with pytest.raises(SettingsError, match="SENDOUT_SMTP_PORTS"):
        Settings.from_env({"SENDOUT_SMTP_PORTS": raw})
