"""The one reading of a target's URL or host: what the senders connect to is what was checked
when the URL was saved.

Two parsers that disagree are an SSRF hole: ``urllib.parse`` reads ``http://a\\@127.0.0.1/``
as a request to 127.0.0.1, a browser as one to ``a``; yarl folds full-width digits into
ASCII, ``urllib`` does not. So a URL is accepted only in the plain ASCII form every parser
reads alike, and this module's reading is the one the senders use (the HTTP/1.1 client
builds its request from it; the aiohttp client is handed the URL written back from it):

- ``http`` or ``https``, then ``//`` and a host; no white space, control characters or
  backslashes anywhere;
- the host is ASCII: letters, digits, ``-``, ``_`` and dots (international names are written
  in their ``xn--`` form), or an IP address in any spelling the socket layer reads
  (``127.1``, ``0x7f000001``, ``[::ffff:127.0.0.1]``), which is then judged as that address;
  no percent-encoding; a name whose last label is a number must be a valid IPv4 address;
- at most one ``@``, and user name and password only in RFC 3986's characters;
- the port, when given, is 1 to 65535 in ASCII digits;
- path and query are kept as written, non-ASCII characters percent-encoded (UTF-8).

Address literals are judged when a URL is saved; names are judged when they are resolved
(DNS answers change), by the senders.
"""

from __future__ import annotations

import ipaddress
import string
from dataclasses import dataclass
from urllib.parse import quote, unquote

from sendout.domain.targets import (
    IPAddress,
    TargetPolicy,
    is_localhost_name,
    parse_address,
    refusal_reason,
)

MAX_URL_LENGTH = 2048
_NAME_CHARS = frozenset(string.ascii_lowercase + string.digits + "-_.")
_V6_CHARS = frozenset(string.hexdigits + ":.")
_ZONE_CHARS = frozenset(string.ascii_letters + string.digits + "-._~")
_USERINFO_CHARS = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:%")
_DIGITS = frozenset(string.digits)
_HEX = frozenset(string.hexdigits)
#: what may stay as written in a path or query: printable ASCII (the rest is percent-encoded)
_PATH_SAFE = "".join(chr(c) for c in range(33, 127))


class InvalidUrl(ValueError):
    """A URL or host that cannot be used as a target; the message says why."""


@dataclass(frozen=True, slots=True)
class Host:
    """A target's host as the senders read it."""

    #: lowercase ASCII as written (a trailing dot kept); an address in its canonical form
    name: str
    #: the address when the host is an IP literal, in whatever spelling it was written
    address: IPAddress | None = None

    @property
    def lookup_name(self) -> str:
        """What the resolver and TLS (SNI, certificate check) are given."""
        return self.name.rstrip(".")

    @property
    def shown(self) -> str:
        """The host as a URL writes it (IPv6 in brackets, a zone id as ``%25zone``)."""
        return f"[{self.name.replace('%', '%25')}]" if ":" in self.name else self.name


def parse_host(text: str) -> Host:
    """A host name or IP address (an IPv6 address with or without brackets)."""
    if not text:
        raise InvalidUrl("no host")
    bracketed = text.startswith("[") and text.endswith("]")
    if bracketed or ":" in text:
        return _ipv6_host(text[1:-1] if bracketed else text)
    if not text.isascii():
        raise InvalidUrl("the host must be ASCII (international names in their xn-- form)")
    name = text.lower()
    if "%" in name:
        raise InvalidUrl("the host must not be percent-encoded")
    bad = next((c for c in name if c not in _NAME_CHARS), None)
    if bad is not None:
        raise InvalidUrl(f"the host holds {bad!r}")
    address = parse_address(name)
    if address is not None:
        # The canonical text: what is connected to, whatever the spelling.
        return Host(name=str(address), address=address)
    labels = name.removesuffix(".").split(".")
    if len(name) > 253 or any(not 0 < len(label) <= 63 for label in labels):
        raise InvalidUrl("the host is not a valid name")
    if _is_number(labels[-1]):
        # A name ending in a number is read as an IPv4 address by browsers and yarl.
        raise InvalidUrl("the host is not a valid IPv4 address")
    return Host(name=name)


