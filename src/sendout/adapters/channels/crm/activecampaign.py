"""Customer events in ActiveCampaign through its Event Tracking API.

``POST {base_url}/event`` (``https://trackcmp.net/event``), form-encoded
(``application/x-www-form-urlencoded``): ``actid`` (the account's tracking id), ``key`` (the
event key), ``event`` (the event's name, at most 32 characters), ``eventdata`` (a value stored
with the event: here the channel's ``properties``, as JSON unless they render to plain text) and
``visit`` (the JSON ``{"email": ...}`` of the contact); no auth header, the key is a form field
(https://developers.activecampaign.com/reference/track-event). The answer says in its body
whether the event was recorded: ``success`` 1 or 0 and a ``message``, e.g.
``{"success": 1, "message": "Event spawned"}``
(https://www.activecampaign.com/api/example.php?call=track_event_add); ``"success": 0`` with
HTTP 200 fails at once with that message (as a value with no status code, since a 2xx status
would count as delivered).

The recipient is the contact's email (by default ``{{customer.email}}``): a customer without
one is SKIPPED. The event's name is the channel's ``event`` setting, else its event name.
ActiveCampaign documents no idempotency key: a send-out retried after a lost answer may record
the event twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from sendout.adapters.channels.http.http_api import (
    PlatformRequest,
    PlatformSender,
    endpoint,
    event_name,
    json_answer,
    json_body,
    setting,
)
from sendout.domain.channels import (
    ChannelSpec,
    ConfigField,
    ProviderConfig,
    ProviderSpec,
    Setting,
    SettingKind,
    TargetField,
)

#: "The name of the event you wish to track. (Max of 32 Characters)"
MAX_EVENT_NAME = 32

PROVIDER = ProviderSpec(
    name="activecampaign",
    label="ActiveCampaign",
    fields=(
        ConfigField("actid", required=True),
        ConfigField("event_key", required=True, secret=True),
        ConfigField("base_url", default="https://trackcmp.net", target=TargetField.URL),
    ),
)

SPEC = ChannelSpec(
    type="activecampaign",
    label="ActiveCampaign event",
    provider=PROVIDER,
    settings=(
        Setting("email", default="{{customer.email}}", description="the contact's email"),
        Setting(
            "event",
            description="the event's name, at most 32 characters; unset: the channel's event name",
        ),
        Setting(
            "properties",
            kind=SettingKind.JSON,
            description="stored with the event as its eventdata (JSON; text is sent as is)",
        ),
    ),
    recipient="email",
    missing_recipient="customer has no email address",
)


def _eventdata(properties: Any) -> str:
    if properties is None:
        properties = {}
    return properties if isinstance(properties, str) else json_body(properties).decode()


class ActiveCampaignSender(PlatformSender):
    provider = PROVIDER

    def request(self, message: Mapping[str, Any], config: ProviderConfig) -> PlatformRequest | str:
        event = event_name(message)
        if not event:
            return "ActiveCampaign needs an event name"
        if len(event) > MAX_EVENT_NAME:
            return f"ActiveCampaign event names are at most {MAX_EVENT_NAME} characters: {event!r}"
        fields = {
            "actid": setting(config, "actid"),
            "key": setting(config, "event_key"),
            "event": event,
            "eventdata": _eventdata(message.get("properties")),
            "visit": json_body({"email": str(message["email"]).strip()}).decode(),
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        return PlatformRequest(endpoint(config, "event"), headers, urlencode(fields).encode())

    def not_recorded(self, excerpt: str) -> str | None:
        """ActiveCampaign's message when a 2xx answer says ``"success": 0``, else None."""
        answer = json_answer(excerpt)
        if answer is None or "success" not in answer:
            return None
        if str(answer["success"]).strip().lower() in ("1", "true"):
            return None
        said = answer.get("message")
        return str(said)[:300] if said else "ActiveCampaign did not record the event"
