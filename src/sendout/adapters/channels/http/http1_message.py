"""The bytes of a webhook request for the native transport: the head worked out once per
URL (request line, Host, User-Agent, basic authentication from the URL), the caller's headers
checked for line breaks, and the answer's excerpt decoded (gzip, deflate)."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from sendout import __version__
from sendout.adapters.channels.http.http1_protocol import Answer, Origin
from sendout.domain.deliveries import RESPONSE_EXCERPT_BYTES
from sendout.domain.urls import Host, HttpUrl

USER_AGENT = f"Sendout/{__version__}"
#: request headers the transport owns: a user's value would break the message's framing
_OWN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


class Refused(Exception):
    """An attempt that must not be made (its reason is the result's error; final)."""


@dataclass(frozen=True, slots=True)
class Target:
    """What every attempt to one URL shares, worked out once."""

    origin: Origin
    host: Host  # what is connected to (an address, or a name for the resolver and TLS)
    head: bytes  # request line and the fixed headers

    @property
    def tls(self) -> bool:
        return self.origin[0] == "https"


def target_of(url: HttpUrl) -> Target:
    lines = [
        f"POST {url.target} HTTP/1.1",
        f"Host: {url.host_header}",
        f"User-Agent: {USER_AGENT}",
    ]
    credentials = url.credentials
    if credentials is not None:
        # Credentials in the URL mean HTTP basic authentication, as browsers and aiohttp read it.
        pair = ":".join(credentials)
        lines.append(f"Authorization: Basic {base64.b64encode(pair.encode()).decode()}")
    head = ("\r\n".join(lines) + "\r\n").encode()
    return Target(origin=(url.scheme, url.host.name, url.port), host=url.host, head=head)


def message(target: Target, headers: Mapping[str, str], body: bytes) -> bytes:
    parts = [target.head]
    for name, value in headers.items():
        if name.lower() in _OWN_HEADERS:
            continue
        text = f"{name}: {value}\r\n"
        if "\n" in text[:-2] or "\r" in text[:-2] or "\x00" in text:
            # A line break would start a header (or a request) the sender never wrote.
            raise Refused(f"InvalidHeader: {name!r} holds a line break")
        parts.append(text.encode())
    parts.append(b"Content-Length: %d\r\n\r\n" % len(body))
    parts.append(body)
    return b"".join(parts)


def decoded(answer: Answer) -> bytes:
    """The excerpt as the receiver meant it: gzip or deflate undone, as far as it goes."""
    encoding = next(
        (v.strip().lower() for k, v in answer.headers.items() if k.lower() == "content-encoding"),
        "",
    )
    if encoding not in ("gzip", "deflate", "x-gzip") or not answer.excerpt:
        return answer.excerpt
    # 32 + 15: a zlib or a gzip header, whichever comes; a raw deflate stream is tried after.
    for wbits in (47, -15):
        try:
            inflater = zlib.decompressobj(wbits)
            return inflater.decompress(answer.excerpt, RESPONSE_EXCERPT_BYTES)
        except zlib.error:
            continue
    return answer.excerpt
