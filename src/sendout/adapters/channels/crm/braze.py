"""Customer events in Braze through the Track users endpoint.

``POST {base_url}/users/track`` (``base_url``: the instance's REST endpoint, such as
``https://rest.iad-01.braze.com``), ``Authorization: Bearer {api_key}`` (a key with the
``users.track`` permission), ``Content-Type: application/json``, a body of
``{"events": [{"external_id", "name", "time", "properties"}]}`` with ``time`` in ISO 8601
(https://www.braze.com/docs/api/endpoints/user_data/post_user_track/,
https://www.braze.com/docs/api/objects_filters/event_object/). Braze answers 201 with
``{"message": "success", ...}``, a fatal error as ``{"message": ..., "errors": [...]}``
(https://www.braze.com/docs/api/errors/). Braze documents no idempotency key for events
(each event object is a separate occurrence), so a retry after a lost answer may record the
event twice. A customer without an external ID is SKIPPED.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sendout.adapters.channels.http.http_api import (
    JSON_HEADERS,
    EventSender,
    PlatformRequest,
    endpoint,
    event_name,
    json_answer,
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
    name="braze",
    label="Braze",
    fields=(
        ConfigField("api_key", required=True, secret=True),
        #: the instance's REST endpoint, such as https://rest.iad-01.braze.com
        ConfigField("base_url", required=True, target=TargetField.URL),
    ),
)

SPEC = ChannelSpec(
    type="braze",
    label="Custom event (Braze)",
    provider=PROVIDER,
    settings=(
        Setting(
            "external_id",
            default="{{customer.source_id}}",
            description="the Braze user's external ID",
        ),
        Setting("event", description="the custom event's name; the channel's event name if unset"),
        properties_setting("the event's properties, a JSON object; none if unset"),
    ),
    recipient="external_id",
    missing_recipient="customer has no source_id (Braze external_id)",
)


class BrazeSender(EventSender):
    provider = PROVIDER

    def event_request(
        self, message: Mapping[str, Any], config: ProviderConfig, properties: dict[str, Any]
    ) -> PlatformRequest | str:
        event = {
            "external_id": str(message["external_id"]).strip(),
            "name": event_name(message),
            "time": str(message["created_at"]),
            "properties": properties,
        }
        headers = {"Authorization": f"Bearer {setting(config, 'api_key')}", **JSON_HEADERS}
        return PlatformRequest(
            endpoint(config, "users/track"), headers, json_body({"events": [event]})
        )

    def not_recorded(self, excerpt: str) -> str | None:
        """Braze answers 201 with ``errors`` for objects it refused: ours is the only one sent,
        so any error means the event was not recorded."""
        answer = json_answer(excerpt)
        errors = None if answer is None else answer.get("errors")
        if not isinstance(errors, list) or not errors:
            return None
        first = errors[0]
        said = first.get("type") if isinstance(first, Mapping) else first
        return str(said or "Braze did not record the event")[:300]
