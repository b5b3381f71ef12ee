"""A distribution's webhook channel: its settings, its retry ladder, and the body it sends.

The channel is checked when a distribution is saved (``distribution_checks.py``); here is
what it holds, how the API shows it (secret header values masked), and the JSON document a
send-out of it posts (seed 001, DESIGN.md §7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sendout.domain.clock import iso
from sendout.domain.errors import invalid_field
from sendout.domain.retry import RetryPolicy, retry_object
from sendout.domain.secret_headers import masked, secret_names, secret_values
from sendout.domain.signing import signing_secrets
from sendout.domain.template_nodes import Template
from sendout.domain.templates import (
    compiled_attributes,
    compiled_template,
    parse_template,
    template_from_attributes,
)

MAX_RETRIES = 20
MIN_FIRST_DELAY = timedelta(seconds=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookChannel:
    id: str
    event_name: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    #: headers the channel marks secret (lower case), beyond those secret by their name
    #: (``secret_headers.py``): their values are never shown, only ``MASK``
    secret_headers: frozenset[str] = frozenset()
    payload: str | None = None
    attributes: tuple[tuple[str, str | None], ...] = ()
    raw_payload: bool = False
    secret: str
    #: the secret before the last rotation, still used to sign for ``SECRET_OVERLAP``
    previous_secret: str | None = None
    secret_rotated_at: datetime | None = None
    #: this channel's retry ladder; None: Voucherify's default
    retry: RetryPolicy | None = None

    @property
    def type(self) -> str:
        return "webhook"

    def template(self) -> Template | None:
        if self.payload is not None:
            return parse_template(self.payload)
        if self.attributes:
            return template_from_attributes(self.attributes)
        return None

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets requests are signed with now: the current one first."""
        return signing_secrets(self.secret, self.previous_secret, self.secret_rotated_at, now)

    def shown_headers(self) -> dict[str, str]:
        """The headers as they are shown and recorded: secret values masked."""
        return masked(self.headers, self.secret_headers)

    def secret_header_values(self) -> dict[str, str]:
        """The secret headers with their values: what the sender puts back in a request."""
        return secret_values(self.headers, self.secret_headers)

    def as_object(self) -> dict[str, Any]:
        """The channel as the API shows it: the signing secret is read through its own
        endpoint, secret header values never (``MASK`` stands for them)."""
        return {
            "id": self.id,
            "type": self.type,
            "event_name": self.event_name,
            "url": self.url,
            "headers": self.shown_headers(),
            "secret_headers": sorted(secret_names(self.headers, self.secret_headers)),
            "payload": self.payload,
            "attributes": [{"path": path, "key": key} for path, key in self.attributes],
            "raw_payload": self.raw_payload,
            "retry": None if self.retry is None else retry_object(self.retry),
        }


def parse_retry(raw: Any, where: str) -> RetryPolicy | None:
    """A channel's ``retry`` setting: ``{max_retries, initial_delay_seconds,
    max_delay_seconds}``, each optional (the default ladder fills the rest)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise invalid_field(
            "an object with max_retries, initial_delay_seconds, max_delay_seconds", where
        )
    unknown = set(raw) - {"max_retries", "initial_delay_seconds", "max_delay_seconds"}
    if unknown:
        raise invalid_field(f"unknown setting {sorted(unknown)[0]}", where)
    default = RetryPolicy()
    values: dict[str, int] = {}
    for name in ("max_retries", "initial_delay_seconds", "max_delay_seconds"):
        value = raw.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise invalid_field("a whole number", f"{where}.{name}")
        if value is not None:
            values[name] = value
    retries = values.get("max_retries", default.retries)
    # Seconds beyond a day are refused before timedelta sees them (it overflows past 10^14).
    day = int(default.max_delay.total_seconds())
    if not 0 <= values.get("initial_delay_seconds", 0) <= day:
        raise invalid_field("1 second to 24 hours", f"{where}.initial_delay_seconds")
    if not 0 <= values.get("max_delay_seconds", 0) <= day:
        raise invalid_field("initial_delay_seconds to 24 hours", f"{where}.max_delay_seconds")
    first = timedelta(seconds=values.get("initial_delay_seconds", 0)) or default.first_delay
    largest = timedelta(seconds=values.get("max_delay_seconds", 0)) or default.max_delay
    if not 0 <= retries <= MAX_RETRIES:
        raise invalid_field(f"0 to {MAX_RETRIES}", f"{where}.max_retries")
    if not MIN_FIRST_DELAY <= first <= default.max_delay:
        raise invalid_field("1 second to 24 hours", f"{where}.initial_delay_seconds")
    if not first <= largest <= default.max_delay:
        raise invalid_field("initial_delay_seconds to 24 hours", f"{where}.max_delay_seconds")
    return RetryPolicy(retries=retries, first_delay=first, max_delay=largest)


@dataclass(frozen=True, slots=True, kw_only=True)
class EnvelopeContext:
    """What the webhook envelope says about where a message comes from."""

    sendout_id: str
    project_id: str
    created_at: datetime
    distribution_id: str
    event: Mapping[str, Any]


def channel_body(channel: WebhookChannel, data: Mapping[str, Any], context: EnvelopeContext) -> Any:
    """The JSON document a webhook channel sends for an event (seed 001, DESIGN.md §7).

    No template: ``data`` holds all the event's objects. A template renders into ``data``, or
    is the whole body when the channel's raw flag is set.
    """
    if channel.payload is not None:
        rendered = compiled_template(channel.payload)(data)
    elif channel.attributes:
        rendered = compiled_attributes(channel.attributes)(data)
    else:
        rendered = dict(data)
    if channel.raw_payload and (channel.payload is not None or channel.attributes):
        return rendered
    return {
        "id": context.sendout_id,
        "project_id": context.project_id,
        "created_at": iso(context.created_at),
        "type": channel.event_name,
        "data": rendered,
        "source": {
            "id": context.distribution_id,
            "object": "distribution",
            "target_url": channel.url,
        },
        "event": dict(context.event),
    }
