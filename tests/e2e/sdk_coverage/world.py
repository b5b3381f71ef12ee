"""The data set the walk runs on: one project per backend, filled once over plain HTTP (so a
check exercises only its own SDK method), plus the helpers checks use to make their own
objects when they change or delete what they touch."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, TypeVar

import voucherify

from tests.e2e.conftest import Api

WAIT_SECONDS = 15.0  # the server's in-process worker finishes async work in milliseconds
POLL_SECONDS = 0.05
COUPON_COUNT = 3
SEED_POINTS = 500
M = TypeVar("M")


def ok(api: Api, method: str, path: str, body: Any = None) -> Any:
    """The JSON answer of a call that must succeed."""
    status, answer = api.call(method, path, body)
    assert 200 <= status < 300, (method, path, status, answer)
    return answer


def model(cls: type[M], data: Any) -> M:
    """An SDK request model from its JSON form (the SDK's own parser checks the fields)."""
    built = cls.from_dict(data)  # type: ignore[attr-defined]
    assert built is not None
    return built  # type: ignore[no-any-return]


@dataclass(frozen=True)
class World:
    """What the fixture made (ids and codes), and the clients to reach it."""

    sdk: voucherify.ApiClient
    api: Api
    ann: dict[str, Any]  # a customer with a loyalty card, a segment, an order, a redemption
    bob: dict[str, Any]  # a customer with nothing
    segment_id: str
    coupons: dict[str, Any]  # a DISCOUNT_COUPONS campaign of 10% off, COUPON_COUNT codes
    codes: list[str]  # its codes: [0] redeemed by ann, [1] published to ann, others free
    voucher: str  # a standalone code of 10.00 off
    gift: str  # a gift card of 50.00
    promotion: dict[str, Any]  # a PROMOTION campaign with one tier of 5.00 off
    club: dict[str, Any]  # a loyalty program
    card: str  # ann's card in it, SEED_POINTS points
    silver_id: str  # the club's tier (0 to 1000 points)
    rule_id: str  # the club's earning rule (custom event cov_liked: 5 points)
    mug: dict[str, Any]  # a material reward
    offer_id: str  # the mug offered in the club for 100 points
    referral: dict[str, Any]  # a referral program
    referral_code: str  # its code, published to ann
    order: dict[str, Any]  # ann's paid order of 100.00
    redemption_id: str  # ann's redemption of codes[0] on an order of 100.00


def wait_done(api: Api, path: str, field: str = "status", done: str = "DONE") -> Any:
    """GET ``path`` until ``field`` says ``done`` (async actions, campaigns' codes)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        answer = ok(api, "GET", path)
        if answer[field] == done:
            return answer
        assert answer[field] not in ("FAILED", "ERROR"), answer
        assert time.monotonic() < deadline, answer
        time.sleep(POLL_SECONDS)


def wait_action(api: Api, action_id: str) -> Any:
    return wait_done(api, f"/v1/async-actions/{action_id}")


def coupon_campaign(api: Api, name: str, count: int = 0) -> Any:
    """A DISCOUNT_COUPONS campaign of 10% off with ``count`` codes made before it returns."""
    created = ok(
        api,
        "POST",
        "/v1/campaigns",
        {
            "name": name,
            "campaign_type": "DISCOUNT_COUPONS",
            "type": "AUTO_UPDATE",
            "vouchers_count": count,
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "PERCENT", "percent_off": 10},
                "code_config": {"length": 8, "prefix": "COV-"},
            },
        },
    )
    return wait_done(api, f"/v1/campaigns/{created['id']}", "creation_status")


def promotion_campaign(api: Api, name: str) -> Any:
    return ok(
        api,
        "POST",
        "/v1/campaigns",
        {
            "name": name,
            "campaign_type": "PROMOTION",
            "promotion": {
                "tiers": [
                    {
                        "name": f"{name} tier",
                        "banner": "5.00 off",
                        "action": {"discount": {"type": "AMOUNT", "amount_off": 500}},
                    }
                ]
            },
        },
    )


def loyalty_program(api: Api, name: str) -> Any:
    return ok(
        api,
        "POST",
        "/v1/loyalties",
        {
            "name": name,
            "campaign_type": "LOYALTY_PROGRAM",
            "type": "AUTO_UPDATE",
            "voucher": {
                "type": "LOYALTY_CARD",
                "loyalty_card": {"points": 0},
                "code_config": {"length": 8, "prefix": "LOY-"},
            },
        },
    )


def join(api: Api, program_id: str, source_id: str, points: int = 0) -> str:
    """``source_id``'s new card in the program, with ``points`` added to it."""
    card = ok(
        api, "POST", f"/v1/loyalties/{program_id}/members", {"customer": {"source_id": source_id}}
    )
    if points:
        ok(api, "POST", f"/v1/loyalties/members/{card['code']}/balance", {"points": points})
    return str(card["code"])


def customer(api: Api, source_id: str, **fields: Any) -> Any:
    return ok(api, "POST", "/v1/customers", {"source_id": source_id, **fields})


def material(api: Api, name: str) -> Any:
    return ok(
        api, "POST", "/v1/rewards", {"name": name, "parameters": {"product": {"id": "prod_mug"}}}
    )


def offer(api: Api, program_id: str, reward_id: str, points: int) -> Any:
    return ok(
        api,
        "POST",
        f"/v1/loyalties/{program_id}/rewards",
        [{"reward": reward_id, "parameters": {"loyalty": {"points": points}}}],
    )


def new_offer(api: Api, name: str) -> tuple[str, str, str]:
    """A new program offering a new material reward for 40 points: (program, reward,
    assignment) ids."""
    club = loyalty_program(api, name)
    reward = material(api, f"{name} reward")
    offered = offer(api, club["id"], reward["id"], 40)
    return str(club["id"]), str(reward["id"]), str(offered["id"])


def gone(api: Api, path: str) -> bool:
    """Whether ``path`` answers 404 now."""
    status, _ = api.call("GET", path)
    return status == 404


def redeem(api: Api, who: str, *codes: str, amount: int = 10_000) -> Any:
    return ok(
        api,
        "POST",
        "/v1/redemptions",
        {
            "redeemables": [{"object": "voucher", "id": code} for code in codes],
            "customer": {"source_id": who},
            "order": {"amount": amount},
        },
    )


def build(api: Api, sdk: voucherify.ApiClient) -> World:
    ann = customer(api, "cov-ann", email="ann@example.com", name="Ann Cover")
    bob = customer(api, "cov-bob", email="bob@example.com", name="Bob Cover")
    segment = ok(
        api,
        "POST",
        "/v1/segments",
        {"name": "Cover fans", "type": "static", "customers": ["cov-ann"]},
    )
    coupons = coupon_campaign(api, "Cover coupons", COUPON_COUNT)
    listed = ok(api, "GET", f"/v1/vouchers?campaign_id={coupons['id']}&limit=100")
    codes = sorted(v["code"] for v in listed["vouchers"])
    ok(
        api,
        "POST",
        "/v1/vouchers/COV-TEN",
        {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 1000}},
    )
    ok(api, "POST", "/v1/vouchers/COV-GIFT", {"type": "GIFT_VOUCHER", "gift": {"amount": 5000}})
    promotion = promotion_campaign(api, "Cover promotion")

    club = loyalty_program(api, "Cover club")
    card = join(api, club["id"], "cov-ann", SEED_POINTS)
    (silver,) = ok(
        api,
        "POST",
        f"/v1/loyalties/{club['id']}/tiers",
        [{"name": "Cover silver", "points": {"from": 0, "to": 1000}}],
    )
    (rule,) = ok(
        api,
        "POST",
        f"/v1/loyalties/{club['id']}/earning-rules",
        [
            {
                "event": "custom_event",
                "custom_event": {"schema_id": "cov_liked"},
                "loyalty": {"type": "FIXED", "points": 5},
                "source": {"banner": "Like us: 5 points"},
            }
        ],
    )
    mug = material(api, "Cover mug")
    offered = offer(api, club["id"], mug["id"], 100)

    referral = ok(
        api,
        "POST",
        "/v1/campaigns",
        {
            "name": "Cover referrals",
            "campaign_type": "REFERRAL_PROGRAM",
            "type": "AUTO_UPDATE",
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 500},
            },
        },
    )
    referred = ok(
        api,
        "POST",
        "/v1/publications",
        {"customer": {"source_id": "cov-ann"}, "campaign": referral["id"]},
    )
    order = ok(
        api,
        "POST",
        "/v1/orders",
        {
            "source_id": "cov-order",
            "customer": {"source_id": "cov-ann"},
            "amount": 10_000,
            "status": "PAID",
        },
    )
    redeemed = redeem(api, "cov-ann", codes[0])
    ok(api, "POST", "/v1/publications", {"customer": {"source_id": "cov-ann"}, "voucher": codes[1]})
    return World(
        sdk=sdk,
        api=api,
        ann=ann,
        bob=bob,
        segment_id=segment["id"],
        coupons=coupons,
        codes=codes,
        voucher="COV-TEN",
        gift="COV-GIFT",
        promotion=promotion,
        club=club,
        card=card,
        silver_id=silver["id"],
        rule_id=rule["id"],
        mug=mug,
        offer_id=offered["id"],
        referral=referral,
        referral_code=referred["voucher"]["code"],
        order=order,
        redemption_id=redeemed["redemptions"][0]["id"],
    )
