"""The ActiveCampaign channel against a stand-in of its Event Tracking API on 127.0.0.1: the
documented request (path, method, content type, form fields ``actid``, ``key``, ``event``,
``eventdata`` and the JSON ``visit``), and its answers for success, rate limiting and
rejection (``"success": 0`` in a 200 answer)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from sendout.adapters.channels.crm.activecampaign import SPEC, ActiveCampaignSender
from sendout.domain.channels import MessageChannel, ProviderConfig, render_message
from tests.integration.standins import Recorded, StandIn, config, http_transport, stand_in

ACTID, KEY = "223344556", "ev-key-1"
#: the documented success answer (https://developers.activecampaign.com/reference/track-event)
SPAWNED = '{"success": 1, "message": "Event spawned"}'
#: a refusal in the documented shape (``success`` 0 and a ``message``); the words are the stand-in's
BAD_KEY = '{"success": 0, "message": "Invalid event key"}'


def activecampaign_judge(request: Recorded) -> tuple[int, str] | None:
    """Refuses what the Event Tracking API refuses: a wrong path, method or content type, a
    request without actid, key, event or a visit naming an email, or a wrong key."""
    if request.method != "POST" or request.path != "/event":
        return 404, "Not Found"
    if not request.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        return 400, "{}"
    form = parse_qs(request.body.decode())
    if not all(form.get(name) for name in ("actid", "key", "event", "visit")):
        return 400, "{}"
    try:
        visit = json.loads(form["visit"][0])
    except ValueError:
        return 400, "{}"
    if not isinstance(visit, dict) or not visit.get("email"):
        return 400, "{}"
    if form["actid"] != [ACTID] or form["key"] != [KEY]:
        return 200, BAD_KEY
    return None


def message(email: str = "zoe@example.com", **settings: str) -> dict[str, object]:
    channel = MessageChannel(
        id="ch_1", type="activecampaign", event_name="code_published", settings=settings
    )
    rendered = render_message(
        channel,
        SPEC,
        {"customer": {"name": "Zoë", "email": email}, "voucher": {"code": "AC-1"}},
    )
    return {
        **rendered.as_document(),
        "event_name": channel.event_name,
        "sendout_id": "so_1",
        "created_at": "2024-05-01T10:00:00Z",
    }


def settings(url: str, key: str = KEY) -> ProviderConfig:
    return config("activecampaign", actid=ACTID, secret_event_key=key, base_url=url)


async def test_an_event_is_posted_as_activecampaign_documents() -> None:
    async with stand_in(StandIn(default=(200, SPAWNED), judge=activecampaign_judge)) as ac:
        async with http_transport() as http:
            result = await ActiveCampaignSender(http).send(
                message(properties='{"code": "{{voucher.code}}", "name": "{{customer.name}}"}'),
                settings(ac.url),
            )
    assert (result.delivered, result.status_code, result.final) == (True, 200, False)
    (sent,) = ac.requests
    form = parse_qs(sent.body.decode())
    assert {k: v for k, v in form.items() if k not in ("eventdata", "visit")} == {
        "actid": [ACTID],
        "key": [KEY],
        "event": ["code_published"],
    }
    assert json.loads(form["eventdata"][0]) == {"code": "AC-1", "name": "Zoë"}
    assert json.loads(form["visit"][0]) == {"email": "zoe@example.com"}


async def test_the_event_setting_names_the_event_and_no_properties_send_an_empty_object() -> None:
    async with stand_in(StandIn(default=(200, SPAWNED), judge=activecampaign_judge)) as ac:
        async with http_transport() as http:
            result = await ActiveCampaignSender(http).send(
                message(event="voucher_sent"),
                settings(ac.url),
            )
    assert result.delivered
    form = parse_qs(ac.requests[0].body.decode(), keep_blank_values=True)
    assert form["event"] == ["voucher_sent"]
    assert form["eventdata"] == ["{}"]


async def test_rate_limiting_is_retried_and_rejection_fails_with_activecampaigns_words() -> None:
    stand = StandIn(script=[(429, "Too Many Requests")], default=(200, SPAWNED))
    stand.judge = activecampaign_judge
    async with stand_in(stand) as ac:
        async with http_transport() as http:
            sender = ActiveCampaignSender(http)
            limited = await sender.send(message(), settings(ac.url))
            refused = await sender.send(message(), settings(ac.url, key="wrong"))
            too_long = await sender.send(
                message(event="x" * 33),
                settings(ac.url),
            )
    assert (limited.status_code, limited.final) == (429, False)
    assert (refused.delivered, refused.final) == (False, True)
    assert refused.error == "Invalid event key"
    assert too_long.final
    assert "at most 32 characters" in (too_long.error or "")
    assert len(ac.requests) == 2  # the over-long name never left


async def test_a_customer_without_an_email_is_skipped_and_no_settings_fail() -> None:
    channel = MessageChannel(id="ch_1", type="activecampaign", event_name="e")
    skipped = render_message(channel, SPEC, {"customer": {"name": "No email"}})
    assert skipped.skipped == "customer has no email address"
    async with http_transport() as http:
        result = await ActiveCampaignSender(http).send(message(), None)
    assert result.final
    assert "PUT /v1/integrations/activecampaign" in (result.error or "")