def _ipv6_host(text: str) -> Host:
    address, zone = text, ""
    if "%" in text:
        # RFC 6874: a zone id in a URL is written %25zone.
        address, _, zone = text.partition("%")
        zone = zone.removeprefix("25")
        if not zone or not set(zone) <= _ZONE_CHARS:
            raise InvalidUrl("the host is not a valid IPv6 address")
    if not set(address) <= _V6_CHARS:
        raise InvalidUrl("the host is not a valid IPv6 address")
    try:
        parsed = ipaddress.IPv6Address(f"{address}%{zone}" if zone else address)
    except ValueError:
        raise InvalidUrl("the host is not a valid IPv6 address") from None
    return Host(name=str(parsed), address=parsed)


def _is_number(label: str) -> bool:
    if label[:2] in ("0x", "0X"):
        return set(label[2:]) <= _HEX
    return set(label) <= _DIGITS


@dataclass(frozen=True, slots=True)
class HttpUrl:
    """An ``http`` or ``https`` URL as the senders read it."""

    scheme: str
    host: Host
    port: int
    #: the port was written out (the Host header then carries it)
    explicit_port: bool
    #: path and query, ASCII ("/" when the URL has no path)
    target: str
    #: user name and password as written (percent-encoded), or None
    userinfo: str | None = None

    @property
    def tls(self) -> bool:
        return self.scheme == "https"

    @property
    def credentials(self) -> tuple[str, str] | None:
        """The user name and password, decoded (HTTP basic authentication)."""
        if self.userinfo is None:
            return None
        user, _, password = self.userinfo.partition(":")
        return unquote(user), unquote(password)

    @property
    def host_header(self) -> str:
        return f"{self.host.shown}:{self.port}" if self.explicit_port else self.host.shown

    def __str__(self) -> str:
        user = "" if self.userinfo is None else f"{self.userinfo}@"
        return f"{self.scheme}://{user}{self.host_header}{self.target}"


def parse_http_url(text: str) -> HttpUrl:
    if len(text) > MAX_URL_LENGTH:
        raise InvalidUrl(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ord(c) < 33 or c == "\x7f" or c.isspace() for c in text):
        raise InvalidUrl("the URL contains white space or control characters")
    if "\\" in text:
        raise InvalidUrl("the URL contains a backslash (write it as %5C)")
    scheme, separator, rest = text.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in ("http", "https"):
        raise InvalidUrl("the URL must start with http:// or https://")
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, target = rest[:end], rest[end:].partition("#")[0]
    userinfo: str | None = None
    if "@" in authority:
        userinfo, _, authority = authority.partition("@")
        if "@" in authority:
            raise InvalidUrl("the URL holds more than one '@'")
        if not set(userinfo) <= _USERINFO_CHARS:
            raise InvalidUrl("the user name or password holds characters to percent-encode")
    host_text, port_text = authority, None
    if authority.startswith("["):
        close = authority.find("]")
        if close < 0:
            raise InvalidUrl("the host is not a valid IPv6 address")
        host_text, after = authority[: close + 1], authority[close + 1 :]
        if after:
            if not after.startswith(":"):
                raise InvalidUrl("the URL has text after its IPv6 host")
            port_text = after[1:]
    elif ":" in authority:
        host_text, _, port_text = authority.partition(":")
    if not host_text:
        raise InvalidUrl("the URL has no host")
    host = parse_host(host_text)
    default = 443 if scheme == "https" else 80
    port = default if port_text is None else _port(port_text)
    if not target.startswith("/"):
        target = "/" + target
    return HttpUrl(
        scheme=scheme,
        host=host,
        port=port,
        explicit_port=port_text is not None and port != default,
        target=quote(target, safe=_PATH_SAFE),
        userinfo=userinfo,
    )


def _port(text: str) -> int:
    if not text or not set(text) <= _DIGITS or len(text) > 5 or not 0 < int(text) < 65536:
        raise InvalidUrl("the port must be a number from 1 to 65535")
    return int(text)


def refused_host(host: Host, policy: TargetPolicy) -> str | None:
    """Why ``host`` may not be connected to whatever DNS says, or None: an address literal
    outside the public and allowed ranges, or a ``localhost`` name (always loopback, RFC 6761)
    when loopback is not allowed. Other names are judged when they are resolved."""
    if host.address is not None:
        if policy.allows(host.address):
            return None
        reason = refusal_reason(host.address)
        return f"{host.name} is not a public address ({reason}); see SENDOUT_ALLOWED_TARGETS"
    if is_localhost_name(host.name) and not (policy.allows("127.0.0.1") or policy.allows("::1")):
        return f"{host.lookup_name} is loopback; see SENDOUT_ALLOWED_TARGETS"
    return None
