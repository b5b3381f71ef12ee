"""Customer events in Klaviyo through the Create Event endpoint.

``POST {base_url}/api/events`` (``https://a.klaviyo.com``), ``Authorization: Klaviyo-API-Key
{private key}`` (scope ``events:write``), a dated ``revision`` header, ``Content-Type:
application/vnd.api+json``, a JSON:API document ``{"data": {"type": "event", "attributes":
{"properties", "time", "unique_id", "metric": {"data": {"type": "metric", "attributes":
{"name"}}}, "profile": {"data": {"type": "profile", "attributes": {"email", "external_id"}}}}}}``
(https://developers.klaviyo.com/en/reference/create_event). ``unique_id`` is the send-out's
id: Klaviyo records only the first event processed with a given unique_id for one profile and
metric, so a retry never records the event twice. Klaviyo answers 202 with no
body; errors as JSON:API ``{"errors": [{"id", "code", "title", "detail", "source"}]}``,
whose ``detail`` becomes the send-out's error. A customer without an email address is
SKIPPED.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sendout.adapters.channels.http.http_api import (
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

#: the dated API revision the requests are written for (a project may pin another one)
REVISION = "2026-01-15"

PROVIDER = ProviderSpec(
    name="klaviyo",
    label="Klaviyo",
    fields=(
        ConfigField("api_key", required=True, secret=True),
        ConfigField("base_url", default="https://a.klaviyo.com", target=TargetField.URL),
        ConfigField("revision", default=REVISION),
    ),
)

SPEC = ChannelSpec(
    type="klaviyo",
    label="Custom event (Klaviyo)",
    provider=PROVIDER,
    settings=(
        Setting("email", default="{{customer.email}}", description="the profile's email address"),
        Setting("external_id", description="the profile's external ID, sent when not empty"),
        Setting("event", description="the metric's name; the channel's event name if unset"),
        properties_setting("the event's properties, a JSON object; none if unset"),
    ),
    recipient="email",
    missing_recipient="customer has no email address",
)


class KlaviyoSender(EventSender):
    provider = PROVIDER

    def event_request(
        self, message: Mapping[str, Any], config: ProviderConfig, properties: dict[str, Any]
    ) -> PlatformRequest | str:
        profile = {"email": str(message["email"]).strip()}
        external_id = str(message.get("external_id") or "").strip()
        if external_id:
            profile["external_id"] = external_id
        name = event_name(message)
        document = {
            "data": {
                "type": "event",
                "attributes": {
                    "properties": dict(properties),
                    "time": str(message["created_at"]),
                    "unique_id": str(message["sendout_id"]),
                    "metric": {"data": {"type": "metric", "attributes": {"name": name}}},
                    "profile": {"data": {"type": "profile", "attributes": profile}},
                },
            }
        }
        headers = {
            "Authorization": f"Klaviyo-API-Key {setting(config, 'api_key')}",
            "revision": setting(config, "revision") or REVISION,
            "Content-Type": "application/vnd.api+json",
            "Accept": "application/vnd.api+json",
        }
        return PlatformRequest(endpoint(config, "api/events"), headers, json_body(document))
