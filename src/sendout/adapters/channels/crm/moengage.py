"""A customer event in MoEngage through its Data API (Track Event).

``POST {base_url}/v1/event/{workspace_id}``, ``Content-Type: application/json``, HTTP basic
auth with the workspace ID and the Data API key, the body ``{"type": "event", "customer_id":
..., "actions": [{"action": ..., "attributes": {...}, "current_time": ...}]}`` where
``current_time`` is the UTC time of the event (ISO 8601 or epoch seconds; the send-out's
``created_at`` in epoch seconds here). The base URL depends on the workspace's data center
(``https://api-01.moengage.com`` … ``api-06``, ``api-101``). Errors answer
``{"status": "fail", "error": {"message": ..., "type": ...}}``; 429 is the rate limit
(https://moengage.com/docs/api/event/track-event). MoEngage documents no idempotency key, so
a retried send-out may record the event twice. A customer without the identifier is SKIPPED.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from sendout.adapters.channels.http.http_api import (
    JSON_HEADERS,
    EventSender,
    PlatformRequest,
    basic_auth,
    endpoint,
    event_name,
    json_body,
    properties_setting,
    setting,
    utc_moment,
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
    name="moengage",
    label="MoEngage",
    fields=(
        ConfigField("workspace_id", required=True),
        ConfigField("data_api_key", required=True, secret=True),
        ConfigField("base_url", default="https://api-01.moengage.com", target=TargetField.URL),
    ),
)

SPEC = ChannelSpec(
    type="moengage",
    label="MoEngage (customer event)",
    provider=PROVIDER,
    settings=(
        Setting(
            "customer_id",
            default="{{customer.source_id}}",
            description="the MoEngage customer_id of the user",
        ),
        Setting("action", description="the event name; the channel's event name when unset"),
        properties_setting("the event's attributes, a JSON object (e.g. the code)"),
    ),
    recipient="customer_id",
    missing_recipient="customer has no source_id",
)


class MoEngageSender(EventSender):
    provider = PROVIDER

    def event_request(
        self, message: Mapping[str, Any], config: ProviderConfig, properties: dict[str, Any]
    ) -> PlatformRequest | str:
        action: dict[str, Any] = {
            "action": event_name(message, "action"),
            "attributes": properties,
        }
        when = utc_moment(message.get("created_at"))
        if when is not None:
            action["current_time"] = int(when.timestamp())
        document = {
            "type": "event",
            "customer_id": str(message["customer_id"]).strip(),
            "actions": [action],
        }
        workspace = setting(config, "workspace_id")
        url = endpoint(config, f"v1/event/{quote(workspace, safe='')}")
        headers = {
            "Authorization": basic_auth(workspace, setting(config, "data_api_key")),
            **JSON_HEADERS,
        }
        return PlatformRequest(url, headers, json_body(document))
