"""Response schemas: distributions, their channels and the "Show output" preview
(documentation only, never validated per request)."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict

DistributionStatus = Literal["DRAFT", "ACTIVE", "PAUSED", "TO_SEND", "DONE", "CANCELED"]


class Trigger(TypedDict):
    """The event that starts the distribution, and that event's parameters (``segment_id``,
    ``custom_event``, ``campaign_id``, ``loyalty_tier_id``) as given."""

    event: str
    segment_id: NotRequired[str]
    custom_event: NotRequired[str]
    campaign_id: NotRequired[str]
    loyalty_tier_id: NotRequired[str]


class DistributionAction(TypedDict):
    """What runs before the message goes out: ``PUBLISH`` a code, ``NOTIFY`` about a
    promotion, or a ``PLAIN`` message."""

    type: Literal["NOTIFY", "PUBLISH", "PLAIN"]
    campaign_id: NotRequired[str]
    promotion_tier_id: NotRequired[str]


class RetrySettings(TypedDict):
    """A channel's own retry ladder (the default one when the channel has none)."""

    max_retries: int
    initial_delay_seconds: int
    max_delay_seconds: int


class Attribute(TypedDict):
    path: str
    key: str | None


class DistributionChannel(TypedDict):
    """One channel: a webhook (``url``, ``headers``, ``payload``...) or a message channel
    (email, sms, an integration: its ``settings``). Secret header values show as
    ``********``; the signing secret is read at ``.../channels/{id}/secret``."""

    id: str
    type: str
    event_name: str
    url: NotRequired[str]
    headers: NotRequired[dict[str, str]]
    secret_headers: NotRequired[list[str]]
    payload: NotRequired[str | None]
    attributes: NotRequired[list[Attribute]]
    raw_payload: NotRequired[bool]
    settings: NotRequired[dict[str, str]]
    retry: RetrySettings | None


class SendoutCounts(TypedDict):
    """The distribution's send-outs by status."""

    PENDING: int
    DELIVERED: int
    FAILED: int
    HELD: int
    SKIPPED: int
    CANCELED: int
    total: int


class DistributionStatistics(TypedDict):
    sendouts: SendoutCounts


class Distribution(TypedDict):
    """A distribution (``distr_...``): a trigger, an action and channels. Manual ones
    (``manual_distribution_schedule``) also carry ``recipients``, ``set_live_at`` and
    ``progress``."""

    id: str
    object: Literal["distribution"]
    name: str
    status: DistributionStatus
    #: why it is PAUSED (``delivery_failed``, ``action_failed``), null otherwise
    paused_reason: str | None
    trigger: Trigger
    conditions: dict[str, Any]
    action: DistributionAction
    channels: list[DistributionChannel]
    created_at: str
    updated_at: str | None
    statistics: DistributionStatistics
    recipients: NotRequired[dict[str, Any]]
    set_live_at: NotRequired[str | None]
    progress: NotRequired[dict[str, int]]
    #: only in the answers to create and update, when a webhook channel's host name cannot be
    #: delivered to now (it resolves only to refused addresses, or not at all)
    warnings: NotRequired[list[str]]


class PreviewChannel(TypedDict):
    id: str
    type: str
    event_name: str


class PreviewOutput(TypedDict):
    """What one channel would send: the request body (or message), or why it would skip."""

    channel: PreviewChannel
    body: Any
    skipped: str | None


class Preview(TypedDict):
    """The "Show output" panel: each channel's rendering, and what to look at."""

    outputs: list[PreviewOutput]
    warnings: list[str]


class Recovery(TypedDict):
    """How many failed send-outs were queued again."""

    object: Literal["recovery"]
    distribution_id: str
    since: str
    requeued: int


DISTRIBUTION_EXAMPLE: dict[str, Any] = {
    "id": "distr_sYfIE81kZZAaEQ38IUzRwdZu",
    "object": "distribution",
    "name": "Welcome code",
    "status": "ACTIVE",
    "paused_reason": None,
    "trigger": {"event": "customer.custom_event", "custom_event": "signed_up"},
    "conditions": {},
    "action": {"type": "PUBLISH", "campaign_id": "camp_GGJEZ9iMJq9TZTjymvgh6XWn"},
    "channels": [
        {
            "id": "ch_Wzq7J8Zi0Xur1tHNdl7KVDat",
            "type": "webhook",
            "event_name": "welcome",
            "url": "https://hooks.example.com/welcome",
            "headers": {"X-Api-Key": "********"},
            "secret_headers": ["X-Api-Key"],
            "payload": '{"code": "{{voucher.code}}", "name": "{{customer.name}}"}',
            "attributes": [],
            "raw_payload": False,
            "retry": None,
        }
    ],
    "created_at": "2026-01-07T18:50:52.671Z",
    "updated_at": None,
    "statistics": {
        "sendouts": {
            "PENDING": 0,
            "DELIVERED": 12,
            "FAILED": 0,
            "HELD": 0,
            "SKIPPED": 1,
            "CANCELED": 0,
            "total": 13,
        }
    },
}

DISTRIBUTION_REQUEST_EXAMPLE: dict[str, Any] = {
    "name": "Welcome code",
    "status": "ACTIVE",
    "trigger": {"event": "customer.custom_event", "custom_event": "signed_up"},
    "action": {"type": "PUBLISH", "campaign_id": "camp_GGJEZ9iMJq9TZTjymvgh6XWn"},
    "channels": [
        {
            "type": "webhook",
            "event_name": "welcome",
            "url": "https://hooks.example.com/welcome",
            "headers": {"X-Api-Key": "key-from-your-receiver"},
            "payload": '{"code": "{{voucher.code}}", "name": "{{customer.name}}"}',
            "raw_payload": False,
        }
    ],
}
