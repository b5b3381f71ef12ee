"""The Klaviyo channel against a stand-in of Klaviyo's Create Event endpoint on 127.0.0.1: the
documented request (path, method, API key, revision, JSON:API content type and document, the
send-out's id as ``unique_id``), and Klaviyo's answers for success, rate limiting and
rejection (https://developers.klaviyo.com/en/reference/create_event)."""

from __future__ import annotations

import json
from typing import Any

from sendout.adapters.channels.crm.klaviyo import REVISION, SPEC, KlaviyoSender
from sendout.domain.channels import (
    MessageChannel,
    ProviderConfig,
    check_message_channel,
    render_message,
)
from sendout.domain.event_catalogue import Action, message_schema_for
from tests.integration.standins import Recorded, StandIn, config, http_transport, stand_in

KEY = "pk_0123456789abcdef"
SENDOUT_ID = "sout_0123456789"
CREATED_AT = "2024-05-01T10:20:30.000Z"
JSON_API = "application/vnd.api+json"
#: Klaviyo's JSON:API error documents
THROTTLED = (
    '{"errors": [{"id": "e1", "status": 429, "code": "throttled", "title": "Request was '
    'throttled.", "detail": "Request was throttled. Expected available in 1 second."}]}'
)
INVALID_EMAIL = (
    '{"errors": [{"id": "e2", "status": 400, "code": "invalid", "title": "Invalid input.", '
    '"detail": "Invalid email address", "source": {"pointer": '
    '"/data/attributes/profile/data/attributes/email"}}]}'
)
NOT_AUTHENTICATED = (
    '{"errors": [{"id": "e3", "status": 401, "code": "not_authenticated", "title": '
    '"Authentication credentials were not provided.", "detail": "Missing or invalid private '
    'key."}]}'
)


def klaviyo_judge(request: Recorded) -> tuple[int, str] | None:
    """Refuses what Klaviyo refuses: a wrong path, method, key, revision or content type, or
    an event without properties, a metric name, a profile identifier or a unique_id."""
    if request.method != "POST" or request.path != "/api/events":
        return 404, '{"errors": [{"status": 404, "code": "not_found", "detail": "Not found."}]}'
    if request.headers.get("Authorization") != f"Klaviyo-API-Key {KEY}":
        return 401, NOT_AUTHENTICATED
    if not request.headers.get("revision"):
        return 400, '{"errors": [{"code": "invalid", "detail": "Missing revision header."}]}'
    if not request.headers.get("Content-Type", "").startswith(JSON_API):
        return 415, '{"errors": [{"code": "unsupported_media_type", "detail": "Unsupported."}]}'
    data = json.loads(request.body).get("data") or {}
    attributes = data.get("attributes") or {}
    metric = ((attributes.get("metric") or {}).get("data") or {}).get("attributes") or {}
    profile = ((attributes.get("profile") or {}).get("data") or {}).get("attributes") or {}
    if (
        data.get("type") != "event"
        or not isinstance(attributes.get("properties"), dict)
        or not metric.get("name")
        or not (profile.get("email") or profile.get("external_id"))
        or attributes.get("unique_id") != SENDOUT_ID
    ):
        return 400, '{"errors": [{"code": "invalid", "detail": "Invalid input."}]}'
    return None


def message(
    email: str = "zoe@example.com", settings: dict[str, str] | None = None
) -> dict[str, Any]:
    channel = MessageChannel(
        id="ch_1", type="klaviyo", event_name="voucher_sent", settings=settings or {}
    )
    customer = {"email": email, "source_id": "cust-ext-1", "name": "Zoë"}
    rendered = render_message(channel, SPEC, {"customer": customer, "voucher": {"code": "KL-1"}})
    return {
        **rendered.as_document(),
        "event_name": "voucher_sent",
        "sendout_id": SENDOUT_ID,
        "created_at": CREATED_AT,
    }


def klaviyo(url: str, key: str = KEY) -> ProviderConfig:
    return config("klaviyo", secret_api_key=key, base_url=url)


