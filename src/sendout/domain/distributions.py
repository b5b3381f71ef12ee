"""Distributions: a trigger (an event), an action, and channels (seed 001, DESIGN.md §5).

This module holds the rules a distribution must satisfy to be saved: which actions each
trigger allows (the seed's matrix), which parameters each trigger takes, and what makes a
webhook channel valid (event name, URL, headers, payload template or attribute mapping).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sendout.domain.channels import ChannelCatalog, MessageChannel, check_message_channel
from sendout.domain.clock import iso, iso_or_none
from sendout.domain.conditions import MAX_CONDITIONS, holds, operand_problem
from sendout.domain.errors import InvalidPayload
from sendout.domain.event_schemas import EVENT_DATA
from sendout.domain.events import EventType
from sendout.domain.retry import RetryPolicy, retry_object
from sendout.domain.secret_headers import check_marks, masked, secret_names, secret_values
from sendout.domain.signing import signing_secrets
from sendout.domain.targets import TargetPolicy
from sendout.domain.templates import (
    PathSchema,
    Template,
    compiled_attributes,
    compiled_template,
    parse_template,
    template_from_attributes,
)
from sendout.domain.urls import InvalidUrl, parse_http_url, refused_host

MAX_CHANNELS = 10
MAX_HEADERS = 30
MAX_NAME = 200


class Action(StrEnum):
    #: notify customers about a promotion: data gains campaign and promotion_tier
    NOTIFY = "NOTIFY"
    #: send and publish a unique code from a campaign: data gains campaign, voucher, publication
    PUBLISH = "PUBLISH"
    #: send a plain message: the event's own objects
    PLAIN = "PLAIN"


class DistributionStatus(StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    #: a manual distribution waiting for its set_live_at, or sending
    TO_SEND = "TO_SEND"
    #: a manual distribution that has sent everything
    DONE = "DONE"
    #: a manual distribution canceled before it started
    CANCELED = "CANCELED"


class TriggerParameter(StrEnum):
    SEGMENT = "segment_id"
    CUSTOM_EVENT = "custom_event"
    CAMPAIGN = "campaign_id"
    LOYALTY_TIER = "loyalty_tier_id"


ALL_ACTIONS = frozenset(Action)
PLAIN_ONLY = frozenset({Action.PLAIN})

#: The seed's table: which actions each trigger allows.
ACTIONS_BY_TRIGGER: dict[str, frozenset[Action]] = {
    **{
        t.value: ALL_ACTIONS
        for t in (
            EventType.SEGMENT_ENTERED,
            EventType.SEGMENT_LEFT,
            EventType.ORDER_UPDATED,
            EventType.ORDER_PAID,
            EventType.ORDER_CREATED,
            EventType.ORDER_CANCELED,
            EventType.CUSTOMER_CUSTOM_EVENT,
        )
    },
    **{
        t.value: PLAIN_ONLY
        for t in (
            EventType.GIFT_BALANCE_ADDED,
            EventType.LOYALTY_POINTS_ADDED,
            EventType.LOYALTY_POINTS_EXPIRED,
            EventType.PENDING_POINTS_ADDED,
            EventType.PENDING_POINTS_UPDATED,
            EventType.PENDING_POINTS_ACTIVATED,
            EventType.PENDING_POINTS_CANCELED,
            EventType.REDEMPTION_SUCCEEDED,
            EventType.REDEMPTION_ROLLBACK_SUCCEEDED,
            EventType.REWARD_REDEMPTION_COMPLETED,
            EventType.PUBLICATION_SUCCEEDED,
            EventType.TIER_JOINED,
            EventType.TIER_LEFT,
            EventType.TIER_UPGRADED,
            EventType.TIER_DOWNGRADED,
            EventType.TIER_PROLONGED,
            EventType.REWARDED_LOYALTY_POINTS,
            EventType.REWARDED,
            EventType.CUSTOMER_REFERRED,
        )
    },
    # "One or bulk messages": a plain message is not available for webhook channels.
    EventType.MANUAL_DISTRIBUTION_SCHEDULE.value: frozenset({Action.NOTIFY, Action.PUBLISH}),
}

_VOUCHER_EVENTS = (
    EventType.GIFT_BALANCE_ADDED,
    EventType.LOYALTY_POINTS_ADDED,
    EventType.LOYALTY_POINTS_EXPIRED,
    EventType.PENDING_POINTS_ADDED,
    EventType.PENDING_POINTS_UPDATED,
    EventType.PENDING_POINTS_ACTIVATED,
    EventType.PENDING_POINTS_CANCELED,
    EventType.REWARDED_LOYALTY_POINTS,
)
_TIER_EVENTS = (
    EventType.TIER_JOINED,
    EventType.TIER_LEFT,
    EventType.TIER_UPGRADED,
    EventType.TIER_DOWNGRADED,
    EventType.TIER_PROLONGED,
)


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    required: frozenset[TriggerParameter] = frozenset()
    optional: frozenset[TriggerParameter] = frozenset()

    @property
    def allowed(self) -> frozenset[TriggerParameter]:
        return self.required | self.optional


#: Which parameters narrow each trigger (the rest accept none).
PARAMETERS: dict[str, ParameterSpec] = {
    EventType.SEGMENT_ENTERED.value: ParameterSpec(frozenset({TriggerParameter.SEGMENT})),
    EventType.SEGMENT_LEFT.value: ParameterSpec(frozenset({TriggerParameter.SEGMENT})),
    EventType.CUSTOMER_CUSTOM_EVENT.value: ParameterSpec(
        frozenset({TriggerParameter.CUSTOM_EVENT})
    ),
    **{
        t.value: ParameterSpec(optional=frozenset({TriggerParameter.CAMPAIGN}))
        for t in (
            *_VOUCHER_EVENTS,
            EventType.PUBLICATION_SUCCEEDED,
            EventType.REDEMPTION_SUCCEEDED,
            EventType.REWARD_REDEMPTION_COMPLETED,
            EventType.REWARDED,
            EventType.CUSTOMER_REFERRED,
        )
    },
    **{
        t.value: ParameterSpec(
            required=frozenset({TriggerParameter.CAMPAIGN}),
            optional=frozenset({TriggerParameter.LOYALTY_TIER}),
        )
        for t in _TIER_EVENTS
    },
}

#: Objects each action adds to the event's data (reference/event-schemas.json).
ACTION_OBJECTS: dict[Action, tuple[str, ...]] = {
    Action.NOTIFY: ("campaign", "promotion_tier"),
    Action.PUBLISH: ("campaign", "voucher", "publication"),
    Action.PLAIN: (),
}

#: Signature headers Sendout sets itself; a channel may not set them.
RESERVED_HEADERS = frozenset(
    {
        "x-voucherify-signature",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "content-type",
        "content-length",
        "host",
        "transfer-encoding",
        "connection",
    }
)
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 token
_EVENT_NAME = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")


def invalid_field(details: str, field_name: str, resource: str = "distribution") -> InvalidPayload:
    error = InvalidPayload(details=f"{field_name}: {details}", key=f"invalid_{resource}")
    error.resource_type = resource
    return error


def schema_for(event: str, action: Action) -> PathSchema:
    """What a template of a channel on ``event`` with ``action`` may read."""
    spec = EVENT_DATA[event]
    names = set(spec["own"]) | set(ACTION_OBJECTS[action])
    objects = {k: v for k, v in spec["objects"].items() if k in names}
    return PathSchema(objects=objects, nested=spec["nested"])


#: The customer as message channels see it: the whole customer (phone, address, summary), as
#: segment events carry it, since an email or an SMS needs an address an event's
#: ``SimpleCustomer`` does not hold.
_FULL_CUSTOMER = EVENT_DATA[EventType.SEGMENT_ENTERED.value]


def message_schema_for(event: str, action: Action) -> PathSchema:
    """What a message channel's templates on ``event`` with ``action`` may read."""
    schema = schema_for(event, action)
    if "customer" not in schema.objects:
        return schema
    objects = {**schema.objects, "customer": _FULL_CUSTOMER["objects"]["customer"]}
    nested = {**schema.nested, "customer": _FULL_CUSTOMER["nested"]["customer"]}
    return PathSchema(objects=objects, nested=nested)


