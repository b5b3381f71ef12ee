"""Which addresses webhooks may reach: the SSRF table (DESIGN.md §7)."""

from __future__ import annotations

import ipaddress

import pytest

from sendout.domain.targets import (
    is_allowed_address,
    is_localhost_name,
    is_public_address,
    parse_address,
    refusal_reason,
)

REFUSED = [
    # IPv4 ranges
    "0.0.0.0",
    "0.1.2.3",  # "this network"
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.0.1",
    "192.168.255.255",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",  # cloud metadata
    "169.254.0.1",
    "100.64.0.1",  # carrier-grade NAT
    "100.127.255.254",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",  # broadcast
    "192.0.0.1",  # IETF protocol assignments
    "192.0.0.9",
    "192.0.2.1",  # documentation
    "198.51.100.1",
    "203.0.113.1",
    "198.18.0.1",  # benchmarking
    "198.19.255.255",
    "192.88.99.1",  # 6to4 relay anycast
    # legacy IPv4 spellings that socket calls and URL parsers read as addresses
    "127.1",
    "0x7f000001",
    "2130706433",
    "0177.0.0.1",
    "017700000001",
    "127.000.000.001",
    "0",
    "0x7f.1",
    "0X7F.0.0.1",
    "127.0.0.1.",
    "0xa.0.0.1",
    "3232235521",  # 192.168.0.1
    "0xa9fea9fe",  # 169.254.169.254
    "0251.0376.0251.0376",  # 169.254.169.254
    "169.254.43518",  # 169.254.169.254
    "0x",
    # IPv6
    "::",
    "::1",
    "0:0:0:0:0:0:0:1",
    "[::1]",
    "fe80::1",
    "fe80::1%eth0",
    "FE80::1%25eth0",
    "2606:4700:4700::1111%eth0",  # a zone id pins the connection to a local link
    "fc00::1",
    "fd12:3456:789a::1",
    "fec0::1",  # site-local
    "ff02::1",
    "ff05::1:3",
    "::ffff:127.0.0.1",  # v4-mapped
    "::ffff:7f00:1",
    "0:0:0:0:0:ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:100.64.0.1",
    "::ffff:0.0.0.0",
    "::127.0.0.1",  # v4-compatible
    "::8.8.8.8",  # v4-compatible is deprecated, even to a public address
    "::ffff:0:127.0.0.1",  # IPv4-translated
    "64:ff9b::7f00:1",  # NAT64 to loopback
    "64:ff9b::10.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::808:808",  # local-use NAT64: the embedding cannot be judged
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",
    "2002:c0a8:101::1",
    "2001::1",  # Teredo
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:2::1",  # benchmarking
    "2001:db8::1",  # documentation
    "3fff::1",
    "100::1",  # discard-only
    "5f00::1",  # SRv6
    "4000::1",  # outside global unicast
    # not addresses at all
    "localhost",
    "example.com",
    "",
    "1.2.3.4.5",
]

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "9.9.9.9",
    "93.184.216.34",
    "11.0.0.1",
    "100.63.255.255",  # just below carrier-grade NAT
    "100.128.0.0",  # just above it
    "172.15.255.255",
    "172.32.0.0",
    "192.0.1.1",
    "198.17.255.255",
    "198.20.0.0",
    "134744072",  # 8.8.8.8, legacy spelling
    "0x08080808",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "[2606:4700:4700::1111]",
    "::ffff:8.8.8.8",  # v4-mapped public
    "64:ff9b::808:808",  # NAT64 to a public address
    "2002:808:808::1",  # 6to4 of a public address
]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)
    assert not is_allowed_address(address)
    assert refusal_reason(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal_reason(address) is None
    assert is_public_address(address)
    assert is_allowed_address(address)


def test_the_tables_are_large_enough() -> None:
    assert len(REFUSED) >= 40
    assert len(set(REFUSED)) == len(REFUSED)


@pytest.mark.parametrize(
    ("address", "allowed", "expected"),
    [
        ("127.0.0.1", ["127.0.0.0/8"], True),
        ("127.1", ["127.0.0.0/8"], True),
        ("::ffff:127.0.0.1", ["127.0.0.0/8"], True),  # the embedded address is compared
        ("::1", ["::1/128"], True),
        ("::1", ["127.0.0.0/8"], False),
        ("127.0.0.1", ["::/0"], False),
        ("10.0.0.1", ["127.0.0.0/8"], False),
        ("10.1.2.3", ["10.0.0.0/8"], True),
        ("192.168.1.1", ["192.168.1.0/24"], True),
        ("192.168.2.1", ["192.168.1.0/24"], False),
        ("fe80::1%eth0", ["fe80::/10"], True),
        ("fd00::1", ["fd00::/8", "10.0.0.0/8"], True),
        ("64:ff9b::7f00:1", ["127.0.0.0/8"], False),  # NAT64 goes through a gateway
        ("8.8.8.8", [], True),
        ("not an address", ["0.0.0.0/0"], False),
    ],
)
def test_allowed_ranges_override_the_refusal(
    address: str, allowed: list[str], expected: bool
) -> None:
    networks = [ipaddress.ip_network(net) for net in allowed]
    assert is_allowed_address(address, networks) is expected


@pytest.mark.parametrize(
    "spelling",
    [
        "127.0.0.1",
        "127.1",
        "127.0.1",
        "0x7f000001",
        "0x7F.0x0.0x0.0x1",
        "2130706433",
        "0177.0.0.1",
        "017700000001",
        "127.000.000.001",
        "127.0.0.1.",
    ],
)
def test_legacy_ipv4_spellings_parse_to_the_address_they_reach(spelling: str) -> None:
    assert parse_address(spelling) == ipaddress.IPv4Address("127.0.0.1")


@pytest.mark.parametrize(
    "name",
    [
        "localhost",
        "example.com",
        "1.2.3.4.5",
        "256.1.1.1",
        "08",  # not octal
        "1_0",  # int() would take the separator
        "\u0661\u0662\u0667.0.0.1",  # Arabic-Indic digits, which int() would also take
        "127.0.0.1..",
        "0xg",
    ],
)
def test_names_are_not_addresses(name: str) -> None:
    assert parse_address(name) is None


def test_ipv6_keeps_its_zone() -> None:
    address = parse_address("[fe80::1%eth0]")
    assert isinstance(address, ipaddress.IPv6Address)
    assert address.scope_id == "eth0"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("api.localhost", True),
        ("localhost.example.com", False),
        ("notlocalhost", False),
    ],
)
def test_localhost_names(host: str, expected: bool) -> None:
    assert is_localhost_name(host) is expected
