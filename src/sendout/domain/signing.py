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
import hashlib
import hmac
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"


def voucherify_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
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
