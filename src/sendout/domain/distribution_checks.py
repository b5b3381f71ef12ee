"""The rules a distribution must satisfy to be saved, each failure naming its field.

Its trigger's event and parameters and its action (as the event catalogue allows), its
conditions (known paths of the event's data, known operators), and each channel: a webhook's
event name, URL, headers and payload template, or a message channel's settings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sendout.domain.channels import ChannelCatalog, MessageChannel, check_message_channel
from sendout.domain.conditions import MAX_CONDITIONS, operand_problem
from sendout.domain.distributions import ActionSpec, Channel, Trigger
from sendout.domain.errors import InvalidPayload, invalid_field
from sendout.domain.event_catalogue import (
    ACTIONS_BY_TRIGGER,
    MANUAL,
    PARAMETERS,
    Action,
    ParameterSpec,
    message_schema_for,
    schema_for,
)
from sendout.domain.secret_headers import check_marks
from sendout.domain.targets import TargetPolicy
from sendout.domain.urls import InvalidUrl, parse_http_url, refused_host
from sendout.domain.webhook_channels import WebhookChannel

MAX_CHANNELS = 10
MAX_HEADERS = 30

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


def _check_event_name(event_name: str, where: str) -> None:
    if not _EVENT_NAME.match(event_name):
        raise invalid_field("1-100 letters, digits, '_', '.', ':' or '-'", f"{where}.event_name")


def check_channel(
    channel: WebhookChannel, trigger: Trigger, action: ActionSpec, n: int, targets: TargetPolicy
) -> None:
    where = f"channels[{n}]"
    _check_event_name(channel.event_name, where)
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
    _check_event_name(channel.event_name, where)
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
