"""The MoEngage channel against a stand-in of MoEngage's Data API (Track Event) on 127.0.0.1:
the documented request (path, method, basic auth, content type, body fields), and MoEngage's
answers for success, rate limiting and rejection
(https://moengage.com/docs/api/event/track-event)."""

from __future__ import annotations

import base64
import json
from typing import Any

from sendout.adapters.channels.crm.moengage import SPEC, MoEngageSender
from sendout.adapters.channels.http.http_api import NOT_AN_OBJECT
from sendout.domain.channels import MessageChannel, render_message
from tests.integration.standins import Recorded, StandIn, config, http_transport, stand_in

WORKSPACE, KEY = "OAPQQ2AMD01MJZYZX1YPG", "data-key-1"
ACCEPTED = (
    '{"status": "success", "message": "Your request has been accepted and will be processed soon."}'
)
#: MoEngage's error documents, as its API reference shows them
RATE_LIMITED = (
    '{"status": "fail", "error": {"message": "Rate limits for customers exceeded. Please Try'
    ' After Some Time", "type": "Rate Limits Exceeded", "request_id": "onqucLYL"}}'
)
SUSPENDED = (
    '{"status": "fail", "error": {"message": "Your account is suspended. Please contact'
    ' MoEngage team.", "type": "BlockedClient", "request_id": "Block123"}}'
)
AUTH_FAILED = (
    '{"status": "fail", "error": {"message": "App Secret key mismatch. Please login to the'
    ' dashboard to verify key", "type": "Authentication required", "request_id": "PVUDFisO"}}'
)
CREATED_AT = "2024-05-01T10:00:00.250Z"


def _fail(attribute: str, text: str) -> tuple[int, str]:
    error = {"attribute": attribute, "message": text, "type": "MissingAttributeError"}
    return 400, json.dumps({"status": "fail", "error": {**error, "request_id": "TtnwRNrU"}})


def moengage_judge(request: Recorded) -> tuple[int, str] | None:
    """Refuses what MoEngage refuses: a wrong path, method, credentials or content type, or
    an event without type, customer_id, actions and an action name."""
    if request.method != "POST" or request.path != f"/v1/event/{WORKSPACE}":
        return 404, '{"status": "fail", "error": {"message": "Not Found"}}'
    expected = "Basic " + base64.b64encode(f"{WORKSPACE}:{KEY}".encode()).decode()
    if request.headers.get("Authorization") != expected:
        return 401, AUTH_FAILED
    if not request.headers.get("Content-Type", "").startswith("application/json"):
        return 415, (
            '{"status": "fail", "error": {"message": "Content type is not supported",'
            ' "type": "Unsupported media type"}}'
        )
    try:
        document = json.loads(request.body)
    except ValueError:
        return _fail("body", "Could not decode the request body.")
    if document.get("type") != "event":
        return _fail("type", "type is not found in the payload")
    if not document.get("customer_id"):
        return _fail("customer_id", "customer_id is not found in the payload")
    actions = document.get("actions")
    if not isinstance(actions, list) or not actions:
        return _fail("actions", "actions can not be empty Array")
    for action in actions:
        if not isinstance(action.get("action"), str) or not action["action"]:
            return _fail("action", "action is not found in the payload")
        if not isinstance(action.get("attributes", {}), dict):
            return _fail("attributes", "attributes must be a dictionary")
    return None


def message(settings: dict[str, str] | None = None, source_id: str = "cust-42") -> dict[str, Any]:
    channel = MessageChannel(
        id="ch_1",
        type="moengage",
        event_name="voucher_published",
        settings=settings
        if settings is not None
        else {"properties": '{"code": "{{voucher.code}}", "name": "{{customer.name}}"}'},
    )
    data = {"customer": {"name": "Zoë", "source_id": source_id}, "voucher": {"code": "MOE-1"}}
    rendered = render_message(channel, SPEC, data)
    return {
        **rendered.as_document(),
        "event_name": channel.event_name,
        "sendout_id": "sout_1",
        "created_at": CREATED_AT,
    }


def settings_for(url: str, key: str = KEY) -> Any:
    return config("moengage", workspace_id=WORKSPACE, secret_data_api_key=key, base_url=url)


async def test_an_event_is_posted_as_moengage_documents() -> None:
    async with stand_in(StandIn(default=(200, ACCEPTED), judge=moengage_judge)) as moengage:
        async with http_transport() as http:
            result = await MoEngageSender(http).send(message(), settings_for(moengage.url))
    assert (result.delivered, result.status_code) == (True, 200)
    (sent,) = moengage.requests
    assert json.loads(sent.body) == {
        "type": "event",
        "customer_id": "cust-42",
        "actions": [
            {
                "action": "voucher_published",
                "attributes": {"code": "MOE-1", "name": "Zoë"},
                "current_time": 1714557600,
            }
        ],
    }


async def test_the_action_setting_names_the_event_and_no_properties_send_none() -> None:
    async with stand_in(StandIn(default=(200, ACCEPTED), judge=moengage_judge)) as moengage:
        async with http_transport() as http:
            result = await MoEngageSender(http).send(
                message({"action": "Code Received"}), settings_for(moengage.url)
            )
    assert result.delivered
    (action,) = json.loads(moengage.requests[0].body)["actions"]
    assert (action["action"], action["attributes"]) == ("Code Received", {})


async def test_rate_limiting_is_retried_and_rejection_fails_with_moengages_words() -> None:
    stand = StandIn(script=[(429, RATE_LIMITED), (403, SUSPENDED)], judge=moengage_judge)
    async with stand_in(stand) as moengage:
        async with http_transport() as http:
            sender = MoEngageSender(http)
            limited = await sender.send(message(), settings_for(moengage.url))
            refused = await sender.send(message(), settings_for(moengage.url))
            wrong_key = await sender.send(message(), settings_for(moengage.url, key="wrong"))
    assert (limited.status_code, limited.final) == (429, False)
    assert (refused.status_code, refused.final) == (403, True)
    assert refused.error == "Your account is suspended. Please contact MoEngage team."
    assert (wrong_key.status_code, wrong_key.final, wrong_key.error) == (
        401,
        True,
        "App Secret key mismatch. Please login to the dashboard to verify key",
    )


async def test_a_customer_without_an_id_is_skipped_and_no_settings_fail() -> None:
    channel = MessageChannel(id="ch_1", type="moengage", event_name="e", settings={})
    skipped = render_message(channel, SPEC, {"customer": {"name": "No id"}})
    assert skipped.skipped == "customer has no source_id"
    async with http_transport() as http:
        result = await MoEngageSender(http).send(message(), None)
    assert result.final
    assert "PUT /v1/integrations/moengage" in (result.error or "")


async def test_properties_that_are_not_an_object_fail_without_a_request() -> None:
    async with stand_in(StandIn(default=(200, ACCEPTED), judge=moengage_judge)) as moengage:
        async with http_transport() as http:
            result = await MoEngageSender(http).send(
                message({"properties": '["{{voucher.code}}"]'}), settings_for(moengage.url)
            )
    assert (result.final, result.error) == (True, NOT_AN_OBJECT)
    assert moengage.requests == []
