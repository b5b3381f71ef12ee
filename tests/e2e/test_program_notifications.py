"""Program notifications: webhooks attached while creating a loyalty or referral program fire
on the program's moments (a card or code published, points gained, a reward redeemed, a
referee converted), and a bad one refuses the whole program."""

from __future__ import annotations

import json
from typing import Any

import voucherify
from voucherify import LoyaltiesApi

from tests.e2e.conftest import Api, Receiver, wait_until
from tests.e2e.loyalty_builders import join, material, offer, spend
from tests.e2e.referral_builders import publish, referral_campaign


def notification(on: str, receiver: Receiver) -> dict[str, Any]:
    return {
        "on": on,
        "channels": [
            {
                "event_name": on,
                "url": receiver.url,
                "payload": '{"moment": "' + on + '", "who": "{{customer.source_id}}"}',
            }
        ],
    }


def delivered(api: Api, distribution_id: str, count: int) -> None:
    wait_until(
        api,
        distribution_id,
        lambda s: len(s) == count and {x["status"] for x in s} == {"DELIVERED"},
        f"{count} delivered",
    )


def test_loyalty_program_notifications(
    sdk: voucherify.ApiClient, api: Api, receiver: Receiver
) -> None:
    status, club = api.call(
        "POST",
        "/v1/loyalties",
        {
            "name": "Notified club",
            "campaign_type": "LOYALTY_PROGRAM",
            "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            "notifications": [
                notification(on, receiver)
                for on in ("card_published", "points_gained", "reward_redeemed")
            ],
        },
    )
    assert status == 200, club
    attached = {n["on"]: n["distribution_id"] for n in club["notifications"]}
    assert set(attached) == {
        "customer.publication.succeeded",
        "customer.rewarded.loyalty_points",
        "customer.reward_redemptions.completed",
    }
    _, listed = api.call("GET", "/v1/distributions?limit=100")
    mine = [d for d in listed["distributions"] if d["id"] in attached.values()]
    assert {d["trigger"]["campaign_id"] for d in mine} == {club["id"]}

    status, _ = api.call(
        "POST",
        f"/v1/loyalties/{club['id']}/earning-rules",
        [
            {
                "event": "custom_event",
                "custom_event": {"schema_id": "checked_in"},
                "loyalty": {"type": "FIXED", "points": 80},
            }
        ],
    )
    assert status == 200
    card = join(sdk, club["id"], "notified")
    delivered(api, attached["customer.publication.succeeded"], 1)
    voucherify.EventsApi(sdk).track_custom_event(
        voucherify.EventsCreateRequestBody(event="checked_in", customer={"source_id": "notified"})
    )
    delivered(api, attached["customer.rewarded.loyalty_points"], 1)
    mug = material(sdk, "Notified mug")
    offer(sdk, club["id"], mug.id, 50)
    spend(sdk, card.code, mug.id)
    delivered(api, attached["customer.reward_redemptions.completed"], 1)
    moments = sorted(json.loads(body)["data"]["moment"] for _, body in receiver.requests)
    assert moments == ["card_published", "points_gained", "reward_redeemed"]
    assert LoyaltiesApi(sdk).get_member(card.code).loyalty_card.balance == 30


def test_referral_program_notifications(api: Api, receiver: Receiver) -> None:
    friends = referral_campaign(api, "Notified referrals", conversion_event_type="redemption")
    assert "notifications" not in friends
    status, created = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Notified friends",
            "campaign_type": "REFERRAL_PROGRAM",
            "voucher": {"discount": {"type": "AMOUNT", "amount_off": 100}},
            "referral_program": {"conversion_event_type": "redemption"},
            "notifications": [
                notification("code_published", receiver),
                notification("customer_referred", receiver),
            ],
        },
    )
    assert status == 200, created
    attached = {n["on"]: n["distribution_id"] for n in created["notifications"]}
    code = publish(api, created["id"], "sharer")
    delivered(api, attached["customer.publication.succeeded"], 1)
    status, _ = api.call(
        "POST",
        "/v1/redemptions",
        {"redeemables": [{"object": "voucher", "id": code}], "customer": {"source_id": "friend"}},
    )
    assert status == 200
    delivered(api, attached["customer.referred"], 1)
    whos = sorted(json.loads(body)["data"]["who"] for _, body in receiver.requests)
    assert whos == ["friend", "sharer"]


def test_a_bad_notification_refuses_the_program(api: Api, receiver: Receiver) -> None:
    for bad, what in (
        (notification("points_spent", receiver), "on"),
        ({**notification("card_published", receiver), "channels": []}, "channels"),
        (
            {
                **notification("card_published", receiver),
                "channels": [{"event_name": "x", "url": receiver.url, "payload": "{{nope.x}}"}],
            },
            "payload",
        ),
    ):
        status, error = api.call(
            "POST",
            "/v1/loyalties",
            {
                "name": f"Refused {what}",
                "campaign_type": "LOYALTY_PROGRAM",
                "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
                "notifications": [bad],
            },
        )
        assert status == 400, error
    status, error = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Coupons with notifications",
            "voucher": {"discount": {"type": "AMOUNT", "amount_off": 100}},
            "notifications": [notification("card_published", receiver)],
        },
    )
    assert status == 400, error
    _, programs = api.call("GET", "/v1/loyalties")
    assert programs["campaigns"] == []
    _, campaigns = api.call("GET", "/v1/campaigns")
    assert campaigns["campaigns"] == []
