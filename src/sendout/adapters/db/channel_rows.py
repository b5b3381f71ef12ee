"""A distribution's channels as stored (a JSON list in its row), secrets sealed by the box.

Sealed: a webhook channel's signing secrets and the values of its secret headers. The rest of
a channel (its URL, its other headers, its templates) is stored as the API shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sendout.adapters.db.crypto import SecretBox
from sendout.domain.channels import MessageChannel
from sendout.domain.clock import iso_or_none, parse_iso
from sendout.domain.distributions import Channel
from sendout.domain.retry import retry_object
from sendout.domain.webhook_channels import WebhookChannel, parse_retry


def channel_value(c: Channel, box: SecretBox) -> dict[str, Any]:
    if isinstance(c, MessageChannel):
        return c.as_object()
    secret_names = c.secret_header_values().keys()
    return {
        **c.as_object(),
        "headers": {
            name: box.seal(value) if name in secret_names else value
            for name, value in c.headers.items()
        },
        # only the channel's own marks: the names secret by default follow the rule of the day
        "secret_headers": sorted(c.secret_headers),
        "secret": box.seal(c.secret),
        "previous_secret": box.seal_optional(c.previous_secret),
        "secret_rotated_at": iso_or_none(c.secret_rotated_at),
        "retry": None if c.retry is None else retry_object(c.retry),
    }


def channel_of(c: Mapping[str, Any], box: SecretBox) -> Channel:
    if c.get("type", "webhook") != "webhook":
        return MessageChannel(
            id=c["id"],
            type=c["type"],
            event_name=c["event_name"],
            settings=c["settings"],
            retry=parse_retry(c.get("retry"), "retry"),
        )
    rotated = c.get("secret_rotated_at")
    return WebhookChannel(
        id=c["id"],
        event_name=c["event_name"],
        url=c["url"],
        # A header stored before it was secret is plain: ``open`` passes it through.
        headers={name: box.open(value) for name, value in c["headers"].items()},
        secret_headers=frozenset(c.get("secret_headers") or ()),
        payload=c["payload"],
        attributes=tuple((a["path"], a["key"]) for a in c["attributes"]),
        raw_payload=c["raw_payload"],
        secret=box.open(c["secret"]),
        previous_secret=box.open_optional(c.get("previous_secret")),
        secret_rotated_at=None if rotated is None else parse_iso(rotated),
        retry=parse_retry(c.get("retry"), "retry"),
    )
