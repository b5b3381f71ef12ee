"""Which addresses webhooks may reach (SSRF protection, DESIGN.md §7).

A webhook URL is typed by a user; without a check, Sendout could be made to call services
that only trust their own network (cloud metadata, databases, admin panels). Every address
that is not plainly public unicast is refused unless the operator allows its range (tests and
local demos allow loopback).

The check is a deny list of explicit ranges with the ``ipaddress`` properties on top: the
properties' tables change between Python releases, so they may only add refusals, never be the
only thing that refuses a range. IPv6 forms that carry an IPv4 address (v4-mapped, NAT64,
6to4) are judged by the IPv4 address they lead to.
"""

from __future__ import annotations

import ipaddress
import string
from collections.abc import Sequence
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

_REFUSED_V4: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("0.0.0.0/8"), "'this network' (0.0.0.0/8)"),
    (_V4("10.0.0.0/8"), "private (RFC 1918)"),
    (_V4("100.64.0.0/10"), "carrier-grade NAT (100.64.0.0/10)"),
    (_V4("127.0.0.0/8"), "loopback"),
    (_V4("169.254.0.0/16"), "link-local (cloud metadata lives here)"),
    (_V4("172.16.0.0/12"), "private (RFC 1918)"),
    (_V4("192.0.0.0/24"), "IETF protocol assignments (192.0.0.0/24)"),
    (_V4("192.0.2.0/24"), "documentation (TEST-NET-1)"),
    (_V4("192.88.99.0/24"), "6to4 relay anycast (deprecated)"),
    (_V4("192.168.0.0/16"), "private (RFC 1918)"),
    (_V4("198.18.0.0/15"), "benchmarking (198.18.0.0/15)"),
    (_V4("198.51.100.0/24"), "documentation (TEST-NET-2)"),
    (_V4("203.0.113.0/24"), "documentation (TEST-NET-3)"),
    (_V4("224.0.0.0/4"), "multicast"),
    # Includes the limited broadcast address 255.255.255.255.
    (_V4("240.0.0.0/4"), "reserved (240.0.0.0/4)"),
)

_REFUSED_V6: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    # ::/96 holds the unspecified and loopback addresses and the deprecated v4-compatible form,
    # which some stacks still route to the embedded IPv4 address.
    (_V6("::/96"), "unspecified, loopback or v4-compatible (::/96)"),
    # SIIT's "IPv4-translated" form (::ffff:0:a.b.c.d) is never a public destination.
    (_V6("::ffff:0:0:0/96"), "IPv4-translated (::ffff:0:0:0/96)"),
    # The local-use NAT64 prefix is operator-defined, down to where the IPv4 address sits in
    # it (RFC 6052 allows /48 to /96), so the embedded address cannot be judged: refuse all.
    (_V6("64:ff9b:1::/48"), "local-use NAT64 (64:ff9b:1::/48)"),
    (_V6("100::/64"), "discard-only (100::/64)"),
    # IETF protocol assignments: Teredo (2001::/32, tunnels to an arbitrary IPv4 peer),
    # benchmarking, ORCHID and anycast services; none is a webhook receiver.
    (_V6("2001::/23"), "IETF protocol assignments incl. Teredo (2001::/23)"),
    (_V6("2001:db8::/32"), "documentation (2001:db8::/32)"),
    (_V6("3fff::/20"), "documentation (3fff::/20)"),
    (_V6("5f00::/16"), "SRv6 segment identifiers (5f00::/16)"),
    (_V6("fc00::/7"), "unique-local"),
    (_V6("fe80::/10"), "link-local"),
    (_V6("fec0::/10"), "site-local (deprecated)"),
    (_V6("ff00::/8"), "multicast"),
)

_NAT64 = _V6("64:ff9b::/96")
_MAPPED = _V6("::ffff:0:0/96")
_GLOBAL_UNICAST = _V6("2000::/3")

_HEX = frozenset(string.hexdigits)
_OCT = frozenset(string.octdigits)
_DEC = frozenset(string.digits)


def parse_address(text: str) -> IPAddress | None:
    """The IP address ``text`` spells, or None when it is a name.

    Accepts every spelling a URL parser or ``getaddrinfo`` turns into an address, not only the
    canonical one: IPv6 with a zone id or in brackets, and the legacy IPv4 forms ``inet_aton``
    and the WHATWG URL standard read (``127.1``, ``0x7f000001``, ``2130706433``, ``0177.0.0.1``,
    a trailing dot). A checker that knew only dotted quads would wave these through as names.
    """
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    return _parse_ipv4(text)


def refusal_reason(address: str | IPAddress) -> str | None:
    """Why a webhook may not be sent to ``address``, or None when it is public."""
    ip = parse_address(address) if isinstance(address, str) else address
    if ip is None:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            # A zone id pins the connection to a local interface: only on-link peers are
            # reached that way.
            return "scoped to a local interface (zone id)"
        return _v6_reason(ip)
    return _v4_reason(ip)


def is_public_address(address: str | IPAddress) -> bool:
    """Whether an IP address (v4 or v6, any spelling) is one a webhook may be sent to."""
    return refusal_reason(address) is None


