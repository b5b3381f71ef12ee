"""Segments through the official SDK: static and rule segments, the first sync, entered and
left events as customers change, and a "segment entered" distribution publishing a code."""

from __future__ import annotations

import json
import time
from typing import Any

import voucherify
from voucherify import CustomersApi, SegmentsApi

from tests.e2e.conftest import WAIT_SECONDS, Api, Receiver
from tests.e2e.sdk_builders import customer


def rule_segment(sdk: voucherify.ApiClient, name: str, filter: dict[str, Any]) -> Any:
    created = SegmentsApi(sdk).create_segment(
        voucherify.SegmentsCreateRequestBody(name=name, type="auto-update", filter=filter)
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        got = SegmentsApi(sdk).get_segment(created.id)
        if got.initial_sync_status == "DONE":
            return got
        time.sleep(0.05)
    raise AssertionError(f"segment {created.id} never finished its first sync")


def members(api: Api, segment_id: str) -> set[str]:
    status, listing = api.call("GET", f"/v1/customers?segment_id={segment_id}&limit=100")
    assert status == 200, listing
    return {c["source_id"] for c in listing["customers"]}


def activity_types(api: Api, customer_id: str) -> list[str]:
    _, activity = api.call("GET", f"/v1/customers/{customer_id}/activity?limit=50")
    return [a["type"] for a in activity["data"]]


GOLD = {"junction": "and", "metadata.tier": {"conditions": {"$in": ["gold"]}}}


def test_a_static_segment_lists_its_customers(sdk: voucherify.ApiClient, api: Api) -> None:
    ann = customer(api, "seg-ann")
    customer(api, "seg-ben")
    created = SegmentsApi(sdk).create_segment(
        voucherify.SegmentsCreateRequestBody(
            name="VIPs", type="static", customers=[ann["id"], "seg-ben"]
        )
    )
    assert created.id.startswith("seg_")
    assert (created.type, created.initial_sync_status, created.object) == (
        "static",
        "DONE",
        "segment",
    )
    assert members(api, created.id) == {"seg-ann", "seg-ben"}
    listing = CustomersApi(sdk).list_customer_segments(ann["id"])
    assert [(s.id, s.name, s.object) for s in listing.data] == [(created.id, "VIPs", "segment")]
    assert listing.total == 1
    SegmentsApi(sdk).delete_segment(created.id)
    status, _ = api.call("GET", f"/v1/segments/{created.id}")
    assert status == 404
    assert CustomersApi(sdk).list_customer_segments(ann["id"]).data == []


def test_a_rule_segment_syncs_then_follows_changes(sdk: voucherify.ApiClient, api: Api) -> None:
    gold = customer(api, "seg-gold", metadata={"tier": "gold"})
    silver = customer(api, "seg-silver", metadata={"tier": "silver"})
    segment = rule_segment(sdk, "Gold tier", GOLD)
    assert segment.type == "auto-update"
    assert segment.filter == GOLD
    # The first sync: members join without an "entered" event (the segment is new).
    assert members(api, segment.id) == {"seg-gold"}
    assert "customer.segment.entered" not in activity_types(api, gold["id"])

    api.call("PUT", f"/v1/customers/{silver['id']}", {"metadata": {"tier": "gold"}})
    api.call("PUT", f"/v1/customers/{gold['id']}", {"metadata": {"tier": "bronze"}})
    assert members(api, segment.id) == {"seg-silver"}
    assert "customer.segment.entered" in activity_types(api, silver["id"])
    assert "customer.segment.left" in activity_types(api, gold["id"])
    _, activity = api.call("GET", f"/v1/customers/{silver['id']}/activity?limit=5")
    entered = next(a for a in activity["data"] if a["type"] == "customer.segment.entered")
    assert entered["data"]["segment"] == {
        "id": segment.id,
        "name": "Gold tier",
        "object": "segment",
    }
    # A new customer who matches enters at once.
    late = customer(api, "seg-late", metadata={"tier": "gold"})
    assert "customer.segment.entered" in activity_types(api, late["id"])


def test_order_summaries_and_operators_drive_membership(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    big_spenders = rule_segment(
        sdk,
        "Big spenders",
        {
            "junction": "and",
            "summary.orders.total_amount": {"conditions": {"$more_than_equal": [10_000]}},
            "email": {"conditions": {"$ends_with": ["@example.com"]}},
        },
    )
    buyer = customer(api, "seg-buyer", email="buyer@example.com")
    assert members(api, big_spenders.id) == set()
    for amount in (6_000, 5_000):
        status, _ = api.call(
            "POST",
            "/v1/orders",
            {"customer": {"id": buyer["id"]}, "amount": amount, "status": "PAID"},
        )
        assert status == 200
    assert members(api, big_spenders.id) == {"seg-buyer"}
    passive = SegmentsApi(sdk).create_segment(
        voucherify.SegmentsCreateRequestBody(
            name="Quiet", type="passive", filter={"name": {"conditions": {"$is_unknown": []}}}
        )
    )
    quiet = customer(api, "seg-quiet")
    time.sleep(0.3)
    assert "seg-quiet" in members(api, passive.id)
    # Passive segments keep members without announcing them.
    assert "customer.segment.entered" not in activity_types(api, quiet["id"])


def test_bad_segments_are_refused(api: Api) -> None:
    for body, field in [
        (
            {
                "name": "x",
                "type": "auto-update",
                "filter": {"shoe_size": {"conditions": {"$is": [1]}}},
            },
            "shoe_size",
        ),
        (
            {
                "name": "x",
                "type": "auto-update",
                "filter": {"email": {"conditions": {"$like": ["a"]}}},
            },
            "$like",
        ),
        (
            {"name": "x", "type": "auto-update", "filter": {"junction": "xor", "email": {}}},
            "junction",
        ),
        ({"name": "x", "type": "auto-update"}, "filter"),
        ({"name": "x", "type": "static", "customers": []}, "static"),
        ({"name": "x", "type": "dynamic", "customers": ["a"]}, "type"),
    ]:
        status, error = api.call("POST", "/v1/segments", body)
        assert status == 400, body
        assert field in error["details"], error
    status, error = api.call(
        "POST", "/v1/segments", {"name": "x", "type": "static", "customers": ["nobody-here"]}
    )
    assert status == 404
    status, _ = api.call("GET", "/v1/segments/seg_missing")
    assert status == 404
    status, listing = api.call("GET", "/v1/segments")
    assert (status, listing["total"]) == (200, 0)


def test_entering_a_segment_publishes_a_code_and_delivers_it(
    sdk: voucherify.ApiClient, api: Api, receiver: Receiver
) -> None:
    status, campaign = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Welcome to gold",
            "campaign_type": "DISCOUNT_COUPONS",
            "type": "STATIC",
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "PERCENT", "percent_off": 15},
            },
        },
    )
    assert status == 200, campaign
    status, _ = api.call("POST", f"/v1/campaigns/{campaign['id']}/vouchers/GOLD-WELCOME-1")
    assert status == 200
    segment = rule_segment(sdk, "Gold members", GOLD)
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Gold welcome",
            "trigger": {"event": "customer.segment.entered", "segment_id": segment.id},
            "action": {"type": "PUBLISH", "campaign_id": campaign["id"]},
            "channels": [
                {
                    "event_name": "gold_welcome",
                    "url": receiver.url,
                    "payload": '{"to": "{{customer.source_id}}", "code": "{{voucher.code}}"}',
                }
            ],
        },
    )
    assert status == 200, created
    member = customer(api, "seg-rising", metadata={"tier": "silver"})
    api.call("PUT", f"/v1/customers/{member['id']}", {"metadata": {"tier": "gold"}})
    ((_, body),) = receiver.wait_for(1)
    assert json.loads(body)["data"] == {"to": "seg-rising", "code": "GOLD-WELCOME-1"}
    _, wallet = api.call("GET", f"/v1/vouchers?customer={member['id']}")
    assert [v["code"] for v in wallet["vouchers"]] == ["GOLD-WELCOME-1"]


