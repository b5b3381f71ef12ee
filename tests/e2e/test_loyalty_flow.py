"""A loyalty program end to end, on each backend: an order paid earns points by an earning
rule, the points move the member up a tier, and the ``customer.loyalty.tier.upgraded`` event
sends the distribution's webhook, whose body is what the distribution's preview renders for
that same recorded event. A later order that keeps the member in the tier sends nothing more.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.e2e.conftest import Api, Receiver, sendouts_of, wait_until

POINTS_EVERY, POINTS_PER = 100, 1  # one point per 1.00 (amounts are in minor units)
UPGRADE_PAYLOAD = (
    '{"customer": {"id": "{{customer.id}}", "email": "{{customer.email}}"}, '
    '"from": "{{loyalty_tier_from.name}}", "to": "{{loyalty_tier_to.name}}", '
    '"program": "{{campaign.name}}"}'
)


def ok(api: Api, method: str, path: str, body: Any = None) -> Any:
    status, answer = api.call(method, path, body)
    assert status == 200, (method, path, status, answer)
    return answer


def delivered(count: int) -> Callable[[list[dict[str, Any]]], bool]:
    """``done`` for wait_until: ``count`` send-outs, every one DELIVERED."""
    return lambda sendouts: (
        len(sendouts) >= count and all(s["status"] == "DELIVERED" for s in sendouts)
    )


def arrived(receiver: Receiver, event_name: str) -> list[tuple[dict[str, str], dict[str, Any]]]:
    """The webhooks the receiver got for one channel (by its event name): headers, body."""
    with receiver.lock:
        requests = [(headers, json.loads(body)) for headers, body in receiver.requests]
    return [(headers, body) for headers, body in requests if body["type"] == event_name]


def pay(api: Api, source_id: str, amount: int) -> dict[str, Any]:
    order = ok(
        api,
        "POST",
        "/v1/orders",
        {"customer": {"source_id": source_id}, "amount": amount, "status": "PAID"},
    )
    assert order["status"] == "PAID", order
    return dict(order)


def test_an_order_paid_earns_points_moves_the_member_up_and_sends_the_previewed_webhook(
    api: Api, receiver: Receiver
) -> None:
    club = ok(
        api,
        "POST",
        "/v1/loyalties",
        {
            "name": "Flow club",
            "campaign_type": "LOYALTY_PROGRAM",
            "type": "AUTO_UPDATE",
            "voucher": {
                "type": "LOYALTY_CARD",
                "loyalty_card": {"points": 0},
                "code_config": {"length": 8, "prefix": "FLOW-"},
            },
        },
    )
    silver, gold = ok(
        api,
        "POST",
        f"/v1/loyalties/{club['id']}/tiers",
        [
            {"name": "Silver", "points": {"from": 0, "to": 99}},
            {"name": "Gold", "points": {"from": 100}},
        ],
    )
    (rule,) = ok(
        api,
        "POST",
        f"/v1/loyalties/{club['id']}/earning-rules",
        [
            {
                "event": "order.paid",
                "loyalty": {
                    "type": "PROPORTIONAL",
                    "calculation_type": "ORDER_TOTAL_AMOUNT",
                    "order": {"total_amount": {"every": POINTS_EVERY, "points": POINTS_PER}},
                },
            }
        ],
    )
    assert (rule["event"], rule["active"]) == ("order.paid", True), rule
    customer = ok(
        api,
        "POST",
        "/v1/customers",
        {"source_id": "flow-fay", "name": "Fay", "email": "fay@example.com"},
    )
    card = ok(
        api, "POST", f"/v1/loyalties/{club['id']}/members", {"customer": {"id": customer["id"]}}
    )
    code = card["code"]
    assert (card["holder_id"], card["loyalty_card"]["balance"]) == (customer["id"], 0)

    upgraded = ok(
        api,
        "POST",
        "/v1/distributions",
        {
            "name": "Welcome to a higher tier",
            "trigger": {"event": "customer.loyalty.tier.upgraded", "campaign_id": club["id"]},
            "action": {"type": "PLAIN"},
            "channels": [
                {"event_name": "tier_up", "url": receiver.url, "payload": UPGRADE_PAYLOAD}
            ],
        },
    )
    # Recorded in the same transaction as any tier move, and after it: once this one's send-out
    # exists, the dispatcher has handled every tier event of that order.
    rewarded = ok(
        api,
        "POST",
        "/v1/distributions",
        {
            "name": "Points earned",
            "trigger": {"event": "customer.rewarded.loyalty_points", "campaign_id": club["id"]},
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    "event_name": "earned",
                    "url": receiver.url,
                    "payload": '{"points": {{balance.points}}, "balance": {{balance.balance}}}',
                }
            ],
        },
    )

    # The first order: 150.00 earns 150 points, from Silver (0) into Gold (100+).
    first_amount = 15_000
    first_points = first_amount // POINTS_EVERY * POINTS_PER
    pay(api, "flow-fay", first_amount)
    member = ok(api, "GET", f"/v1/loyalties/members/{code}")
    assert member["loyalty_card"]["balance"] == first_points == 150
    tiers = ok(api, "GET", f"/v1/loyalties/members/{code}/tiers")
    assert [t["id"] for t in tiers["data"]] == [gold["id"]], tiers
    assert tiers["data"][0]["name"] == "Gold"

    (sendout,) = wait_until(api, upgraded["id"], delivered(1), "the upgrade send-out DELIVERED")
    assert (sendout["event_type"], sendout["customer_id"]) == (
        "customer.loyalty.tier.upgraded",
        customer["id"],
    )
    ((headers, sent),) = arrived(receiver, "tier_up")  # DELIVERED: the receiver answered it
    assert headers["webhook-id"] == sent["id"] == sendout["id"]
    assert sent["data"] == {
        "customer": {"id": customer["id"], "email": "fay@example.com"},
        "from": "Silver",
        "to": "Gold",
        "program": "Flow club",
    }
    assert sent["event"]["id"] == sendout["event_id"]
    assert sent["event"]["type"] == "customer.loyalty.tier.upgraded"

    # The preview of the distribution with the very event that was recorded renders the same
    # body; only the message's own id and creation time are new on each rendering.
    preview = ok(
        api,
        "POST",
        f"/v1/distributions/{upgraded['id']}/preview",
        {"event_id": sendout["event_id"]},
    )
    assert preview["warnings"] == []
    (output,) = preview["outputs"]
    shown = output["body"]
    assert set(shown) == set(sent)
    assert {k: v for k, v in shown.items() if k not in ("id", "created_at")} == {
        k: v for k, v in sent.items() if k not in ("id", "created_at")
    }
    assert shown["source"] == {
        "id": upgraded["id"],
        "object": "distribution",
        "target_url": receiver.url,
    }

    # The second order: 20.00 more (170 points) keeps the member in Gold: no upgrade again.
    second_amount = 2_000
    pay(api, "flow-fay", second_amount)
    member = ok(api, "GET", f"/v1/loyalties/members/{code}")
    assert member["loyalty_card"]["balance"] == first_points + second_amount // POINTS_EVERY
    tiers = ok(api, "GET", f"/v1/loyalties/members/{code}/tiers")
    assert [t["id"] for t in tiers["data"]] == [gold["id"]]
    earned = wait_until(api, rewarded["id"], delivered(2), "both points-earned send-outs")
    assert len(earned) == 2
    assert sorted(b["data"]["balance"] for _, b in arrived(receiver, "earned")) == [150, 170]
    # The second order's events are dispatched (its points-earned send-out exists): had it
    # recorded an upgrade, that send-out would exist now too.
    assert [s["id"] for s in sendouts_of(api, upgraded["id"])] == [sendout["id"]]
    assert [b["id"] for _, b in arrived(receiver, "tier_up")] == [sendout["id"]]
    activity = ok(api, "GET", f"/v1/customers/{customer['id']}/activity?limit=50")
    moves = [a for a in activity["data"] if ".tier." in a["type"]]
    assert [a["type"] for a in moves] == ["customer.loyalty.tier.upgraded"]
    assert moves[0]["data"]["loyalty_tier_from"]["id"] == silver["id"]
    assert moves[0]["data"]["loyalty_tier_to"]["id"] == gold["id"]
