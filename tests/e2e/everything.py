"""One project's objects of every kind, made over HTTP: the victim (and the outsider's own
objects) of the cross-project tests.

Every value a project makes is ``tag``-ged (source ids, emails, codes, names), so two projects
populated side by side never share a value by chance, and a value of one found in the other's
answers is a leak, not a coincidence.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.conftest import WAIT_SECONDS, Api, Receiver

DISCOUNT = {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 500}}


@dataclass
class Everything:
    """What a project made: ids by kind, and every value that must stay within it."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    #: ids, codes, source ids, emails, secrets: none may appear in another project's answers
    private: set[str] = field(default_factory=set)

    def add(self, kind: str, value: str) -> str:
        self.ids.setdefault(kind, []).append(value)
        self.private.add(value)
        return value

    def one(self, kind: str) -> str:
        return self.ids[kind][0]


def made(api: Api, method: str, path: str, body: Any = None) -> Any:
    status, answer = api.call(method, path, body)
    assert status in (200, 201), (method, path, status, answer)
    return answer


def eventually(what: str, probe: Callable[[], Any]) -> Any:
    """``probe()``'s first truthy answer (the worker finishes things in the background)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what} never happened")


def populate(api: Api, receiver: Receiver, tag: str) -> Everything:
    """A customer in a rule segment, coupons published to them, a standalone voucher redeemed
    with an order, a gift card, a promotion, a loyalty program (tier, earning rule with
    pending points, reward, assignment, member), a referral program and a referral code with a
    holder, a distribution whose send-out failed (pausing it: a notification), a project webhook,
    an integration and a finished CSV export."""
    got = Everything()
    who = {"source_id": f"{tag}-alice"}
    email = f"{tag}-alice@shop.test"
    customer = made(api, "POST", "/v1/customers", {**who, "email": email, "name": f"{tag} Al"})
    got.add("customer", customer["id"])
    got.add("source_id", who["source_id"])
    got.add("email", email)
    gold = {"junction": "and", "email": {"conditions": {"$is": [email]}}}
    segment = made(
        api, "POST", "/v1/segments", {"name": f"{tag}-seg", "type": "auto-update", "filter": gold}
    )
    got.add("segment", segment["id"])

    coupons = made(
        api,
        "POST",
        "/v1/campaigns",
        {"name": f"{tag} coupons", "type": "AUTO_UPDATE", "voucher": DISCOUNT},
    )
    got.add("campaign", coupons["id"])
    published = made(api, "POST", "/v1/publications", {"customer": who, "campaign": coupons["id"]})
    got.add("code", published["voucher"]["code"])
    standalone = made(api, "POST", f"/v1/vouchers/{tag.upper()}-ALONE", DISCOUNT)
    got.add("code", standalone["code"])
    got.add("voucher", standalone["id"])
    gift = made(api, "POST", "/v1/vouchers", {"type": "GIFT_VOUCHER", "gift": {"amount": 5_000}})
    got.add("code", gift["code"])
    promotion = made(
        api,
        "POST",
        "/v1/campaigns",
        {
            "name": f"{tag} promotion",
            "campaign_type": "PROMOTION",
            "promotion": {"tiers": [{"name": "Off", "action": {"discount": DISCOUNT["discount"]}}]},
        },
    )
    got.add("campaign", promotion["id"])
    got.add("promotion_tier", promotion["promotion"]["tiers"][0]["id"])
    redeemed = made(
        api,
        "POST",
        "/v1/redemptions",
        {
            "redeemables": [{"object": "voucher", "id": standalone["code"]}],
            "customer": who,
            "order": {"amount": 5_000},
        },
    )
    got.add("redemption", redeemed["redemptions"][0]["id"])
    got.add("order", redeemed["order"]["id"])
    locked = made(
        api,
        "POST",
        "/v1/validations",
        {
            "redeemables": [{"object": "voucher", "id": standalone["code"]}],
            "customer": who,
            "session": {"type": "LOCK", "ttl": 1, "ttl_unit": "DAYS"},
        },
    )
    got.add("session", locked["session"]["key"])

    _loyalty(api, got, who, tag)
    referral = made(
        api,
        "POST",
        "/v1/campaigns",
        {
            "name": f"{tag} referrals",
            "campaign_type": "REFERRAL_PROGRAM",
            "type": "AUTO_UPDATE",
            "voucher": DISCOUNT,
            "referral_program": {
                "referee_reward": {
                    "type": "LOYALTY_CARD",
                    "amount": 10,
                    "related_object_parent": {"id": got.one("program")},
                }
            },
        },
    )
    got.add("campaign", referral["id"])
    shared = made(api, "POST", "/v1/publications", {"customer": who, "campaign": referral["id"]})
    got.add("code", shared["voucher"]["code"])
    holder = {"source_id": got.add("source_id", f"{tag}-holder")}
    (held,) = made(
        api,
        "POST",
        f"/v1/referrals/members/{shared['voucher']['code']}/holders",
        {"holders": [holder]},
    )["holders"]
    got.add("holder", held["id"])
    got.add("member", shared["voucher"]["code"])  # a referral code is its holders' member
    got.private.add(held["customer_id"])
    _delivery(api, got, receiver, tag)
    _settled(api, got)
    return got


def loyalty_program(api: Api, name: str) -> str:
    body = {
        "name": name,
        "campaign_type": "LOYALTY_PROGRAM",
        "type": "AUTO_UPDATE",
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
    }
    return str(made(api, "POST", "/v1/loyalties", body)["id"])


def material_reward(api: Api, name: str) -> str:
    body = {"name": name, "type": "MATERIAL", "parameters": {"product": {"id": f"{name}-id"}}}
    return str(made(api, "POST", "/v1/rewards", body)["id"])


def _loyalty(api: Api, got: Everything, who: dict[str, str], tag: str) -> None:
    program = got.add("program", loyalty_program(api, f"{tag} club"))
    got.ids["campaign"].append(program)
    (silver,) = made(
        api,
        "POST",
        f"/v1/loyalties/{program}/tiers",
        [{"name": "Silver", "points": {"from": 0, "to": None}}],
    )
    got.add("tier", silver["id"])
    (rule,) = made(
        api,
        "POST",
        f"/v1/loyalties/{program}/earning-rules",
        [
            {
                "event": "order.paid",
                "loyalty": {"type": "FIXED", "points": 30},
                "pending_points": {"period_type": "DAY", "period_value": 3},
            }
        ],
    )
    got.add("rule", rule["id"])
    reward = got.add("reward", material_reward(api, f"{tag}-mug"))
    assigned = made(
        api,
        "POST",
        f"/v1/loyalties/{program}/rewards",
        [{"reward": reward, "parameters": {"loyalty": {"points": 5}}}],
    )
    got.add("assignment", assigned["id"])
    card = made(api, "POST", f"/v1/loyalties/{program}/members", {"customer": who})
    got.add("member", card["code"])
    got.add("member", card["id"])
    got.add("code", card["code"])
    got.add("voucher", card["id"])
    made(api, "POST", "/v1/orders", {"customer": who, "amount": 2_000, "status": "PAID"})
    _, pending = api.call("GET", f"/v1/loyalties/members/{card['code']}/pending-points")
    got.add("pending", pending["data"][0]["id"])
    for order in made(api, "GET", "/v1/orders")["orders"]:
        if order["id"] not in got.ids["order"]:
            got.add("order", order["id"])


def _delivery(api: Api, got: Everything, receiver: Receiver, tag: str) -> None:
    """A send-out refused for good (410) pauses its distribution and raises a notification."""
    event = f"{tag}-visited"
    distribution = made(
        api,
        "POST",
        "/v1/distributions",
        {
            "name": f"{tag} visits",
            "trigger": {"event": "customer.custom_event", "custom_event": event},
            "action": {"type": "PUBLISH", "campaign_id": got.one("campaign")},
            "channels": [
                {
                    "event_name": "visit",
                    "url": receiver.url,
                    "headers": {"X-Api-Key": f"{tag}-header-key"},
                    "payload": '{"code": "{{voucher.code}}"}',
                }
            ],
        },
    )
    got.add("distribution", distribution["id"])
    channel = got.add("channel", distribution["channels"][0]["id"])
    got.private.add(f"{tag}-header-key")
    secret = made(api, "GET", f"/v1/distributions/{distribution['id']}/channels/{channel}/secret")
    got.private.add(secret["secret"])
    webhook = made(
        api, "POST", "/v1/webhooks", {"target_url": receiver.url, "events": ["customer.deleted"]}
    )
    got.add("webhook", webhook["id"])
    got.private.add(made(api, "GET", f"/v1/webhooks/{webhook['id']}/secret")["secret"])
    braze = {"api_key": f"{tag}-braze-key", "base_url": "https://rest.iad-01.braze.com"}
    made(api, "PUT", "/v1/integrations/braze", braze)
    got.ids["provider"] = ["braze"]
    got.private.add(braze["api_key"])

    receiver.script.append((410, {}, 0.0))
    made(api, "POST", "/v1/events", {"event": event, "customer": {"source_id": f"{tag}-alice"}})
    note = eventually(
        "the paused distribution's notification",
        lambda: made(api, "GET", "/v1/notifications")["notifications"],
    )
    got.add("notification", note[0]["id"])
    sendouts = made(api, "GET", f"/v1/sendouts?distribution_id={distribution['id']}")["sendouts"]
    got.add("sendout", sendouts[0]["id"])
    for published in made(api, "GET", "/v1/publications")["publications"]:
        got.private.add(published["id"])
        if published["voucher"]["code"] not in got.ids["code"]:
            got.add("code", published["voucher"]["code"])


def _settled(api: Api, got: Everything) -> None:
    """Wait for the worker's background work (the segment's first sync, an export of the
    customers), so that re-reading the project later sees only what others did to it."""
    actions = eventually(
        "the segment's first sync",
        lambda: [
            a
            for a in made(api, "GET", "/v1/async-actions")["async_actions"]
            if a["status"] == "DONE"
        ],
    )
    for action in actions:
        got.add("async_action", action["id"])
    export = made(api, "POST", "/v1/exports", {"exported_object": "customer"})
    eventually(
        "the customers' export",
        lambda: made(api, "GET", f"/v1/exports/{export['id']}")["status"] == "DONE",
    )
    got.add("export", export["id"])
    # The download token: no other project may ever see it.
    url = made(api, "GET", f"/v1/exports/{export['id']}")["result"]["url"]
    got.private.add(url.split("token=")[1])
