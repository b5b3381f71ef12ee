"""Rewards through the official SDK: the reward catalogue, assignments to loyalty programs, and
members spending points on CAMPAIGN, COIN and MATERIAL rewards, with bad requests that change
nothing."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify
from voucherify import LoyaltiesApi, RewardsApi

from tests.e2e.conftest import Api
from tests.e2e.loyalty_builders import join, material, offer, points, program, spend


def balance(sdk: voucherify.ApiClient, member: str) -> int:
    return int(LoyaltiesApi(sdk).get_member(member).loyalty_card.balance)


def activity_types(api: Api, customer_id: str) -> list[str]:
    _, activity = api.call("GET", f"/v1/customers/{customer_id}/activity?limit=50")
    return [a["type"] for a in activity["data"]]


def test_the_reward_catalogue_and_its_assignments(sdk: voucherify.ApiClient, api: Api) -> None:
    mug = material(sdk, "Mug", stock=5)
    assert (mug.object, mug.type, mug.stock, mug.redeemed) == ("reward", "MATERIAL", 5, 0)
    assert mug.parameters.product.id == "prod_mug"
    assert RewardsApi(sdk).get_reward(mug.id).name == "Mug"
    coin = RewardsApi(sdk).create_reward(
        voucherify.RewardsCreateRequestBody(
            name="Pay with points",
            parameters=voucherify.RewardsCreateRequestBodyParameters(
                coin=voucherify.RewardsCreateRequestBodyParametersCoin(
                    exchange_ratio=0.5, points_ratio="1"
                )
            ),
        )
    )
    assert coin.type == "COIN"
    assert [r.id for r in RewardsApi(sdk).list_rewards().data] == [mug.id, coin.id]

    renamed = RewardsApi(sdk).update_reward(
        mug.id, voucherify.RewardsUpdateRequestBody(name="Big mug", stock=7)
    )
    assert (renamed.name, renamed.stock, renamed.type) == ("Big mug", 7, "MATERIAL")

    club = program(sdk, "Reward club")
    assigned = offer(sdk, club.id, mug.id, 100)
    assert (assigned.object, assigned.related_object_id, assigned.reward_id) == (
        "reward_assignment",
        club.id,
        mug.id,
    )
    assert assigned.parameters.loyalty.points == 100
    listed = LoyaltiesApi(sdk).list_reward_assignments2(club.id)
    assert [a.id for a in listed.data] == [assigned.id]
    assert LoyaltiesApi(sdk).get_reward_assignment2(club.id, assigned.id).id == assigned.id
    assert LoyaltiesApi(sdk).get_reward_details(club.id, assigned.id).id == mug.id
    repriced = LoyaltiesApi(sdk).update_reward_assignment1(
        club.id,
        assigned.id,
        voucherify.LoyaltiesRewardsUpdateAssignmentRequestBody(
            parameters=voucherify.LoyaltiesRewardsUpdateAssignmentRequestBodyParameters(
                loyalty=voucherify.LoyaltiesRewardsUpdateAssignmentRequestBodyParametersLoyalty(
                    points=80
                )
            )
        ),
    )
    assert repriced.parameters.loyalty.points == 80
    by_reward = RewardsApi(sdk).list_reward_assignments(mug.id)
    assert [a.id for a in by_reward.data] == [assigned.id]
    assert RewardsApi(sdk).get_reward_assignment(mug.id, assigned.id).id == assigned.id

    # Offered once per program; an unknown program or reward is a 404.
    status, error = api.call(
        "POST",
        f"/v1/rewards/{mug.id}/assignments",
        {"campaign": club.id, "parameters": {"loyalty": {"points": 5}}},
    )
    assert (status, error["key"]) == (409, "duplicate_found")
    status, _ = api.call(
        "POST",
        f"/v1/rewards/{mug.id}/assignments",
        {"campaign": "camp_nope", "parameters": {"loyalty": {"points": 5}}},
    )
    assert status == 404
    status, _ = api.call("GET", "/v1/rewards/rew_nope")
    assert status == 404

    LoyaltiesApi(sdk).delete_reward_assignment1(club.id, assigned.id)
    assert LoyaltiesApi(sdk).list_reward_assignments2(club.id).data == []
    RewardsApi(sdk).delete_reward(coin.id)
    assert [r.id for r in RewardsApi(sdk).list_rewards().data] == [mug.id]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "No parameters"},
        {
            "name": "Two kinds",
            "parameters": {"coin": {"exchange_ratio": 1}, "product": {"id": "p"}},
        },
        {"name": "Bad coin", "parameters": {"coin": {"exchange_ratio": 0}}},
        {"name": "Bad stock", "parameters": {"product": {"id": "p"}}, "stock": -1},
        {"name": "No campaign", "parameters": {"campaign": {}}},
    ],
)
def test_a_bad_reward_is_refused(api: Api, body: dict[str, Any]) -> None:
    status, error = api.call("POST", "/v1/rewards", body)
    assert (status, error["key"]) == (400, "invalid_payload"), error
    _, listed = api.call("GET", "/v1/rewards")
    assert listed["data"] == []


def test_members_spend_points_on_material_rewards(sdk: voucherify.ApiClient, api: Api) -> None:
    club = program(sdk, "Mug club")
    mug = material(sdk, "Mug", stock=1)
    assigned = offer(sdk, club.id, mug.id, 100)
    card = join(sdk, club.id, "mug-fan")
    other = join(sdk, club.id, "mug-fan-2")
    points(sdk, card.code, 150)
    points(sdk, other.code, 150)

    affordable = LoyaltiesApi(sdk).list_member_rewards(card.code, affordable_only=True)
    assert [(r.reward.id, r.assignment.id, r.object) for r in affordable.data] == [
        (mug.id, assigned.id, "loyalty_reward")
    ]

    redemption = spend(sdk, card.code, mug.id, metadata={"store": "north"})
    assert (redemption.object, redemption.result, redemption.status) == (
        "redemption",
        "SUCCESS",
        "SUCCEEDED",
    )
    assert (redemption.reward.type, redemption.reward.product.id) == ("MATERIAL", "prod_mug")
    assert redemption.reward.assignment_id == assigned.id
    assert redemption.voucher.code == card.code
    assert balance(sdk, card.code) == 50
    assert RewardsApi(sdk).get_reward(mug.id).redeemed == 1
    log = LoyaltiesApi(sdk).list_loyalty_card_transactions(card.code)
    assert log.data[0].type == "POINTS_REDEMPTION"
    assert log.data[0].details.balance.balance == 50
    types = activity_types(api, card.holder_id)
    assert "customer.reward_redemptions.completed" in types
    assert "customer.rewarded" in types

    # Out of stock: refused, the other member keeps their points.
    status, error = api.call(
        "POST", f"/v1/loyalties/members/{other.code}/redemption", {"reward": {"id": mug.id}}
    )
    assert (status, error["key"]) == (400, "quantity_exceeded")
    assert balance(sdk, other.code) == 150
    assert "customer.rewarded" not in activity_types(api, other.holder_id)


def test_bad_reward_redemptions_change_nothing(sdk: voucherify.ApiClient, api: Api) -> None:
    club = program(sdk, "Strict club")
    elsewhere = program(sdk, "Other club")
    mug = material(sdk, "Mug")
    offer(sdk, club.id, mug.id, 100)
    card = join(sdk, club.id, "short")
    points(sdk, card.code, 60)

    def refused(path: str, body: dict[str, Any]) -> tuple[int, str]:
        status, error = api.call("POST", path, body)
        return status, error["key"]

    member = f"/v1/loyalties/members/{card.code}/redemption"
    assert refused(member, {"reward": {"id": mug.id}}) == (400, "loyalty_card_points_exceeded")
    assert refused(member, {"reward": {"id": "rew_nope"}}) == (404, "not_found")
    assert refused(member, {"reward": {}}) == (400, "invalid_payload")
    assert refused(
        f"/v1/loyalties/{elsewhere.id}/members/{card.code}/redemption", {"reward": {"id": mug.id}}
    ) == (404, "not_found")
    assert refused("/v1/loyalties/members/NOPE/redemption", {"reward": {"id": mug.id}}) == (
        404,
        "not_found",
    )
    assert balance(sdk, card.code) == 60
    assert RewardsApi(sdk).get_reward(mug.id).redeemed == 0
    _, redemptions = api.call("GET", f"/v1/redemptions?customer={card.holder_id}")
    assert redemptions["redemptions"] == []


def test_campaign_rewards_publish_codes_and_add_credits(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    status, coupons = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Reward coupons",
            "campaign_type": "DISCOUNT_COUPONS",
            "type": "AUTO_UPDATE",
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 500},
            },
        },
    )
    assert status == 200, coupons
    status, gifts = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Reward gift cards",
            "campaign_type": "GIFT_VOUCHERS",
            "type": "AUTO_UPDATE",
            "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 0}},
        },
    )
    assert status == 200, gifts
    coupon = RewardsApi(sdk).create_reward(
        voucherify.RewardsCreateRequestBody(
            name="5 off",
            parameters=voucherify.RewardsCreateRequestBodyParameters(
                campaign=voucherify.RewardsCreateRequestBodyParametersCampaign(id=coupons["id"])
            ),
        )
    )
    assert coupon.parameters.campaign.type == "DISCOUNT_COUPONS"
    credits = RewardsApi(sdk).create_reward(
        voucherify.RewardsCreateRequestBody(
            name="20.00 of credits",
            parameters=voucherify.RewardsCreateRequestBodyParameters(
                campaign=voucherify.RewardsCreateRequestBodyParametersCampaign(
                    id=gifts["id"], balance=2_000
                )
            ),
        )
    )
    status, error = api.call(
        "POST",
        "/v1/rewards",
        {"name": "No balance", "parameters": {"campaign": {"id": gifts["id"]}}},
    )
    assert (status, error["key"]) == (400, "invalid_payload")

    club = program(sdk, "Campaign club")
    offer(sdk, club.id, coupon.id, 10)
    offer(sdk, club.id, credits.id, 20)
    card = join(sdk, club.id, "collector")
    points(sdk, card.code, 100)

    got = spend(sdk, card.code, coupon.id)
    code = got.reward.voucher.code
    assert got.reward.voucher.campaign_id == coupons["id"]
    assert got.reward.voucher.holder_id == card.holder_id
    _, wallet = api.call("GET", f"/v1/vouchers/{code}")
    assert wallet["holder_id"] == card.holder_id

    first = spend(sdk, card.code, credits.id)
    gift_code = first.reward.voucher.code
    assert first.reward.voucher.gift.balance == 2_000
    second = spend(sdk, card.code, credits.id)
    assert second.reward.voucher.code == gift_code  # the same card, credited again
    assert second.reward.voucher.gift.balance == 4_000
    assert balance(sdk, card.code) == 100 - 10 - 20 - 20


def test_coin_rewards_pay_part_of_an_order(sdk: voucherify.ApiClient, api: Api) -> None:
    coin = RewardsApi(sdk).create_reward(
        voucherify.RewardsCreateRequestBody(
            name="Pay with points",
            parameters=voucherify.RewardsCreateRequestBodyParameters(
                coin=voucherify.RewardsCreateRequestBodyParametersCoin(
                    exchange_ratio=0.1, points_ratio="1"
                )
            ),
        )
    )
    club = program(sdk, "Coin club")
    status, _ = api.call(
        "POST", f"/v1/rewards/{coin.id}/assignments", {"campaign": club.id, "parameters": {}}
    )
    assert status == 200
    card = join(sdk, club.id, "payer")
    points(sdk, card.code, 300)

    status, error = api.call(
        "POST", f"/v1/loyalties/members/{card.code}/redemption", {"reward": {"id": coin.id}}
    )
    assert (status, error["key"]) == (400, "missing_order")

    # 250 points at 0.10 each pay 25.00 of a 40.00 order.
    paid = spend(
        sdk,
        card.code,
        coin.id,
        points=250,
        order=voucherify.Order(source_id="coin-order", amount=4_000),
    )
    assert paid.amount == 2_500
    assert paid.order.total_amount == 1_500
    assert balance(sdk, card.code) == 50
    _, order = api.call("GET", f"/v1/orders/{paid.order.id}")
    assert order["discount_amount"] == 2_500
    assert list(order["redemptions"]) == [paid.id]


def test_coin_rewards_without_an_order_credit_the_members_gift_card(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    coin = RewardsApi(sdk).create_reward(
        voucherify.RewardsCreateRequestBody(
            name="Points to credits",
            parameters=voucherify.RewardsCreateRequestBodyParameters(
                coin=voucherify.RewardsCreateRequestBodyParametersCoin(
                    exchange_ratio=0.5, points_ratio="1"
                )
            ),
        )
    )
    club = program(sdk, "Cash-out club")
    api.call("POST", f"/v1/rewards/{coin.id}/assignments", {"campaign": club.id})
    card = join(sdk, club.id, "casher")
    points(sdk, card.code, 100)
    path = f"/v1/loyalties/members/{card.code}/redemption"

    status, error = api.call("POST", path, {"reward": {"id": coin.id, "points": 40}})
    assert (status, error["key"]) == (400, "missing_order")  # no gift card yet
    assert balance(sdk, card.code) == 100

    status, gifts = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Casher gift cards",
            "campaign_type": "GIFT_VOUCHERS",
            "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 0}},
        },
    )
    assert status == 200, gifts
    status, published = api.call(
        "POST", "/v1/publications", {"customer": {"source_id": "casher"}, "campaign": gifts["id"]}
    )
    assert status == 200, published
    gift_code = published["voucher"]["code"]

    # 40 points at 0.50 each: 20.00 of credits on the gift card.
    credited = spend(sdk, card.code, coin.id, points=40)
    assert credited.reward.voucher.code == gift_code
    assert credited.reward.voucher.gift.balance == 2_000
    assert balance(sdk, card.code) == 60
