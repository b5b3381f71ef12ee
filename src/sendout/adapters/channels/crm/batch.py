"""Customer events in Batch (batch.com) through its Profile API.

``POST {base_url}/{api_version}/profiles/update`` (``https://api.batch.com/2.11/profiles/
update``; 2.11 is the version the API description defaults to), headers ``Authorization:
Bearer {rest_api_key}`` and ``X-Batch-Project: {project_key}``, a JSON array of profile
updates: here one, ``{"identifiers": {"custom_id": ...}, "events": [{"name": ...,
"attributes": {...}}]}`` (https://doc.batch.com/developer/api/cep/profiles/update). Batch
answers ``{"code": "SUCCESS"}``, or ``{"code": "SUCCESS_WITH_PARTIAL_ERRORS", "errors":
[{"category", "bulk_index", "reason", "attribute"}]}`` when it dropped part of the update: as
this request holds one event of one profile, that fails at once with Batch's reason (as a
value with no status code, since a 2xx status would count as delivered). An error answer
carries ``error_code`` and ``error_message``; 429 is its rate limiting
(https://doc.batch.com/developer/api/cep/profiles/mass-update-profile).

The recipient is the profile's Custom ID (by default ``{{customer.source_id}}``, the id the
merchant knows the customer by): a customer without one is SKIPPED. Event names are 1 to 30
letters, digits or underscores (the rule Batch's SDKs enforce, e.g. Batch-Web-SDK's
``EventNameRegex``). The ``event`` setting must follow it, or the send-out fails at once
saying so; without it the channel's event name is used, its ``.``, ``:`` and ``-`` turned into
``_`` (``code.published`` becomes ``code_published``), and still refused if longer than 30.
The Profile API documents no idempotency key: a send-out retried after a lost answer may
track the event twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from sendout.adapters.channels.http.http_api import (
    JSON_HEADERS,
    NOT_AN_OBJECT,
    PlatformRequest,
    PlatformSender,
    endpoint,
    json_answer,
    json_body,
    properties_of,
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

#: the version Batch's API description defaults to
API_VERSION = "2.11"
EVENT_NAME = re.compile(r"[A-Za-z0-9_]{1,30}")
#: what a channel's event name may hold beyond Batch's letters, digits and underscores
_SEPARATORS = re.compile(r"[.:\-]")

PROVIDER = ProviderSpec(
    name="batch",
    label="Batch",
    fields=(
        ConfigField("project_key", required=True),
        ConfigField("rest_api_key", required=True, secret=True),
        ConfigField("api_version", default=API_VERSION),
        ConfigField("base_url", default="https://api.batch.com", target=TargetField.URL),
    ),
)

SPEC = ChannelSpec(
    type="batch",
    label="Batch profile event",
    provider=PROVIDER,
    settings=(
        Setting(
            "custom_id",
            default="{{customer.source_id}}",
            description="the profile's Custom ID in Batch",
        ),
        Setting(
            "event",
            description=(
                "the event's name: 1 to 30 letters, digits or '_'; unset: the channel's "
                "event name with '.', ':' and '-' turned into '_'"
            ),
        ),
        properties_setting("the event's attributes, a JSON object"),
    ),
    recipient="custom_id",
    missing_recipient="customer has no source_id (Batch custom ID)",
)


def event_name(message: Mapping[str, Any]) -> str | None:
    """The event's name for Batch, or None when it breaks Batch's naming rule."""
    chosen = str(message.get("event") or "").strip()
    if not chosen:
        # The channel's event name allows '.', ':' and '-' (and up to 100 characters): those
        # become '_'; a name still too long is refused rather than cut, so two events never
        # end up under one name.
        chosen = _SEPARATORS.sub("_", str(message.get("event_name") or ""))
    return chosen if EVENT_NAME.fullmatch(chosen) else None


class BatchSender(PlatformSender):
    provider = PROVIDER

    def request(self, message: Mapping[str, Any], config: ProviderConfig) -> PlatformRequest | str:
        name = event_name(message)
        if name is None:
            shown = str(message.get("event") or "").strip() or message.get("event_name")
            return f"Batch event names are 1 to 30 letters, digits or underscores: {shown!r}"
        properties = properties_of(message)
        if properties is None:
            return NOT_AN_OBJECT
        update = {
            "identifiers": {"custom_id": str(message["custom_id"]).strip()},
            "events": [{"name": name, "attributes": properties}],
        }
        version = quote(setting(config, "api_version").strip("/") or API_VERSION, safe=".")
        url = endpoint(config, f"{version}/profiles/update")
        headers = {
            "Authorization": f"Bearer {setting(config, 'rest_api_key')}",
            "X-Batch-Project": setting(config, "project_key"),
            **JSON_HEADERS,
        }
        return PlatformRequest(url, headers, json_body([update]))

    def not_recorded(self, excerpt: str) -> str | None:
        """Batch's reason when a 2xx answer says part of the update was dropped, else None."""
        answer = json_answer(excerpt)
        if answer is None or answer.get("code") != "SUCCESS_WITH_PARTIAL_ERRORS":
            return None
        errors = answer.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else None
        if not isinstance(first, Mapping) or not first.get("reason"):
            return "Batch did not apply part of the update"
        reason = str(first["reason"])
        said = f"{first['attribute']}: {reason}" if first.get("attribute") else reason
        return said[:300]
