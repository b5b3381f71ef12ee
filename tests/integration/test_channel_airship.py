"""The Airship channel against a stand-in of Airship's Custom Events API on 127.0.0.1: the
documented request (path, method, bearer token, app key, content type, version 3 accept,
body fields), and Airship's answers for success, rate limiting and rejection
(https://docs.airship.com/developer/rest-api/ua/operations/custom-events/,
https://docs.airship.com/developer/rest-api/ua/schemas/responses/)."""

from __future__ import annotations

import json
from typing import Any

from sendout.adapters.channels.crm.airship import SPEC, AirshipSender
from sendout.adapters.channels.http.http_api import NOT_AN_OBJECT
from sendout.domain.channels import MessageChannel, render_message
from tests.integration.standins import Recorded, StandIn, config, http_transport, stand_in

APP_KEY, TOKEN = "ISex_TTJRuarzs9-o_Gkhg", "bearer-token-1"
ACCEPT = "application/vnd.urbanairship+json; version=3"
OK = '{"ok": true, "operation_id": "8c61c0c4-95b0-45a6-bc38-733f7fcb8979"}'
CREATED_AT = "2024-05-01T10:00:00.250Z"


def _error(status: int, text: str, code: int, details: str | None = None) -> tuple[int, str]:
    document: dict[str, Any] = {"ok": False, "error": text, "error_code": code}
    if details is not None:
        document["details"] = {"error": details}
    return status, json.dumps(document)


#: Airship's error document for a body it cannot accept
UNPARSEABLE = _error(400, "Could not parse request body.", 40000, "event name must be lower case")


def airship_judge(request: Recorded) -> tuple[int, str] | None:
    """Refuses what Airship refuses: a wrong path, method, token, app key, content type or
    accept, or events without a user, a body or a lower-case name."""
    if request.method != "POST" or request.path != "/api/custom-events":
        return _error(404, "Not found", 40400)
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        return _error(401, "Unauthorized", 40101)
    if request.headers.get("X-UA-Appkey") != APP_KEY:
        return _error(401, "Unauthorized", 40101, "X-UA-Appkey header required")
    if request.headers.get("Accept") != ACCEPT:
        return _error(406, "Not Acceptable", 40601)
    if not request.headers.get("Content-Type", "").startswith("application/json"):
        return _error(415, "Unsupported Media Type", 41500)
    try:
        events = json.loads(request.body)
    except ValueError:
        return UNPARSEABLE
    if not isinstance(events, list) or not 1 <= len(events) <= 100:
        return _error(400, "Could not parse request body.", 40000, "expected 1 to 100 events")
    for event in events:
        user, body = event.get("user"), event.get("body")
        if not isinstance(user, dict) or not (user.get("named_user_id") or user.get("channel")):
            return _error(400, "Could not parse request body.", 40000, "user is required")
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            return _error(400, "Could not parse request body.", 40000, "body.name is required")
        if body["name"] != body["name"].lower():
            return UNPARSEABLE
        if not isinstance(body.get("properties", {}), dict):
            return _error(400, "Could not parse request body.", 40000, "properties: object")
    return None


def message(settings: dict[str, str] | None = None, source_id: str = "cust-42") -> dict[str, Any]:
    channel = MessageChannel(
        id="ch_1",
        type="airship",
        event_name="Voucher_Published",
        settings=settings
        if settings is not None
        else {"properties": '{"code": "{{voucher.code}}", "name": "{{customer.name}}"}'},
    )
    data = {"customer": {"name": "Zoë", "source_id": source_id}, "voucher": {"code": "AIR-1"}}
    rendered = render_message(channel, SPEC, data)
    return {
        **rendered.as_document(),
        "event_name": channel.event_name,
        "sendout_id": "sout_1",
        "created_at": CREATED_AT,
    }


def settings_for(url: str, token: str = TOKEN) -> Any:
    return config("airship", app_key=APP_KEY, secret_token=token, base_url=url)


async def test_an_event_is_posted_as_airship_documents() -> None:
    async with stand_in(StandIn(default=(200, OK), judge=airship_judge)) as airship:
        async with http_transport() as http:
            result = await AirshipSender(http).send(message(), settings_for(airship.url))
    assert (result.delivered, result.status_code) == (True, 200)
    (sent,) = airship.requests
    assert json.loads(sent.body) == [
        {
            "occurred": "2024-05-01T10:00:00",
            "user": {"named_user_id": "cust-42"},
            "body": {
                "name": "voucher_published",
                "properties": {"code": "AIR-1", "name": "Zoë"},
                "unique_id": "sout_1",
                "transaction": "sout_1",
            },
        }
    ]


async def test_the_name_setting_names_the_event_and_no_properties_send_none() -> None:
    async with stand_in(StandIn(default=(200, OK), judge=airship_judge)) as airship:
        async with http_transport() as http:
            result = await AirshipSender(http).send(
                message({"name": "code_received"}), settings_for(airship.url)
            )
    assert result.delivered
    (event,) = json.loads(airship.requests[0].body)
    assert (event["body"]["name"], event["body"]["properties"]) == ("code_received", {})


async def test_rate_limiting_is_retried_and_rejection_fails_with_airships_words() -> None:
    rejected = _error(400, "Could not parse request body.", 40000, "named user not found")
    stand = StandIn(script=[_error(429, "Too Many Requests", 42900), rejected], judge=airship_judge)
    async with stand_in(stand) as airship:
        async with http_transport() as http:
            sender = AirshipSender(http)
            limited = await sender.send(message(), settings_for(airship.url))
            refused = await sender.send(message(), settings_for(airship.url))
            wrong_token = await sender.send(message(), settings_for(airship.url, token="wrong"))
    assert (limited.status_code, limited.final) == (429, False)
    assert (refused.status_code, refused.final) == (400, True)
    assert refused.error == "Could not parse request body."
    assert (wrong_token.status_code, wrong_token.final, wrong_token.error) == (
        401,
        True,
        "Unauthorized",
    )


async def test_a_customer_without_an_id_is_skipped_and_no_settings_fail() -> None:
    channel = MessageChannel(id="ch_1", type="airship", event_name="e", settings={})
    skipped = render_message(channel, SPEC, {"customer": {"name": "No id"}})
    assert skipped.skipped == "customer has no source_id"
    async with http_transport() as http:
        result = await AirshipSender(http).send(message(), None)
    assert result.final
    assert "PUT /v1/integrations/airship" in (result.error or "")


async def test_properties_that_are_not_an_object_fail_without_a_request() -> None:
    async with stand_in(StandIn(default=(200, OK), judge=airship_judge)) as airship:
        async with http_transport() as http:
            result = await AirshipSender(http).send(
                message({"properties": '["{{voucher.code}}"]'}), settings_for(airship.url)
            )
    assert (result.final, result.error) == (True, NOT_AN_OBJECT)
    assert airship.requests == []
