"""Which addresses webhooks may reach (SSRF protection, DESIGN.md §7).

A webhook URL is typed by a user; without a check, Sendout could be made to call services
that only trust their own network (cloud metadata, databases, admin panels). Private,
loopback, link-local, multicast, reserved and unspecified addresses are refused unless the
operator allows them (tests and local demos do).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_allowed_address(address: str, allowed: Sequence[IPNetwork] = ()) -> bool:
    """Whether a webhook may be sent to ``address``: public, or inside an allowed range."""
    if is_public_address(address):
        return True
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in allowed)


def is_public_address(address: str) -> bool:
    """Whether an IP address (v4 or v6) is one a webhook may be sent to."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )
