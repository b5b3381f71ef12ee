"""The Iterable channel against a stand-in of Iterable's Track an event endpoint on
127.0.0.1: the documented request (path, method, ``Api-Key``, JSON body with ``email`` or
``userId``, ``eventName``, ``createdAt`` in seconds, the send-out's id as ``id``), and
Iterable's answers for success, rate limiting and rejection
(https://support.iterable.com/hc/en-us/articles/204780579-API-Overview-and-Sample-Payloads)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sendout.adapters.channels.crm.iterable import SPEC, IterableSender
from sendout.domain.channels import (
    MessageChannel,
    ProviderConfig,
    check_message_channel,
    render_message,
)
from sendout.domain.event_catalogue import Action, message_schema_for
from tests.integration.standins import Recorded, StandIn, config, http_transport, stand_in

KEY = "iterable-server-key-1"
SENDOUT_ID = "sout_0123456789"
CREATED_AT = "2024-05-01T10:20:30.000Z"
EPOCH = int(datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC).timestamp())
TRACKED = '{"msg": "Event with id: sout_0123456789 tracked.", "code": "Success", "params": {}}'
#: Iterable's error documents: ``msg``, ``code``, ``params``
INVALID = (
    '{"msg": "Invalid email: not-an-email", "code": "InvalidEmailAddressError", "params": null}'
)
BAD_KEY = '{"msg": "Invalid API key", "code": "BadApiKey", "params": null}'


def iterable_judge(request: Recorded) -> tuple[int, str] | None:
    """Refuses what Iterable refuses: a wrong path, method, key or content type, or an event
    without exactly one of email and userId, a name, or the send-out's id."""
    if request.method != "POST" or request.path != "/api/events/track":
        return 404, '{"msg": "Not found", "code": "NotFound", "params": null}'
    if request.headers.get("Api-Key") != KEY:
        return 401, BAD_KEY
    if not request.headers.get("Content-Type", "").startswith("application/json"):
        return 400, '{"msg": "Invalid JSON body", "code": "InvalidJsonBody", "params": null}'
    body = json.loads(request.body)
    if (
        ("email" in body) == ("userId" in body)
        or not body.get("eventName")
        or body.get("id") != SENDOUT_ID
        or not isinstance(body.get("createdAt"), int)
    ):
        return 400, '{"msg": "Invalid parameters", "code": "BadParams", "params": null}'
    return None


def message(
    email: str = "zoe@example.com", settings: dict[str, str] | None = None
) -> dict[str, Any]:
    channel = MessageChannel(
        id="ch_1", type="iterable", event_name="voucher_sent", settings=settings or {}
    )
    customer = {"email": email, "source_id": "cust-ext-1", "name": "Zoë"}
    rendered = render_message(channel, SPEC, {"customer": customer, "voucher": {"code": "IT-1"}})
    return {
        **rendered.as_document(),
        "event_name": "voucher_sent",
        "sendout_id": SENDOUT_ID,
        "created_at": CREATED_AT,
    }


def iterable(url: str, key: str = KEY, **values: object) -> ProviderConfig:
    return config("iterable", secret_api_key=key, base_url=url, **values)


async def test_an_event_is_posted_as_iterable_documents() -> None:
    settings = {"event": "codeReceived", "properties": '{"code": {{voucher.code}}}'}
    async with stand_in(StandIn(default=(200, TRACKED), judge=iterable_judge)) as stand:
        async with http_transport() as http:
            sender = IterableSender(http)
            result = await sender.send(message(settings=settings), iterable(stand.url))
            plain = await sender.send(message(), iterable(stand.url + "/"))
    assert (result.delivered, result.status_code, plain.delivered) == (True, 200, True)
    first, second = stand.requests
    assert json.loads(first.body) == {
        "email": "zoe@example.com",
        "eventName": "codeReceived",
        "id": SENDOUT_ID,
        "createdAt": EPOCH,
        "dataFields": {"code": "IT-1"},
    }
    # without settings: the channel's event name and no data fields
    assert json.loads(second.body) == {
        "email": "zoe@example.com",
        "eventName": "voucher_sent",
        "id": SENDOUT_ID,
        "createdAt": EPOCH,
        "dataFields": {},
    }


async def test_a_project_identifying_users_by_user_id_sends_user_id_alone() -> None:
    settings = {"user": "{{customer.source_id}}"}
    async with stand_in(StandIn(default=(200, TRACKED), judge=iterable_judge)) as stand:
        async with http_transport() as http:
            result = await IterableSender(http).send(
                message(settings=settings), iterable(stand.url, identify_by="userId")
            )
    assert result.delivered
    body = json.loads(stand.requests[0].body)
    assert body["userId"] == "cust-ext-1"
    assert "email" not in body


async def test_rate_limiting_is_retried_and_rejection_fails_with_iterables_words() -> None:
    limited_answer = '{"msg": "Rate limit exceeded", "code": "RateLimitExceeded", "params": null}'
    stand = StandIn(script=[(429, limited_answer), (400, INVALID)], judge=iterable_judge)
    async with stand_in(stand) as iterable_api:
        async with http_transport() as http:
            sender = IterableSender(http)
            limited = await sender.send(message(), iterable(iterable_api.url))
            refused = await sender.send(message("not-an-email"), iterable(iterable_api.url))
            wrong_key = await sender.send(message(), iterable(iterable_api.url, "wrong"))
    assert (limited.status_code, limited.final) == (429, False)
    assert (refused.status_code, refused.final) == (400, True)
    assert refused.error == "Invalid email: not-an-email"
    assert (wrong_key.status_code, wrong_key.final, wrong_key.error) == (
        401,
        True,
        "Invalid API key",
    )


async def test_properties_that_are_not_an_object_fail_before_sending() -> None:
    async with stand_in(StandIn(default=(200, TRACKED), judge=iterable_judge)) as stand:
        async with http_transport() as http:
            result = await IterableSender(http).send(
                message(settings={"properties": "{{voucher.code}}"}), iterable(stand.url)
            )
    assert (result.final, result.status_code, stand.requests) == (True, None, [])


async def test_a_customer_without_an_email_is_skipped_and_no_settings_fail() -> None:
    channel = MessageChannel(id="ch_1", type="iterable", event_name="e")
    skipped = render_message(channel, SPEC, {"customer": {"name": "No email"}})
    assert skipped.skipped == "customer has no Iterable identifier (email or userId)"
    async with http_transport() as http:
        result = await IterableSender(http).send(message(), None)
    assert result.final
    assert "PUT /v1/integrations/iterable" in (result.error or "")


def test_the_defaults_are_valid_for_any_trigger_with_a_customer() -> None:
    channel = MessageChannel(id="ch_1", type="iterable", event_name="e")
    for action in Action:
        check_message_channel(
            channel, SPEC, message_schema_for("customer.segment.entered", action), "channels[0]"
        )
