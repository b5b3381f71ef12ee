"""Response schemas: send-outs, their attempts, and the webhook envelope a receiver gets
(documentation only, never validated per request)."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict

SendoutStatus = Literal["PENDING", "DELIVERED", "FAILED", "HELD", "SKIPPED", "CANCELED"]


class SendoutSource(TypedDict):
    """Where the send-out comes from: a distribution's channel or a project webhook."""

    id: str
    object: Literal["distribution", "webhook"]


class SentRequest(TypedDict):
    """The request the send-out sends (secret header values masked)."""

    url: str
    headers: dict[str, str]
    body: str


class Attempt(TypedDict):
    """One delivery attempt: the answer's status and an excerpt, or the error."""

    started_at: str
    duration_ms: int | None
    status_code: int | None
    response_headers: dict[str, str] | None
    response_excerpt: str | None
    error: str | None


class Sendout(TypedDict):
    """A send-out (``whs_...``): one message of one channel for one event. ``request`` and
    ``attempts`` are in ``GET /v1/sendouts/{id}`` only."""

    id: str
    object: Literal["sendout"]
    distribution_id: str
    source: SendoutSource
    event_id: str | None
    event_type: str | None
    customer_id: str | None
    #: the channel's event name
    channel: str
    channel_id: str | None
    status: SendoutStatus
    #: why it FAILED, was SKIPPED or CANCELED (``HTTP 410``, ``no email address``...)
    reason: str | None
    attempts_count: int
    next_attempt_at: str | None
    created_at: str
    updated_at: str | None
    request: NotRequired[SentRequest]
    attempts: NotRequired[list[Attempt]]


class EnvelopeSource(TypedDict):
    id: str
    object: Literal["distribution", "webhook"]
    target_url: str


class EnvelopeEvent(TypedDict):
    """The customer event that started the send-out."""

    id: str
    type: str
    created_at: str
    entity_id: str | None
    group_id: str | None
    event_source: dict[str, Any]


class WebhookEnvelope(TypedDict):
    """The body a webhook receiver gets (unless the channel sends a raw payload: then the
    rendered template is the whole body). Signed with ``x-voucherify-signature`` (hex
    HMAC-SHA256 of the body with the channel's secret) and the Standard Webhooks headers
    ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``."""

    #: the send-out's id, stable across retries (deduplicate on it)
    id: str
    project_id: str
    created_at: str
    #: the channel's event name
    type: str
    #: the rendered payload template, or all the event's objects without a template
    data: Any
    source: EnvelopeSource
    event: EnvelopeEvent


SENDOUT_EXAMPLE: dict[str, Any] = {
    "id": "whs_0Vd8zvGQYpA8UzuYDgEijFU6",
    "object": "sendout",
    "distribution_id": "distr_sYfIE81kZZAaEQ38IUzRwdZu",
    "source": {"id": "distr_sYfIE81kZZAaEQ38IUzRwdZu", "object": "distribution"},
    "event_id": "evcus_0Vd8zvGNqGaJOxBReoF7XIqu",
    "event_type": "customer.custom_event",
    "customer_id": "cust_GKFeG2Lw7k5iRLgV1D0Qi7EL",
    "channel": "welcome",
    "channel_id": "ch_Wzq7J8Zi0Xur1tHNdl7KVDat",
    "status": "DELIVERED",
    "reason": None,
    "attempts_count": 1,
    "next_attempt_at": None,
    "created_at": "2026-01-07T18:50:52.374Z",
    "updated_at": "2026-01-07T18:50:52.380Z",
}

ENVELOPE_EXAMPLE: dict[str, Any] = {
    "id": "whs_0Vd8zvGQYpA8UzuYDgEijFU6",
    "project_id": "proj_H1JGTQw90rUdF4IW5XT49Gyc",
    "created_at": "2026-01-07T18:50:52.374Z",
    "type": "welcome",
    "data": {"code": "WELCOME-8KX2", "name": "Alice"},
    "source": {
        "id": "distr_sYfIE81kZZAaEQ38IUzRwdZu",
        "object": "distribution",
        "target_url": "https://hooks.example.com/welcome",
    },
    "event": {
        "id": "evcus_0Vd8zvGNqGaJOxBReoF7XIqu",
        "type": "customer.custom_event",
        "created_at": "2026-01-07T18:50:52.371Z",
        "entity_id": "evcus_0Vd8zvGNqGaJOxBReoF7XIqu",
        "group_id": "v-bba06ba05ccdf8bdaf",
        "event_source": {"channel": "API"},
    },
}
