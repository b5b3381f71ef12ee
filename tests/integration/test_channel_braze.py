"""The Braze channel against a stand-in of Braze's Track users endpoint on 127.0.0.1: the
documented request (path, method, bearer key, JSON body of one event object), and Braze's
answers for success, rate limiting and rejection
(https://www.braze.com/docs/api/endpoints/user_data/post_user_track/)."""

from __future__ import annotations

import json

from sendout.adapters.channels.crm.braze import SPEC, BrazeSender
from sendout.domain.channels import (
    MessageChannel,
    ProviderConfig,
    check_message_channel,
    render_message,
)
from sendout.domain.event_catalogue import Action, message_schema_for
from tests.integration.standins import Recorded, StandIn, config, http_transport, stand_in

KEY = "braze-rest-key-1"
SENDOUT_ID = "sout_0123456789"
CREATED_AT = "2024-05-01T10:20:30.000Z"
SUCCESS = '{"message": "success", "events_processed": 1}'
#: Braze's fatal error document (https://www.braze.com/docs/api/errors/)
INVALID = '{"message": "Invalid \'external_id\' field", "errors": ["Invalid \'external_id\'"]}'


def braze_judge(request: Recorded) -> tuple[int, str] | None:
    """Refuses what Braze refuses: a wrong path, method, key or content type, or an event
    without a user, a name or a time."""
    if request.method != "POST" or request.path != "/users/track":
        return 404, '{"message": "Not Found"}'
    if request.headers.get("Authorization") != f"Bearer {KEY}":
        return 401, '{"message": "Invalid API key: wrong"}'
    if not request.headers.get("Content-Type", "").startswith("application/json"):
        return 400, '{"message": "Bad Request"}'
    events = json.loads(request.body).get("events") or [{}]
    if any(not (e.get("external_id") and e.get("name") and e.get("time")) for e in events):
        return 400, '{"message": "Missing required fields", "errors": []}'
    return None


def message(
    source_id: str = "cust-ext-1", settings: dict[str, str] | None = None
) -> dict[str, object]:
    channel = MessageChannel(
        id="ch_1", type="braze", event_name="voucher_sent", settings=settings or {}
    )
    rendered = render_message(
        channel,
        SPEC,
        {"customer": {"source_id": source_id, "name": "Zoë"}, "voucher": {"code": "BRZ-1"}},
    )
    return {
        **rendered.as_document(),
        "event_name": "voucher_sent",
        "sendout_id": SENDOUT_ID,
        "created_at": CREATED_AT,
    }


def braze(url: str, key: str = KEY) -> ProviderConfig:
    return config("braze", secret_api_key=key, base_url=url)


async def test_an_event_is_posted_as_braze_documents() -> None:
    settings = {"event": "code_received", "properties": '{"code": {{voucher.code}}}'}
    async with stand_in(StandIn(default=(201, SUCCESS), judge=braze_judge)) as stand:
        async with http_transport() as http:
            sender = BrazeSender(http)
            result = await sender.send(message(settings=settings), braze(stand.url))
            plain = await sender.send(message(), braze(stand.url + "/"))
    assert (result.delivered, result.status_code, plain.delivered) == (True, 201, True)
    first, second = stand.requests
    assert json.loads(first.body) == {
        "events": [
            {
                "external_id": "cust-ext-1",
                "name": "code_received",
                "time": CREATED_AT,
                "properties": {"code": "BRZ-1"},
            }
        ]
    }
    # without settings: the channel's event name and no properties
    assert json.loads(second.body)["events"][0] == {
        "external_id": "cust-ext-1",
        "name": "voucher_sent",
        "time": CREATED_AT,
        "properties": {},
    }


async def test_rate_limiting_is_retried_and_rejection_fails_with_brazes_words() -> None:
    stand = StandIn(
        script=[(429, '{"message": "Rate Limited"}'), (400, INVALID)], judge=braze_judge
    )
    async with stand_in(stand) as braze_api:
        async with http_transport() as http:
            sender = BrazeSender(http)
            limited = await sender.send(message(), braze(braze_api.url))
            refused = await sender.send(message(), braze(braze_api.url))
            wrong_key = await sender.send(message(), braze(braze_api.url, "wrong"))
    assert (limited.status_code, limited.final) == (429, False)
    assert (refused.status_code, refused.final) == (400, True)
    assert refused.error == "Invalid 'external_id' field"
    assert (wrong_key.status_code, wrong_key.final, wrong_key.error) == (
        401,
        True,
        "Invalid API key: wrong",
    )


async def test_properties_that_are_not_an_object_fail_before_sending() -> None:
    async with stand_in(StandIn(default=(201, SUCCESS), judge=braze_judge)) as stand:
        async with http_transport() as http:
            result = await BrazeSender(http).send(
                message(settings={"properties": "{{voucher.code}}"}),
                braze(stand.url),
            )
    assert (result.final, result.status_code, stand.requests) == (True, None, [])


async def test_a_customer_without_an_external_id_is_skipped_and_no_settings_fail() -> None:
    channel = MessageChannel(id="ch_1", type="braze", event_name="e")
    skipped = render_message(channel, SPEC, {"customer": {"name": "No source id"}})
    assert skipped.skipped == "customer has no source_id (Braze external_id)"
    async with http_transport() as http:
        result = await BrazeSender(http).send(message(), None)
    assert result.final
    assert "PUT /v1/integrations/braze" in (result.error or "")


def test_the_defaults_are_valid_for_any_trigger_with_a_customer() -> None:
    channel = MessageChannel(id="ch_1", type="braze", event_name="e")
    for action in Action:
        check_message_channel(
            channel, SPEC, message_schema_for("customer.segment.entered", action), "channels[0]"
        )


async def test_an_event_braze_took_but_refused_inside_fails_with_its_words() -> None:
    """Braze answers 201 with ``errors`` for objects it could not record."""
    refused_inside = (
        '{"message": "success", "errors": [{"type": "\'name\' is required", '
        '"input_array": "events", "index": 0}]}'
    )
    stand = StandIn(script=[(201, refused_inside)], judge=braze_judge)
    async with stand_in(stand) as braze_api:
        async with http_transport() as http:
            result = await BrazeSender(http).send(message(), braze(braze_api.url))
    assert (result.delivered, result.final) == (False, True)
    assert result.error == "'name' is required"
