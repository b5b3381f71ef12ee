"""``/v1/distributions`` over HTTP: create, validate, read, replace, pause, activate, preview."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import voucherify

from tests.e2e.conftest import Api

ORDER_CONFIRMATION = """{
  "order": {
    "orderId": "{{order.id}}",
    "total": {{order.total_amount}},
    "currency": "USD",
    "message": "Thank you for your order, {{customer.name}}!"
  }
}"""


def webhook(**fields: Any) -> dict[str, Any]:
    return {
        "type": "webhook",
        "event_name": "order_paid",
        # Loopback, port 9 (discard): nothing listens, so deliveries fail at once, locally.
        "url": "http://127.0.0.1:9/sendout",
        **fields,
    }


def distribution(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Paid orders",
        "trigger": {"event": "customer.order.paid"},
        "action": {"type": "PLAIN"},
        "channels": [webhook(payload=ORDER_CONFIRMATION)],
        **fields,
    }


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


def wait_for_sendouts(api: Api, distribution_id: str, count: int) -> list[dict[str, Any]]:
    """The in-process worker dispatches within milliseconds of the event's commit."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        status, listing = api.call("GET", f"/v1/sendouts?distribution_id={distribution_id}")
        assert status == 200
        if listing["total"] >= count:
            return list(listing["sendouts"])
        time.sleep(0.05)
    raise AssertionError(f"no {count} send-outs for {distribution_id}")


def test_a_tracked_event_makes_exactly_the_send_out_the_preview_showed(
    api: Api, sdk: voucherify.ApiClient
) -> None:
    template = '{"greeting": "Hello {{customer.name}}", "plan": {{event.metadata.plan}}}'
    status, created = api.call(
        "POST",
        "/v1/distributions",
        distribution(
            trigger={"event": "customer.custom_event", "custom_event": "upgraded"},
            channels=[webhook(event_name="upgrade", payload=template)],
        ),
    )
    assert status == 200, created
    voucherify.CustomersApi(sdk).create_customer(
        voucherify.CustomersCreateRequestBody(source_id="ula", name="Ula")
    )
    voucherify.EventsApi(sdk).track_custom_event(
        voucherify.EventsCreateRequestBody(
            event="upgraded", customer={"source_id": "ula"}, metadata={"plan": "pro"}
        )
    )
    voucherify.EventsApi(sdk).track_custom_event(
        voucherify.EventsCreateRequestBody(event="other", customer={"source_id": "ula"})
    )
    (listed,) = wait_for_sendouts(api, created["id"], 1)
    time.sleep(0.3)  # nothing else may arrive: the other event fires no distribution
    assert len(wait_for_sendouts(api, created["id"], 1)) == 1
    status, sendout = api.call("GET", f"/v1/sendouts/{listed['id']}")
    assert sendout["status"] == "PENDING"  # its first attempt was refused: retried later
    assert sendout["request"]["url"] == "http://127.0.0.1:9/sendout"
    sent = json.loads(sendout["request"]["body"])
    status, preview = api.call(
        "POST", f"/v1/distributions/{created['id']}/preview", {"event_id": sendout["event_id"]}
    )
    shown = preview["outputs"][0]["body"]
    assert sent["data"] == shown["data"] == {"greeting": "Hello Ula", "plan": "pro"}
    assert sent["event"] == shown["event"]
    assert (sent["type"], sent["source"]) == (shown["type"], shown["source"])
    assert sent["id"] == sendout["id"]


