"""The Batch channel against a stand-in of Batch's Profile API on 127.0.0.1: the documented
request (``POST /2.11/profiles/update``, bearer REST API key, ``X-Batch-Project``, a JSON
array of profile updates with ``identifiers.custom_id`` and ``events``), and Batch's answers
for success, rate limiting, rejection and partial errors."""

from __future__ import annotations

import json

from sendout.adapters.channels.crm.batch import SPEC, BatchSender
from sendout.domain.channels import MessageChannel, ProviderConfig, render_message
from tests.integration.standins import Recorded, StandIn, config, http_transport, stand_in

PROJECT, REST_KEY = "project_0664hxvwffvbpn278gxdyhsadddqgna6", "rest-key-1"
#: the documented answers (https://doc.batch.com/developer/api/cep/profiles/update)
SUCCESS = '{"code": "SUCCESS"}'
#: error answers in the documented shape (``error_code``, ``error_message``); the words are the
#: stand-in's
UNAUTHORIZED = '{"error_code": "AUTHENTICATION_INVALID", "error_message": "Invalid API key"}'
MALFORMED = '{"error_code": "MALFORMED_JSON_BODY", "error_message": "Body must be a JSON array"}'
PARTIAL = (
    '{"code": "SUCCESS_WITH_PARTIAL_ERRORS", "errors": [{"category": "event", "bulk_index": 0,'
    ' "attribute": "code", "reason": "string attributes cannot be over 300 characters"}]}'
)


def batch_judge(request: Recorded) -> tuple[int, str] | None:
    """Refuses what the Profile API refuses: a wrong path or method, a missing or wrong key or
    project, a body that is not a JSON array of updates each naming a custom ID, or an event
    without a name."""
    if request.method != "POST" or request.path != "/2.11/profiles/update":
        return 404, '{"error_code": "NOT_FOUND", "error_message": "Not found"}'
    if request.headers.get("Authorization") != f"Bearer {REST_KEY}":
        return 401, UNAUTHORIZED
    if request.headers.get("X-Batch-Project") != PROJECT:
        return 401, UNAUTHORIZED
    if not request.headers.get("Content-Type", "").startswith("application/json"):
        return 400, MALFORMED
    try:
        updates = json.loads(request.body)
    except ValueError:
        return 400, MALFORMED
    if not isinstance(updates, list) or not updates:
        return 400, MALFORMED
    for update in updates:
        if not isinstance(update, dict) or not (update.get("identifiers") or {}).get("custom_id"):
            return 400, MALFORMED
        if not all(isinstance(e, dict) and e.get("name") for e in update.get("events", [])):
            return 400, MALFORMED
    return None


def message(custom_id: str = "crm-7781", **settings: str) -> dict[str, object]:
    channel = MessageChannel(
        id="ch_1", type="batch", event_name="code.published", settings=settings
    )
    rendered = render_message(
        channel,
        SPEC,
        {"customer": {"name": "Zoë", "source_id": custom_id}, "voucher": {"code": "BT-1"}},
    )
    return {
        **rendered.as_document(),
        "event_name": channel.event_name,
        "sendout_id": "so_1",
        "created_at": "2024-05-01T10:00:00Z",
    }


def settings(url: str, key: str = REST_KEY) -> ProviderConfig:
    return config("batch", project_key=PROJECT, secret_rest_api_key=key, base_url=url)


async def test_an_event_is_posted_as_batch_documents() -> None:
    async with stand_in(StandIn(default=(202, SUCCESS), judge=batch_judge)) as batch:
        async with http_transport() as http:
            result = await BatchSender(http).send(
                message(
                    event="voucher_sent",
                    properties='{"code": "{{voucher.code}}", "name": "{{customer.name}}"}',
                ),
                settings(batch.url),
            )
    assert (result.delivered, result.status_code, result.final) == (True, 202, False)
    (sent,) = batch.requests
    assert json.loads(sent.body) == [
        {
            "identifiers": {"custom_id": "crm-7781"},
            "events": [{"name": "voucher_sent", "attributes": {"code": "BT-1", "name": "Zoë"}}],
        }
    ]


async def test_the_channels_event_name_is_made_a_batch_name_and_attributes_default_empty() -> None:
    async with stand_in(StandIn(default=(202, SUCCESS), judge=batch_judge)) as batch:
        async with http_transport() as http:
            result = await BatchSender(http).send(message(), settings(batch.url))
    assert result.delivered
    (update,) = json.loads(batch.requests[0].body)
    assert update["events"] == [{"name": "code_published", "attributes": {}}]


async def test_a_name_batch_would_refuse_fails_before_sending() -> None:
    async with stand_in(StandIn(default=(202, SUCCESS), judge=batch_judge)) as batch:
        async with http_transport() as http:
            sender = BatchSender(http)
            spaced = await sender.send(message(event="voucher sent"), settings(batch.url))
            too_long = await sender.send(message(event="e" * 31), settings(batch.url))
            not_object = await sender.send(message(properties='["x"]'), settings(batch.url))
    assert batch.requests == []
    assert spaced.final
    assert "1 to 30 letters, digits or underscores" in (spaced.error or "")
    assert "'voucher sent'" in (spaced.error or "")
    assert too_long.final
    assert too_long.status_code is None
    assert not_object.final
    assert "JSON object" in (not_object.error or "")


async def test_rate_limiting_is_retried_and_rejection_fails_with_batchs_words() -> None:
    stand = StandIn(
        script=[(429, '{"error_code": "TOO_MANY_REQUESTS"}'), (400, MALFORMED), (202, PARTIAL)],
        judge=batch_judge,
    )
    async with stand_in(stand) as batch:
        async with http_transport() as http:
            sender = BatchSender(http)
            limited = await sender.send(message(), settings(batch.url))
            refused = await sender.send(message(), settings(batch.url))
            partial = await sender.send(message(), settings(batch.url))
            wrong_key = await sender.send(message(), settings(batch.url, key="wrong"))
    assert (limited.status_code, limited.final) == (429, False)
    assert (refused.status_code, refused.final) == (400, True)
    assert refused.error == "Body must be a JSON array"
    assert (partial.delivered, partial.final) == (False, True)
    assert partial.error == "code: string attributes cannot be over 300 characters"
    assert (wrong_key.status_code, wrong_key.final, wrong_key.error) == (
        401,
        True,
        "Invalid API key",
    )


async def test_a_customer_without_a_custom_id_is_skipped_and_no_settings_fail() -> None:
    channel = MessageChannel(id="ch_1", type="batch", event_name="e")
    skipped = render_message(channel, SPEC, {"customer": {"name": "No id"}})
    assert skipped.skipped == "customer has no source_id (Batch custom ID)"
    async with http_transport() as http:
        result = await BatchSender(http).send(message(), None)
    assert result.final
    assert "PUT /v1/integrations/batch" in (result.error or "")
