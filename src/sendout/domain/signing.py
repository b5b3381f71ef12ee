"""Webhook signatures: Voucherify's and Standard Webhooks' (DESIGN.md §7).

- ``x-voucherify-signature``: hex HMAC-SHA256 of the exact body bytes, keyed by the channel's
  secret (the whole ``whsec_…`` string, as the receiver is given it).
- ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``: the Standard Webhooks scheme,
  ``v1,`` + base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}`` keyed by the base64-decoded part
  of the secret after ``whsec_``. Several signatures (old and new secret, during a rotation)
  are separated by spaces.
"""

from __future__ import annotations

import base64
import functools
import hmac
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sendout.domain.clock import iso, iso_or_none

SECRET_PREFIX = "whsec_"
#: How long a rotated-out secret still signs requests, so receivers can switch over.
SECRET_OVERLAP = timedelta(hours=24)


def signing_secrets(
    secret: str, previous: str | None, rotated_at: datetime | None, now: datetime
) -> list[str]:
    """The secrets requests are signed with at ``now``: the current one first, then the one
    it replaced while the overlap lasts."""
    if previous is not None and rotated_at is not None and now < rotated_at + SECRET_OVERLAP:
        return [secret, previous]
    return [secret]


# ``hmac.digest`` is OpenSSL's one-shot HMAC: every request is signed, and the ``hmac.new``
# object costs more than the hashing of a small body.
def voucherify_signature(secret: str, body: bytes) -> str:
    return hmac.digest(secret.encode(), body, "sha256").hex()


@functools.lru_cache(maxsize=1024)  # a channel's secret signs each of its requests
def _standard_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.digest(_standard_key(secret), signed, "sha256")
    return "v1," + base64.b64encode(digest).decode()


def signature_headers(
    secrets: Sequence[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The signature headers of one request; the first secret is the current one."""
    return {
        "x-voucherify-signature": voucherify_signature(secrets[0], body),
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            standard_signature(secret, message_id, timestamp, body) for secret in secrets
        ),
    }


def secret_object(
    owner: tuple[str, str],
    secret: str,
    previous: str | None,
    rotated_at: datetime | None,
    now: datetime,
) -> dict[str, Any]:
    """A signing secret as its owner reads it (``owner``: the id's key and value)."""
    signing = signing_secrets(secret, previous, rotated_at, now)
    overlapping = len(signing) > 1 and rotated_at is not None
    return {
        "object": "webhook_secret",
        owner[0]: owner[1],
        "secret": secret,
        "previous_secret": signing[1] if overlapping else None,
        "previous_secret_expires_at": (
            iso(rotated_at + SECRET_OVERLAP) if overlapping and rotated_at else None
        ),
        "rotated_at": iso_or_none(rotated_at),
    }