def test_distributions_name_real_segments_and_manual_ones_reach_the_members(
    api: Api, receiver: Receiver
) -> None:
    status, error = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Ghost segment",
            "trigger": {"event": "customer.segment.entered", "segment_id": "seg_ghost"},
            "action": {"type": "PLAIN"},
            "channels": [{"event_name": "x", "url": receiver.url}],
        },
    )
    assert status == 404
    assert error["resource_id"] == "seg_ghost"

    for source_id in ("seg-m1", "seg-m2", "seg-outsider"):
        customer(api, source_id)
    status, segment = api.call(
        "POST",
        "/v1/segments",
        {"name": "Mailing", "type": "static", "customers": ["seg-m1", "seg-m2"]},
    )
    assert status == 200, segment
    status, campaign = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Mailing codes",
            "campaign_type": "DISCOUNT_COUPONS",
            "type": "STATIC",
            "vouchers_count": 2,
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 500},
            },
        },
    )
    assert status == 200, campaign
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        _, current = api.call("GET", f"/v1/campaigns/{campaign['id']}")
        if current["creation_status"] == "DONE":
            break
        time.sleep(0.05)
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "To the mailing segment",
            "trigger": {"event": "manual_distribution_schedule"},
            "action": {"type": "PUBLISH", "campaign_id": campaign["id"]},
            "recipients": {"segment_id": segment["id"]},
            "channels": [
                {
                    "event_name": "mailing",
                    "url": receiver.url,
                    "payload": '{"to": "{{customer.source_id}}", "code": "{{voucher.code}}"}',
                }
            ],
        },
    )
    assert status == 200, created
    assert created["recipients"] == {"filter": {"segment_id": segment["id"]}}
    arrived = receiver.wait_for(2)
    recipients = sorted(json.loads(body)["data"]["to"] for _, body in arrived)
    assert recipients == ["seg-m1", "seg-m2"]
