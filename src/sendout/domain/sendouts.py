"""Send-outs: one message of one channel of one distribution for one event.

A send-out holds its fully rendered request (URL, headers, body bytes), so delivery does no
templating and a retry sends exactly the same bytes. Its life (every change of its state) is
``sendout_lifecycle.py``; here are what it is, the phase it is in, and how the API shows it.

The stored status is coarser than the phase: PENDING is due, in flight (a worker holds its
lease token) or retry scheduled (attempted before).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.clock import iso, iso_or_none
from sendout.domain.secret_headers import masked


class SendoutStatus(StrEnum):
    #: waiting for (another) delivery attempt, or being attempted (see ``Phase``)
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


class Phase(StrEnum):
    """Where a send-out is in its life (finer than the stored status)."""

    HELD = "held"
    SKIPPED = "skipped"
    DUE = "due"
    IN_FLIGHT = "in_flight"
    DELIVERED = "delivered"
    RETRY_SCHEDULED = "retry_scheduled"
    FAILED = "failed"
    CANCELED = "canceled"


class SourceKind(StrEnum):
    DISTRIBUTION = "distribution"
    #: a project webhook (``wh_…``): disabled, not paused, when its retries run out
    WEBHOOK = "webhook"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """What a send-out comes from: a distribution's channel, or a project webhook."""

    kind: SourceKind
    id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Sendout:
    id: str
    project_id: str
    source: SourceRef
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
    #: the fencing token of the claim that holds it in flight (None when nobody does)
    lease_token: str | None = None

    @property
    def distribution_id(self) -> str:
        """The source's id (named so in the API, a project webhook's id included)."""
        return self.source.id


@dataclass(frozen=True, slots=True)
class ClaimState:
    """What a report of an attempt is checked against: the send-out as stored now."""

    status: SendoutStatus
    lease_token: str | None
    attempts_count: int


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


#: Statuses a send-out can be sent again from (``resend``, ``recover``, set live).
RESENDABLE = frozenset(
    {SendoutStatus.FAILED, SendoutStatus.DELIVERED, SendoutStatus.CANCELED, SendoutStatus.HELD}
)


def phase(sendout: Sendout) -> Phase:
    if sendout.status is SendoutStatus.PENDING:
        if sendout.lease_token is not None:
            return Phase.IN_FLIGHT
        return Phase.RETRY_SCHEDULED if sendout.attempts_count else Phase.DUE
    return Phase(sendout.status.value.lower())


def in_flight(sendout: Sendout, now: datetime) -> bool:
    """An attempt is out under a lease that has not run out (past it, its worker is presumed
    dead: the send-out is due again, and its token goes with the next transition)."""
    lease_over = sendout.next_attempt_at is not None and sendout.next_attempt_at <= now
    return phase(sendout) is Phase.IN_FLIGHT and not lease_over


def sendout_object(sendout: Sendout, *, with_request: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": sendout.id,
        "object": "sendout",
        "distribution_id": sendout.source.id,
        # Where it comes from: a distribution's channel, or a project webhook.
        "source": {"id": sendout.source.id, "object": sendout.source.kind.value},
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