def test_a_publish_distribution_gives_the_customer_a_code_once(
    api: Api, sdk: voucherify.ApiClient
) -> None:
    status, campaign = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Welcome",
            "type": "STATIC",
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 500},
            },
        },
    )
    assert status == 200, campaign
    status, voucher = api.call("POST", f"/v1/campaigns/{campaign['id']}/vouchers")
    assert status == 200, voucher
    status, created = api.call(
        "POST",
        "/v1/distributions",
        distribution(
            trigger={"event": "customer.custom_event", "custom_event": "joined"},
            action={"type": "PUBLISH", "campaign_id": campaign["id"]},
            channels=[webhook(payload='{"code": "{{voucher.code}}", "to": "{{customer.id}}"}')],
        ),
    )
    assert status == 200, created
    for source_id in ("pia", "rob"):
        voucherify.EventsApi(sdk).track_custom_event(
            voucherify.EventsCreateRequestBody(event="joined", customer={"source_id": source_id})
        )
    sendouts = wait_for_sendouts(api, created["id"], 2)
    by_status = {s["status"]: s for s in sendouts}
    # One code for two customers: the first publishes it, the second fails and pauses (the
    # first, still waiting for its endpoint, is then held until the distribution is live).
    delivered = by_status.get("PENDING") or by_status["HELD"]
    failed = by_status["FAILED"]
    assert failed["reason"] == "no_voucher_suitable_for_publication"
    status, request = api.call("GET", f"/v1/sendouts/{delivered['id']}")
    assert json.loads(request["request"]["body"])["data"]["code"] == voucher["code"]
    status, publications = api.call("GET", f"/v1/publications?campaign={campaign['id']}")
    (publication,) = publications["publications"]
    assert publication["channel"] == "Automation"
    assert publication["metadata"] == {
        "distribution_id": created["id"],
        "source_type": "distribution",
        "source_id": created["id"],
    }
    status, current = api.call("GET", f"/v1/distributions/{created['id']}")
    assert current["status"] == "PAUSED"
    assert current["paused_reason"] == "action_failed"
    status, notes = api.call("GET", "/v1/notifications?type=campaign.codes_exhausted")
    (note,) = [n for n in notes["notifications"] if n["resource"]["id"] == campaign["id"]]
    assert note["details"]["distribution_id"] == created["id"]
    assert note["read"] is False


def manual(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Spring mailing",
        "trigger": {"event": "manual_distribution_schedule"},
        "channels": [webhook(event_name="spring", payload='{"to": "{{customer.source_id}}"}')],
        **fields,
    }


def test_a_manual_distribution_sends_once_to_each_recipient_and_reports_progress(
    api: Api,
) -> None:
    for source_id in ("m1", "m2", "m3"):
        api.call("POST", "/v1/customers", {"source_id": source_id, "address": {"city": "Oslo"}})
    status, campaign = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Spring",
            "type": "AUTO_UPDATE",
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "PERCENT", "percent_off": 5},
            },
        },
    )
    status, created = api.call(
        "POST",
        "/v1/distributions",
        manual(
            action={"type": "PUBLISH", "campaign_id": campaign["id"]},
            recipients={"filter": {"city": "Oslo"}},
        ),
    )
    assert status == 200, created
    assert created["status"] in ("TO_SEND", "DONE")
    sendouts = wait_for_sendouts(api, created["id"], 3)
    assert sorted(
        json.loads(api.call("GET", f"/v1/sendouts/{s['id']}")[1]["request"]["body"])["data"]["to"]
        for s in sendouts
    ) == ["m1", "m2", "m3"]
    status, current = api.call("GET", f"/v1/distributions/{created['id']}")
    assert current["status"] == "DONE", (current, sendouts)
    assert current["progress"] == {"done": 3, "total": 3}
    status, publications = api.call("GET", f"/v1/publications?campaign={campaign['id']}")
    assert publications["total"] == 3


def test_a_manual_distribution_can_be_canceled_before_it_starts(api: Api) -> None:
    api.call("POST", "/v1/customers", {"source_id": "later"})
    status, created = api.call(
        "POST",
        "/v1/distributions",
        manual(
            action={"type": "PUBLISH", "campaign_id": "camp_none"},
            recipients={"customer_ids": ["later"]},
            set_live_at="2999-01-01T00:00:00Z",
        ),
    )
    assert status == 404  # the campaign must exist
    status, campaign = api.call(
        "POST",
        "/v1/campaigns",
        {"name": "Later", "voucher": {"discount": {"type": "AMOUNT", "amount_off": 100}}},
    )
    status, created = api.call(
        "POST",
        "/v1/distributions",
        manual(
            action={"type": "PUBLISH", "campaign_id": campaign["id"]},
            recipients={"customer_ids": ["later"]},
            set_live_at="2999-01-01T00:00:00Z",
        ),
    )
    assert status == 200, created
    assert created["status"] == "TO_SEND"
    assert created["set_live_at"] == "2999-01-01T00:00:00.000Z"
    status, canceled = api.call("POST", f"/v1/distributions/{created['id']}/cancel")
    assert (status, canceled["status"]) == (200, "CANCELED")
    status, body = api.call("POST", f"/v1/distributions/{created['id']}/cancel")
    assert status == 400
    status, body = api.call("POST", f"/v1/distributions/{created['id']}/pause")
    assert status == 400
    status, body = api.call(
        "POST",
        "/v1/distributions",
        manual(action={"type": "PUBLISH", "campaign_id": campaign["id"]}),
    )
    assert status == 400
    assert "recipients" in body["details"]