def is_allowed_address(address: str | IPAddress, allowed: Sequence[IPNetwork] = ()) -> bool:
    """Whether a webhook may be sent to ``address``: public, or inside an allowed range.

    A v4-mapped IPv6 address is also compared with the IPv4 ranges, since connecting to it
    reaches the embedded IPv4 address.
    """
    ip = parse_address(address) if isinstance(address, str) else address
    if ip is None:
        return False
    if refusal_reason(ip) is None:
        return True
    candidates: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        # Ranges carry no zone; compare the bare address (an allowed fe80::/10 means on-link
        # peers on any interface).
        ip = ipaddress.IPv6Address(int(ip))
        candidates = [ip]
        if ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
    return any(c.version == net.version and c in net for c in candidates for net in allowed)


def is_localhost_name(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a name under it (RFC 6761 §6.3: always loopback,
    never to be sent to DNS, whatever a resolver would answer for it)."""
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


def _v4_reason(ip: ipaddress.IPv4Address) -> str | None:
    for net, reason in _REFUSED_V4:
        if ip in net:
            return reason
    return _property_reason(ip)


def _v6_reason(ip: ipaddress.IPv6Address) -> str | None:
    mapped = ip.ipv4_mapped
    if mapped is not None:
        return _embedded(_v4_reason(mapped), "v4-mapped")
    if ip in _NAT64:
        return _embedded(_v4_reason(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)), "NAT64")
    sixtofour = ip.sixtofour
    if sixtofour is not None:
        return _embedded(_v4_reason(sixtofour), "6to4")
    for net, reason in _REFUSED_V6:
        if ip in net:
            return reason
    if ip not in _GLOBAL_UNICAST:
        return "reserved (outside 2000::/3)"
    return _property_reason(ip)


def _embedded(reason: str | None, form: str) -> str | None:
    return None if reason is None else f"{form} form of a {reason} IPv4 address"


def _property_reason(ip: IPAddress) -> str | None:
    # Never consulted for the embedding forms above: 64:ff9b::/96 and ::ffff:0:0/96 count as
    # reserved there, which would refuse NAT64 paths to public IPv4 hosts.
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "not globally reachable"
    return None


def _parse_ipv4(text: str) -> ipaddress.IPv4Address | None:
    # The WHATWG URL standard's IPv4 parser, which reads what glibc's inet_aton reads: one to
    # four parts, each decimal, octal (leading 0) or hex (0x); the last part fills the
    # remaining bytes.
    parts = text.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        number = _parse_ipv4_number(part)
        if number is None:
            return None
        numbers.append(number)
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _parse_ipv4_number(part: str) -> int | None:
    if not part:
        return None
    digits, radix, alphabet = part, 10, _DEC
    if part[:2] in ("0x", "0X"):
        digits, radix, alphabet = part[2:], 16, _HEX
    elif len(part) > 1 and part[0] == "0":
        digits, radix, alphabet = part[1:], 8, _OCT
    if not digits:
        return 0  # WHATWG reads a bare "0x" as zero; treating more as an address is safe
    # Checked by hand: int() would also take "_" separators and non-ASCII digits.
    if not set(digits) <= alphabet:
        return None
    return int(digits, radix)


@dataclass(frozen=True, slots=True)
class HostLookup:
    """What a host name resolved to when a target naming it was saved: a hint for the person
    saving it (``services/pipeline/target_warnings.py``), never a verdict (DNS answers change; the
    senders judge each address they connect to)."""

    #: the addresses found, in the resolver's order; empty when the name did not resolve
    addresses: tuple[str, ...] = ()
    #: why the name did not resolve (the resolver's error), or None
    failure: str | None = None
    #: no answer within the bound: nothing is known about the name
    timed_out: bool = False


#: the ports mail is submitted or relayed on (SMTP, SMTPS, submission, the common alternative)
SMTP_PORTS: tuple[range, ...] = (range(25, 26), range(465, 466), range(587, 588), range(2525, 2526))


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    """Where this installation's channels may connect: public addresses and the ranges the
    operator allows (``SENDOUT_ALLOWED_TARGETS``); SMTP only on the mail ports and the ones the
    operator opens (``SENDOUT_SMTP_PORTS``).

    The port list exists because SMTP answers in text: a server on any other port (SSH, Redis,
    an admin console) would have its banner read back to whoever configured the integration.
    """

    allowed: tuple[IPNetwork, ...] = ()
    #: the ports SMTP may connect to, as ranges (an operator may open ``2500-2599``)
    smtp_ports: tuple[range, ...] = SMTP_PORTS

    def allows(self, address: str | IPAddress) -> bool:
        return is_allowed_address(address, self.allowed)

    def allows_smtp_port(self, port: int) -> bool:
        return any(port in ports for ports in self.smtp_ports)

    def smtp_ports_text(self) -> str:
        """The open SMTP ports as an operator writes them (``25, 465, 587, 2525, 2600-2699``)."""
        return ", ".join(
            str(r.start) if len(r) == 1 else f"{r.start}-{r.stop - 1}" for r in self.smtp_ports
        )
