"""Custom events in Iterable through the Track an event endpoint.

``POST {base_url}/api/events/track`` (``https://api.iterable.com``; projects in the European
data center: ``https://api.eu.iterable.com``), an ``Api-Key`` header with a server-side key,
``Content-Type: application/json``, a body of ``email`` or ``userId`` (one, not both, as the
project identifies users), ``eventName``, ``dataFields``, ``createdAt`` (Unix seconds) and
``id`` (https://api.iterable.com/api/docs, POST /api/events/track;
https://support.iterable.com/hc/en-us/articles/204780579-API-Overview-and-Sample-Payloads,
https://support.iterable.com/hc/en-us/articles/41044692130196-Getting-Started-with-Iterable-s-API).
``id`` is the send-out's id: an event sent again with an id Iterable holds updates that
event, so a retry never records the event twice. Iterable answers 200 with ``{"msg", "code":
"Success", "params"}``, errors as ``{"msg", "code", "params"}``. A customer without the
identifier is SKIPPED.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sendout.adapters.channels.http.http_api import (
    JSON_HEADERS,
    EventSender,
    PlatformRequest,
    endpoint,
    event_name,
    json_body,
    properties_setting,
    setting,
)
from sendout.domain.channels import (
    ChannelSpec,
    ConfigField,
    ProviderConfig,
    ProviderSpec,
    Setting,
    TargetField,
)

PROVIDER = ProviderSpec(
    name="iterable",
    label="Iterable",
    fields=(
        ConfigField("api_key", required=True, secret=True),
        #: https://api.eu.iterable.com for projects in the European data center
        ConfigField("base_url", default="https://api.iterable.com", target=TargetField.URL),
        #: how the Iterable project identifies users: the ``user`` setting is sent as this
        ConfigField("identify_by", default="email", choices=("email", "userId")),
    ),
)

SPEC = ChannelSpec(
    type="iterable",
    label="Custom event (Iterable)",
    provider=PROVIDER,
    settings=(
        Setting(
            "user",
            default="{{customer.email}}",
            description="the user's email, or their userId if the integration identifies "
            "users by userId (then, for instance, {{customer.source_id}})",
        ),
        Setting("event", description="the event's name; the channel's event name if unset"),
        properties_setting("the event's dataFields, a JSON object; none if unset"),
    ),
    recipient="user",
    missing_recipient="customer has no Iterable identifier (email or userId)",
)


class IterableSender(EventSender):
    provider = PROVIDER

    def event_request(
        self, message: Mapping[str, Any], config: ProviderConfig, properties: dict[str, Any]
    ) -> PlatformRequest | str:
        identify_by = "userId" if setting(config, "identify_by") == "userId" else "email"
        body = {
            identify_by: str(message["user"]).strip(),
            "eventName": event_name(message),
            "id": str(message["sendout_id"]),
            "createdAt": int(datetime.fromisoformat(str(message["created_at"])).timestamp()),
            "dataFields": properties,
        }
        headers = {"Api-Key": setting(config, "api_key"), **JSON_HEADERS}
        return PlatformRequest(endpoint(config, "api/events/track"), headers, json_body(body))