async def test_an_event_is_posted_as_klaviyo_documents() -> None:
    settings = {
        "event": "Code Received",
        "external_id": "{{customer.source_id}}",
        "properties": '{"code": {{voucher.code}}}',
    }
    async with stand_in(StandIn(default=(202, ""), judge=klaviyo_judge)) as stand:
        async with http_transport() as http:
            sender = KlaviyoSender(http)
            result = await sender.send(message(settings=settings), klaviyo(stand.url))
            plain = await sender.send(message(), klaviyo(stand.url + "/"))
    assert (result.delivered, result.status_code, plain.delivered) == (True, 202, True)
    first, second = stand.requests
    assert first.headers["revision"] == REVISION
    assert json.loads(first.body) == {
        "data": {
            "type": "event",
            "attributes": {
                "properties": {"code": "KL-1"},
                "time": CREATED_AT,
                "unique_id": SENDOUT_ID,
                "metric": {"data": {"type": "metric", "attributes": {"name": "Code Received"}}},
                "profile": {
                    "data": {
                        "type": "profile",
                        "attributes": {"email": "zoe@example.com", "external_id": "cust-ext-1"},
                    }
                },
            },
        }
    }
    # without settings: the channel's event name, no properties, the email alone
    attributes = json.loads(second.body)["data"]["attributes"]
    assert attributes["metric"]["data"]["attributes"] == {"name": "voucher_sent"}
    assert attributes["properties"] == {}
    assert attributes["profile"]["data"]["attributes"] == {"email": "zoe@example.com"}


async def test_a_pinned_revision_is_sent() -> None:
    async with stand_in(StandIn(default=(202, ""), judge=klaviyo_judge)) as stand:
        async with http_transport() as http:
            settings = config(
                "klaviyo", secret_api_key=KEY, base_url=stand.url, revision="2024-10-15"
            )
            result = await KlaviyoSender(http).send(message(), settings)
    assert result.delivered
    assert stand.requests[0].headers["revision"] == "2024-10-15"


async def test_rate_limiting_is_retried_and_rejection_fails_with_klaviyos_words() -> None:
    stand = StandIn(script=[(429, THROTTLED), (400, INVALID_EMAIL)], judge=klaviyo_judge)
    async with stand_in(stand) as klaviyo_api:
        async with http_transport() as http:
            sender = KlaviyoSender(http)
            limited = await sender.send(message(), klaviyo(klaviyo_api.url))
            refused = await sender.send(message("not-an-email"), klaviyo(klaviyo_api.url))
            wrong_key = await sender.send(message(), klaviyo(klaviyo_api.url, "pk_wrong"))
    assert (limited.status_code, limited.final) == (429, False)
    assert (refused.status_code, refused.final) == (400, True)
    assert refused.error == "Invalid email address"
    assert (wrong_key.status_code, wrong_key.final, wrong_key.error) == (
        401,
        True,
        "Missing or invalid private key.",
    )


async def test_properties_that_are_not_an_object_fail_before_sending() -> None:
    async with stand_in(StandIn(default=(202, ""), judge=klaviyo_judge)) as stand:
        async with http_transport() as http:
            result = await KlaviyoSender(http).send(
                message(settings={"properties": "[{{voucher.code}}]"}), klaviyo(stand.url)
            )
    assert (result.final, result.status_code, stand.requests) == (True, None, [])


async def test_a_customer_without_an_email_is_skipped_and_no_settings_fail() -> None:
    channel = MessageChannel(id="ch_1", type="klaviyo", event_name="e")
    skipped = render_message(channel, SPEC, {"customer": {"name": "No email"}})
    assert skipped.skipped == "customer has no email address"
    async with http_transport() as http:
        result = await KlaviyoSender(http).send(message(), None)
    assert result.final
    assert "PUT /v1/integrations/klaviyo" in (result.error or "")


def test_the_defaults_are_valid_for_any_trigger_with_a_customer() -> None:
    channel = MessageChannel(id="ch_1", type="klaviyo", event_name="e")
    for action in Action:
        check_message_channel(
            channel, SPEC, message_schema_for("customer.segment.entered", action), "channels[0]"
        )
