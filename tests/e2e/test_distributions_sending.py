"""What distributions send over HTTP once events arrive: a tracked event's send-out as its
preview showed it, a PUBLISH action's codes, and manual distributions to a list of recipients."""

from __future__ import annotations

import json
import time
from typing import Any

import voucherify

from tests.e2e.conftest import Api
from tests.factories.distributions import distribution, webhook


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
