"""A Custom Event in Airship, associated with a Named User.

``POST {base_url}/api/custom-events`` (``https://go.urbanairship.com``; EU projects
``https://go.airship.eu``), ``Authorization: Bearer {token}``, ``X-UA-Appkey: {app_key}``
(required), ``Content-Type: application/json``, ``Accept: application/vnd.urbanairship+json;
version=3``; the body is an array of Custom Event objects ``{"occurred": ..., "user":
{"named_user_id": ...}, "body": {"name": ..., "properties": {...}, ...}}``. ``body.name`` must
not contain upper-case characters (a 400 otherwise), so it is sent lower-cased; ``occurred``
(the send-out's ``created_at``, UTC, whole seconds) must lie within the past 90 days. Errors
answer ``{"ok": false, "error": ..., "error_code": ...}``
(https://docs.airship.com/developer/rest-api/ua/operations/custom-events/,
https://www.airship.com/docs/developer/rest-api/ua/schemas/others/#customeventobject,
https://docs.airship.com/developer/rest-api/ua/schemas/responses/). Airship documents no
idempotency key; the send-out id goes in ``body.unique_id`` (which keeps events with equal
properties apart) and ``body.transaction`` (which ties events of one transaction together),
both stable across retries. A customer without the identifier is SKIPPED.
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

ACCEPT = "application/vnd.urbanairship+json; version=3"

PROVIDER = ProviderSpec(
    name="airship",
    label="Airship",
    fields=(
        ConfigField("app_key", required=True),
        ConfigField("token", required=True, secret=True),
        ConfigField("base_url", default="https://go.urbanairship.com", target=TargetField.URL),
    ),
)

SPEC = ChannelSpec(
    type="airship",
    label="Airship (custom event)",
    provider=PROVIDER,
    settings=(
        Setting(
            "named_user_id",
            default="{{customer.source_id}}",
            description="the Airship Named User ID of the customer",
        ),
        Setting(
            "name",
            description="the event name (sent lower-cased); the channel's event name when unset",
        ),
        properties_setting("the event's properties, a JSON object (e.g. the code)"),
    ),
    recipient="named_user_id",
    missing_recipient="customer has no source_id",
)


class AirshipSender(EventSender):
    provider = PROVIDER

    def event_request(
        self, message: Mapping[str, Any], config: ProviderConfig, properties: dict[str, Any]
    ) -> PlatformRequest | str:
        name = event_name(message, "name")
        body: dict[str, Any] = {"name": name.lower(), "properties": properties}
        sendout_id = str(message.get("sendout_id") or "")
        if sendout_id:
            body["unique_id"] = sendout_id
            body["transaction"] = sendout_id
        event: dict[str, Any] = {
            "user": {"named_user_id": str(message["named_user_id"]).strip()},
            "body": body,
        }
        occurred = utc_moment(message.get("created_at"))
        if occurred is not None:
            # Airship's ``occurred``: UTC, whole seconds, no zone
            event["occurred"] = occurred.strftime("%Y-%m-%dT%H:%M:%S")
        headers = {
            "Authorization": f"Bearer {setting(config, 'token')}",
            "X-UA-Appkey": setting(config, "app_key"),
            "Content-Type": "application/json",
            "Accept": ACCEPT,
        }
        return PlatformRequest(endpoint(config, "api/custom-events"), headers, json_body([event]))
