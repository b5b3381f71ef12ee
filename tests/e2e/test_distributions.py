"""``/v1/distributions`` over HTTP: create, validate, read, replace, pause, activate, preview
(what they send once events arrive: test_distributions_sending.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api
from tests.factories.distributions import ORDER_CONFIRMATION, distribution, webhook


def test_create_read_list_replace_pause_activate_delete(api: Api) -> None:
    status, created = api.call("POST", "/v1/distributions", distribution())
    assert status == 200, created
    assert created["id"].startswith("distr_")
    assert created["object"] == "distribution"
    assert created["status"] == "ACTIVE"
    channel = created["channels"][0]
    assert "secret" not in channel  # read through its own endpoint, never in listings
    secret_path = f"/v1/distributions/{created['id']}/channels/{channel['id']}/secret"
    status, secret = api.call("GET", secret_path)
    assert status == 200
    assert secret["secret"].startswith("whsec_")
    assert secret["previous_secret"] is None

    status, got = api.call("GET", f"/v1/distributions/{created['id']}")
    assert (status, got) == (200, created)

    status, listing = api.call("GET", "/v1/distributions?status=ACTIVE&trigger=customer.order.paid")
    assert [d["id"] for d in listing["distributions"]] == [created["id"]]
    assert listing["total"] == 1
    status, listing = api.call("GET", "/v1/distributions?status=PAUSED")
    assert listing["total"] == 0

    replacement = distribution(
        name="Paid orders v2", channels=[webhook(id=channel["id"], headers={"X-Api-Key": "k"})]
    )
    status, replaced = api.call("PUT", f"/v1/distributions/{created['id']}", replacement)
    assert status == 200, replaced
    assert replaced["name"] == "Paid orders v2"
    _, kept = api.call("GET", secret_path)
    assert kept["secret"] == secret["secret"]
    assert replaced["channels"][0]["headers"] == {"X-Api-Key": "********"}  # secret by its name

    status, paused = api.call("POST", f"/v1/distributions/{created['id']}/pause")
    assert paused["status"] == "PAUSED"
    status, live = api.call("POST", f"/v1/distributions/{created['id']}/activate")
    assert live["status"] == "ACTIVE"

    status, body = api.call("DELETE", f"/v1/distributions/{created['id']}")
    assert (status, body) == (204, None)
    status, body = api.call("GET", f"/v1/distributions/{created['id']}")
    assert status == 404
    assert body["resource_type"] == "distribution"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        (
            {
                "action": {"type": "PUBLISH", "campaign_id": "camp_x"},
                "trigger": {"event": "customer.voucher.loyalty_card.points_expired"},
            },
            "action.type",
            "not available",
        ),
        ({"trigger": {"event": "customer.custom_event"}}, "trigger.custom_event", "required"),
        ({"trigger": {"event": "customer.nothing"}}, "trigger.event", "unknown event"),
        (
            {"trigger": {"event": "customer.order.paid", "segment_id": "seg_1"}},
            "trigger.segment_id",
            "takes no",
        ),
        ({"action": {"type": "NOTIFY"}}, "action.campaign_id", "needs a campaign"),
        ({"action": {"type": "SHOUT"}}, "action.type", "one of"),
        ({"channels": [webhook(url="ftp://x.io/h")]}, "channels[0].url", "http"),
        ({"channels": [webhook(url="https:///nohost")]}, "channels[0].url", "no host"),
        (
            {"channels": [webhook(headers={"X-Voucherify-Signature": "x"})]},
            "channels[0].headers",
            "cannot be overridden",
        ),
        (
            {"channels": [webhook(headers={"X-Ok": "a\r\nInjected: 1"})]},
            "channels[0].headers",
            "line breaks",
        ),
        (
            {"channels": [webhook(headers={"Bad Name": "x"})]},
            "channels[0].headers",
            "not a valid header",
        ),
        ({"channels": [webhook(event_name="has space")]}, "channels[0].event_name", "letters"),
        (
            {"channels": [webhook(payload='{"a": "{{custmer.name}}"}')]},
            "channels[0].payload",
            "nearest valid keys: customer",
        ),
        (
            {"channels": [webhook(payload='{"a": "{{segment.name}}"}')]},
            "channels[0].payload",
            "segment",
        ),
        (
            {"channels": [webhook(payload='{"a": {{order.id | shout}}}')]},
            "channels[0].payload",
            "Unknown filter",
        ),
        ({"channels": [webhook(payload='{"a": 1,\n "b": }')]}, "channels[0].payload", "line 2"),
        (
            {"channels": [webhook(payload="{}", attributes=[{"path": "order.id"}])]},
            "channels[0].payload",
            "not both",
        ),
        ({"channels": [webhook(type="email")]}, "channels.url", "only webhook channels"),
        (
            {"channels": [{"type": "pigeon", "event_name": "p", "settings": {}}]},
            "channels[0].type",
            "not a channel type",
        ),
        (
            {"channels": [{"type": "email", "event_name": "e", "settings": {"subject": "Hi"}}]},
            "channels[0].settings.text",
            "required",
        ),
        (
            {
                "channels": [
                    {
                        "type": "email",
                        "event_name": "e",
                        "settings": {"subject": "Hi", "text": "x", "cc": "a@b.c"},
                    }
                ]
            },
            "channels[0]",
            "unknown setting 'cc'",
        ),
        (
            {
                "channels": [
                    {
                        "type": "sms",
                        "event_name": "s",
                        "settings": {"body": "Code {{voucher.cod}}"},
                    }
                ]
            },
            "channels[0].settings.body",
            "Unknown key",
        ),
        ({"channels": []}, "channels", ""),
        ({"status": "DONE"}, "status", "DRAFT or ACTIVE"),
    ],
)
def test_invalid_distributions_are_refused_naming_the_field(
    api: Api, changes: dict[str, Any], field: str, words: str
) -> None:
    status, body = api.call("POST", "/v1/distributions", distribution(**changes))
    assert status == 400, body
    assert field in body["details"]
    assert words in body["details"]
    status, listing = api.call("GET", "/v1/distributions")
    assert listing["total"] == 0


def test_actions_must_name_existing_campaigns_and_tiers(api: Api) -> None:
    status, body = api.call(
        "POST",
        "/v1/distributions",
        distribution(
            trigger={"event": "customer.custom_event", "custom_event": "signed_up"},
            action={"type": "PUBLISH", "campaign_id": "camp_missing"},
            channels=[webhook()],
        ),
    )
    assert status == 404
    assert body["resource_id"] == "camp_missing"
    status, body = api.call(
        "POST",
        "/v1/distributions",
        distribution(
            trigger={
                "event": "customer.voucher.gift.balance_added",
                "campaign_id": "camp_watched_missing",
            },
            action={"type": "PLAIN"},
            channels=[webhook()],
        ),
    )
    assert status == 404
    assert body["resource_id"] == "camp_watched_missing"


def test_preview_renders_the_seed_example_with_sample_data(api: Api) -> None:
    status, body = api.call(
        "POST",
        "/v1/distributions/preview",
        {
            "trigger": {"event": "customer.order.paid"},
            "action": {"type": "PLAIN"},
            "channel": webhook(payload=ORDER_CONFIRMATION),
        },
    )
    assert status == 200, body
    (output,) = body["outputs"]
    envelope = output["body"]
    assert envelope["type"] == "order_paid"
    assert envelope["id"].startswith("whs_")
    assert envelope["source"]["object"] == "distribution"
    assert envelope["event"]["type"] == "customer.order.paid"
    order = envelope["data"]["order"]
    assert order["currency"] == "USD"
    assert isinstance(order["total"], int)
    assert order["message"].startswith("Thank you for your order, ")


def test_raw_payload_is_the_whole_body_and_no_template_sends_every_object(api: Api) -> None:
    request = {
        "trigger": {"event": "customer.segment.entered", "segment_id": "seg_1"},
        "action": {"type": "PLAIN"},
        "channels": [
            webhook(payload='{"To": "{{customer.email}}"}', raw_payload=True),
            webhook(attributes=[{"path": "customer.name", "key": "name"}]),
            webhook(),
        ],
    }
    status, body = api.call("POST", "/v1/distributions/preview", request)
    assert status == 200, body
    raw, mapped, everything = (o["body"] for o in body["outputs"])
    assert raw == {"To": "john.smith@example.com"}
    assert mapped["data"] == {"name": "John Smith"}
    assert set(everything["data"]) == {"customer", "segment"}


def test_preview_with_a_real_event_of_the_project(api: Api) -> None:
    status, _ = api.call(
        "POST",
        "/v1/events",
        {"event": "signed_up", "customer": {"source_id": "eve", "name": "Eve"}},
    )
    status, customer = api.call("GET", "/v1/customers/eve")
    status, activity = api.call(
        "GET", f"/v1/customers/{customer['id']}/activity?type=customer.custom_event"
    )
    event_id = activity["data"][0]["id"]
    status, created = api.call(
        "POST",
        "/v1/distributions",
        distribution(
            trigger={"event": "customer.custom_event", "custom_event": "signed_up"},
            channels=[
                webhook(payload='{"hello": "Hello {{customer.name}}", "e": "{{event.type}}"}')
            ],
        ),
    )
    assert status == 200, created
    status, body = api.call(
        "POST", f"/v1/distributions/{created['id']}/preview", {"event_id": event_id}
    )
    assert status == 200, body
    envelope = body["outputs"][0]["body"]
    assert envelope["data"] == {"hello": "Hello Eve", "e": "signed_up"}
    assert envelope["event"]["id"] == event_id
    assert envelope["source"]["id"] == created["id"]
    status, body = api.call(
        "POST", f"/v1/distributions/{created['id']}/preview", {"event_id": "evcus_missing"}
    )
    assert status == 404