@dataclass(frozen=True, slots=True, kw_only=True)
class Trigger:
    event: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)

    def as_object(self) -> dict[str, Any]:
        return {"event": self.event, **self.parameters}


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionSpec:
    type: Action
    campaign_id: str | None = None
    promotion_tier_id: str | None = None

    def as_object(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type.value}
        if self.campaign_id is not None:
            body["campaign_id"] = self.campaign_id
        if self.promotion_tier_id is not None:
            body["promotion_tier_id"] = self.promotion_tier_id
        return body


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


#: A distribution's channel: a webhook, or a message through a registered channel kind.
Channel = WebhookChannel | MessageChannel

MANUAL = EventType.MANUAL_DISTRIBUTION_SCHEDULE.value
MAX_RECIPIENT_IDS = 10_000
RECIPIENT_FILTERS = ("segment_id", "email", "city", "name")


@dataclass(frozen=True, slots=True, kw_only=True)
class ManualPlan:
    """Who a manual distribution goes to, when, and how far it got."""

    #: the customers by id or source_id, or None when ``customer_filter`` chooses them
    customer_ids: tuple[str, ...] | None = None
    #: customers matching all of these (``segment_id``, ``email``, ``city``, ``name``)
    customer_filter: Mapping[str, str] | None = None
    set_live_at: datetime | None = None
    done: int = 0
    total: int | None = None
    #: with a filter: the last recipient so far (created_at, id); the next batch starts after
    resume_after: tuple[datetime, str] | None = None

    def check(self) -> None:
        if (self.customer_ids is None) == (self.customer_filter is None):
            raise invalid_field("give customer_ids or a filter", "recipients")
        if self.customer_ids is not None and not 1 <= len(self.customer_ids) <= MAX_RECIPIENT_IDS:
            raise invalid_field(f"1 to {MAX_RECIPIENT_IDS} customer_ids", "recipients.customer_ids")
        if self.customer_filter is not None:
            unknown = set(self.customer_filter) - set(RECIPIENT_FILTERS)
            if unknown or not self.customer_filter:
                raise invalid_field(
                    f"filter on {', '.join(RECIPIENT_FILTERS)}", "recipients.filter"
                )

    def as_object(self) -> dict[str, Any]:
        recipients: dict[str, Any] = (
            {"customer_ids": list(self.customer_ids)}
            if self.customer_ids is not None
            else {"filter": dict(self.customer_filter or {})}
        )
        return {
            "recipients": recipients,
            "set_live_at": iso_or_none(self.set_live_at),
            "progress": {"done": self.done, "total": self.total},
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Distribution:
    id: str
    project_id: str
    name: str
    status: DistributionStatus
    trigger: Trigger
    action: ActionSpec
    channels: tuple[Channel, ...]
    created_at: datetime
    updated_at: datetime | None = None
    manual: ManualPlan | None = None
    #: why it is PAUSED: ``delivery_failed``/``action_failed`` (Sendout did it, send-outs are
    #: held until it is set live) or None (a person paused it: events are not acted on)
    paused_reason: str | None = None

    def channel(self, channel_id: str) -> Channel | None:
        for channel in self.channels:  # a loop: twice as fast as next() over a generator
            if channel.id == channel_id:
                return channel
        return None

    @property
    def holds_sendouts(self) -> bool:
        """Paused by Sendout after a failure: new send-outs wait instead of being dropped."""
        return self.status is DistributionStatus.PAUSED and self.paused_reason is not None


PAUSED_DELIVERY_FAILED = "delivery_failed"
PAUSED_ACTION_FAILED = "action_failed"


def distribution_object(distribution: Distribution) -> dict[str, Any]:
    manual = {} if distribution.manual is None else distribution.manual.as_object()
    return {
        **manual,
        "id": distribution.id,
        "object": "distribution",
        "name": distribution.name,
        "status": distribution.status.value,
        "paused_reason": distribution.paused_reason,
        "trigger": distribution.trigger.as_object(),
        "conditions": dict(distribution.trigger.conditions),
        "action": distribution.action.as_object(),
        "channels": [channel.as_object() for channel in distribution.channels],
        "created_at": iso(distribution.created_at),
        "updated_at": iso_or_none(distribution.updated_at),
    }


# --- validation ----------------------------------------------------------------------------


def check_trigger(trigger: Trigger) -> None:
    if trigger.event not in ACTIONS_BY_TRIGGER:
        raise invalid_field(f"unknown event {trigger.event!r}", "trigger.event")
    spec = PARAMETERS.get(trigger.event, ParameterSpec())
    given = set(trigger.parameters)
    unknown = given - {p.value for p in spec.allowed}
    if unknown:
        name = sorted(unknown)[0]
        raise invalid_field(f"{trigger.event} takes no {name}", f"trigger.{name}")
    for parameter in spec.required:
        if not trigger.parameters.get(parameter.value):
            raise invalid_field(f"required for {trigger.event}", f"trigger.{parameter.value}")


def check_conditions(trigger: Trigger) -> None:
    """Conditions read the event's own data (the action's objects come later), by known paths
    and with known operators."""
    if len(trigger.conditions) > MAX_CONDITIONS:
        raise invalid_field(f"at most {MAX_CONDITIONS} conditions", "conditions")
    if trigger.event == MANUAL and trigger.conditions:
        raise invalid_field("a manual distribution chooses its recipients instead", "conditions")
    schema = schema_for(trigger.event, Action.PLAIN)
    for path, expected in trigger.conditions.items():
        where = f"conditions.{path}"
        parts = tuple(path.split("."))
        if not path or not all(parts):
            raise invalid_field("a dotted path into the event's data", where)
        problem = schema.problem(parts) or operand_problem(expected)
        if problem is not None:
            raise invalid_field(problem, where)


def check_action(trigger: Trigger, action: ActionSpec) -> None:
    allowed = ACTIONS_BY_TRIGGER[trigger.event]
    if action.type not in allowed:
        choices = ", ".join(sorted(a.value for a in allowed))
        raise invalid_field(
            f"{action.type.value} is not available for {trigger.event} (allowed: {choices})",
            "action.type",
        )
    if action.type in (Action.NOTIFY, Action.PUBLISH) and not action.campaign_id:
        raise invalid_field(f"{action.type.value} needs a campaign", "action.campaign_id")
    if action.type is Action.NOTIFY and not action.promotion_tier_id:
        raise invalid_field("NOTIFY needs a promotion tier", "action.promotion_tier_id")
    if action.type is not Action.NOTIFY and action.promotion_tier_id:
        raise invalid_field("only NOTIFY announces a promotion tier", "action.promotion_tier_id")
    if action.type is Action.PLAIN and action.campaign_id:
        raise invalid_field("PLAIN sends no campaign", "action.campaign_id")


def check_url(url: str, where: str, targets: TargetPolicy, resource: str = "distribution") -> None:
    """A target URL as the senders will read it (``domain/urls.py``): refused now, naming the
    field, rather than failing at every attempt later. An address literal outside the public
    and allowed ranges is refused here; a name is judged on what it resolves to when sent."""
    try:
        host = parse_http_url(url).host
    except InvalidUrl as exc:
        raise invalid_field(str(exc), where, resource) from None
    refused = refused_host(host, targets)
    if refused is not None:
        raise invalid_field(refused, where, resource)


def check_headers(headers: Mapping[str, str], where: str) -> None:
    if len(headers) > MAX_HEADERS:
        raise invalid_field(f"at most {MAX_HEADERS} headers", where)
    for name, value in headers.items():
        if not _HEADER_NAME.match(name):
            raise invalid_field(f"{name!r} is not a valid header name", f"{where}.{name}")
        if name.lower() in RESERVED_HEADERS:
            raise invalid_field(
                f"{name} is set by Sendout and cannot be overridden", f"{where}.{name}"
            )
        if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
            raise invalid_field("header values are text without line breaks", f"{where}.{name}")


def check_channel(
    channel: WebhookChannel, trigger: Trigger, action: ActionSpec, n: int, targets: TargetPolicy
) -> None:
    where = f"channels[{n}]"
    if not _EVENT_NAME.match(channel.event_name):
        raise invalid_field("1-100 letters, digits, '_', '.', ':' or '-'", f"{where}.event_name")
    check_url(channel.url, f"{where}.url", targets)
    check_headers(channel.headers, f"{where}.headers")
    check_marks(channel.secret_headers, channel.headers, f"{where}.secret_headers")
    if channel.payload is not None and channel.attributes:
        raise invalid_field("give a payload template or attributes, not both", f"{where}.payload")
    try:
        template = channel.template()
        if template is not None:
            schema_for(trigger.event, action.type).check_template(template)
    except InvalidPayload as error:
        raise invalid_field(error.details or error.message, f"{where}.payload") from None


def check_message(
    channel: MessageChannel, trigger: Trigger, action: ActionSpec, n: int, catalog: ChannelCatalog
) -> None:
    where = f"channels[{n}]"
    if not _EVENT_NAME.match(channel.event_name):
        raise invalid_field("1-100 letters, digits, '_', '.', ':' or '-'", f"{where}.event_name")
    spec = catalog.spec(channel.type)
    if spec is None:
        kinds = ", ".join(["webhook", *catalog.types])
        raise invalid_field(f"{channel.type!r} is not a channel type ({kinds})", f"{where}.type")
    check_message_channel(channel, spec, message_schema_for(trigger.event, action.type), where)


def check_distribution(
    trigger: Trigger,
    action: ActionSpec,
    channels: Sequence[Channel],
    *,
    catalog: ChannelCatalog,
) -> None:
    """Everything a distribution must satisfy to be saved, each failure naming its field."""
    check_trigger(trigger)
    check_conditions(trigger)
    check_action(trigger, action)
    if not 1 <= len(channels) <= MAX_CHANNELS:
        raise invalid_field(f"1 to {MAX_CHANNELS} channels", "channels")
    for n, channel in enumerate(channels):
        if isinstance(channel, MessageChannel):
            check_message(channel, trigger, action, n, catalog)
        else:
            check_channel(channel, trigger, action, n, catalog.targets)


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


@dataclass(frozen=True, slots=True, kw_only=True)
class DistributionQuery:
    limit: int = 10
    page: int = 1
    status: DistributionStatus | None = None
    trigger_event: str | None = None


def _read(data: Mapping[str, Any], dotted: str) -> Any:
    current: Any = data
    for part in dotted.split("."):
        if current.__class__ is dict or isinstance(current, Mapping):  # dict: no ABC check
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


#: Where each trigger parameter is found in an event's data.
PARAMETER_PATHS: dict[TriggerParameter, tuple[str, ...]] = {
    TriggerParameter.SEGMENT: ("segment.id",),
    TriggerParameter.CUSTOM_EVENT: ("event.type", "event_schema.name"),
    TriggerParameter.CAMPAIGN: (
        "campaign.id",
        "voucher.campaign_id",
        "redemption.voucher.campaign_id",
    ),
    TriggerParameter.LOYALTY_TIER: ("loyalty_tier.id", "loyalty_tier_to.id"),
}


def matches(trigger: Trigger, event_type: str, data: Mapping[str, Any]) -> bool:
    """Whether an event fires a trigger: its type, its parameters, its conditions.

    Conditions are ``{"dotted.path": value}`` pairs the event's data must hold, all of them.
    """
    if trigger.event != event_type:
        return False
    if trigger.event == MANUAL:
        return False  # a manual event fires only the distribution it names (see dispatcher)
    for name, expected in trigger.parameters.items():
        paths = PARAMETER_PATHS[TriggerParameter(name)]
        if not any(_read(data, path) == expected for path in paths):
            return False
    return all(holds(_read(data, path), value) for path, value in trigger.conditions.items())


class Listeners:
    """The distributions listening to one event type, and which of them an event fires.

    ``matches`` decides, but only for the distributions whose first trigger parameter is a
    value the event holds: they are looked up by that value, so an event costs about the same
    whether one distribution listens or a hundred (custom events: one per event name).
    """

    def __init__(self, distributions: Sequence[Distribution]) -> None:
        self.distributions = tuple(distributions)
        #: (parameter, expected value) -> positions of the distributions that require it
        self._keyed: dict[tuple[str, str], list[int]] = {}
        self._paths: dict[str, tuple[str, ...]] = {}
        self._unkeyed: list[int] = []  # no parameter we can look up: ``matches`` sees them all
        for n, distribution in enumerate(self.distributions):
            parameters = distribution.trigger.parameters
            name = next(iter(parameters), None)
            if name not in _PARAMETER_NAMES or not isinstance(parameters[name], str):
                self._unkeyed.append(n)
                continue
            self._paths[name] = PARAMETER_PATHS[TriggerParameter(name)]
            self._keyed.setdefault((name, parameters[name]), []).append(n)

    def without(self, distribution_id: str) -> Listeners:
        return Listeners([d for d in self.distributions if d.id != distribution_id])

    def fired_by(self, event_type: str, data: Mapping[str, Any]) -> list[Distribution]:
        """The distributions the event fires, in their order."""
        found = set(self._unkeyed)
        for name, paths in self._paths.items():
            for path in paths:
                value = _read(data, path)
                if isinstance(value, str):  # the parameters' values are strings
                    found.update(self._keyed.get((name, value), ()))
        candidates = (self.distributions[n] for n in sorted(found))
        return [d for d in candidates if matches(d.trigger, event_type, data)]


_PARAMETER_NAMES = frozenset(parameter.value for parameter in TriggerParameter)
