"""Send-outs: one message of one channel of one distribution for one event.

A send-out holds its fully rendered request (URL, headers, body bytes), so delivery does no
templating and a retry sends exactly the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.clock import iso, iso_or_none
from sendout.domain.secret_headers import masked
from sendout.domain.webhooks import WEBHOOK_ID_PREFIX


class SendoutStatus(StrEnum):
    #: waiting for (another) delivery attempt
    PENDING = "PENDING"
    #: a 2xx answer was received
    DELIVERED = "DELIVERED"
    #: retries ran out, or the action could not run (``reason`` says why)
    FAILED = "FAILED"
    #: waiting for its paused distribution to be set live again
    HELD = "HELD"
    #: nothing to send (e.g. no address for the channel); ``reason`` says why
    SKIPPED = "SKIPPED"
    CANCELED = "CANCELED"


@dataclass(frozen=True, slots=True, kw_only=True)
class Sendout:
    id: str
    project_id: str
    distribution_id: str
    channel_id: str
    channel: str
    event_id: str
    #: the type of the event that caused it (the trigger), for filtering the log
    event_type: str | None = None
    customer_id: str | None
    status: SendoutStatus
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    reason: str | None = None
    attempts_count: int = 0
    next_attempt_at: datetime | None = None
    created_at: datetime
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SendoutQuery:
    limit: int = 10
    page: int = 1
    distribution_id: str | None = None
    status: SendoutStatus | None = None
    customer_id: str | None = None
    event_type: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


#: Statuses a send-out can be sent again from (``resend``, ``recover``).
RESENDABLE = frozenset(
    {SendoutStatus.FAILED, SendoutStatus.DELIVERED, SendoutStatus.CANCELED, SendoutStatus.HELD}
)


def sendout_object(sendout: Sendout, *, with_request: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": sendout.id,
        "object": "sendout",
        "distribution_id": sendout.distribution_id,
        # Where it comes from: a distribution's channel, or a project webhook.
        "source": {
            "id": sendout.distribution_id,
            "object": "webhook"
            if sendout.distribution_id.startswith(WEBHOOK_ID_PREFIX + "_")
            else "distribution",
        },
        "event_id": sendout.event_id,
        "event_type": sendout.event_type,
        "customer_id": sendout.customer_id,
        "channel": sendout.channel,
        "channel_id": sendout.channel_id,
        "status": sendout.status.value,
        "reason": sendout.reason,
        "attempts_count": sendout.attempts_count,
        "next_attempt_at": iso_or_none(sendout.next_attempt_at),
        "created_at": iso(sendout.created_at),
        "updated_at": iso_or_none(sendout.updated_at),
    }
    if with_request:
        body["request"] = {
            "url": sendout.url,
            # Recorded masked since secret headers exist; masked again for rows from before.
            "headers": masked(sendout.headers),
            "body": sendout.body.decode(),
        }
    return body
