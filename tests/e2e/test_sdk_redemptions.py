"""Redemptions and validations through the official SDK: discounts of every type on an order,
gift credits, checks with Voucherify's keys, rollback, the redemption log, the customer's
summary, the event firing a distribution, and 100 concurrent redemptions of a 10-use code."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import voucherify
from voucherify import RedemptionsApi, ValidationsApi
from voucherify.exceptions import BadRequestException

from tests.e2e.conftest import Api, Receiver


def code(api: Api, value: str, **fields: Any) -> dict[str, Any]:
    status, voucher = api.call("POST", f"/v1/vouchers/{value}", fields)
    assert status == 200, voucher
    return dict(voucher)


def item(**fields: Any) -> voucherify.OrderItem:
    return voucherify.OrderItem(**fields)


def redeem(sdk: voucherify.ApiClient, *codes: str, **fields: Any) -> Any:
    return RedemptionsApi(sdk).redeem_stacked_discounts(
        voucherify.RedemptionsRedeemRequestBody(
            redeemables=[
                voucherify.RedemptionsRedeemRequestBodyRedeemablesItem(object="voucher", id=c)
                for c in codes
            ],
            **fields,
        )
    )


ORDER = voucherify.Order(
    amount=10_000,
    items=[
        item(product_id="prod_shoe", quantity=2, price=3_000),
        item(product_id="prod_sock", quantity=4, price=1_000),
    ],
)


@pytest.mark.parametrize(
    ("discount", "taken"),
    [
        ({"type": "AMOUNT", "amount_off": 1_500}, 1_500),
        ({"type": "PERCENT", "percent_off": 20}, 2_000),
        ({"type": "PERCENT", "percent_off": 50, "amount_limit": 3_000}, 3_000),
        ({"type": "FIXED", "fixed_amount": 7_000}, 3_000),
        ({"type": "UNIT", "unit_off": 1, "unit_type": "prod_shoe"}, 3_000),
        ({"type": "PERCENT", "percent_off": 10, "effect": "APPLY_TO_ITEMS"}, 1_000),
    ],
)
def test_each_discount_type_takes_its_amount_off_the_order(
    sdk: voucherify.ApiClient, api: Api, discount: dict[str, Any], taken: int
) -> None:
    value = f"D-{discount['type']}-{taken}-{discount.get('effect', 'O')}"
    code(api, value, type="DISCOUNT_VOUCHER", discount=discount)
    done = redeem(sdk, value, order=ORDER, customer=voucherify.Customer(source_id="red-1"))
    (redemption,) = done.redemptions
    assert (redemption.result, redemption.status, redemption.amount) == (
        "SUCCESS",
        "SUCCEEDED",
        taken,
    )
    assert redemption.related_object_type == "voucher"
    assert redemption.voucher.code == value
    assert done.order.total_discount_amount == taken
    assert done.order.total_amount == 10_000 - taken
    assert done.order.total_applied_discount_amount == taken
    assert done.order.redemptions[redemption.id]["related_object_type"] == "voucher"
    assert done.parent_redemption.redemption is None
    stored = voucherify.OrdersApi(sdk).get_order(done.order.id)
    assert (stored.total_amount, stored.total_applied_discount_amount) == (10_000 - taken, taken)


def test_a_promotion_tier_is_redeemed_like_a_code(sdk: voucherify.ApiClient, api: Api) -> None:
    status, campaign = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Weekend tier sale",
            "campaign_type": "PROMOTION",
            "promotion": {
                "tiers": [
                    {
                        "name": "Ten off",
                        "action": {"discount": {"type": "AMOUNT", "amount_off": 1_000}},
                    }
                ]
            },
        },
    )
    assert status == 200, campaign
    tier_id = campaign["promotion"]["tiers"][0]["id"]
    done = RedemptionsApi(sdk).redeem_stacked_discounts(
        voucherify.RedemptionsRedeemRequestBody(
            redeemables=[
                voucherify.RedemptionsRedeemRequestBodyRedeemablesItem(
                    object="promotion_tier", id=tier_id
                )
            ],
            order=voucherify.Order(amount=4_000),
            customer=voucherify.Customer(source_id="red-tier"),
        )
    )
    (redemption,) = done.redemptions
    assert (redemption.related_object_type, redemption.related_object_id) == (
        "promotion_tier",
        tier_id,
    )
    assert redemption.promotion_tier.id == tier_id
    assert done.order.total_amount == 3_000


def test_codes_stack_gift_credits_pay_the_rest_and_a_rollback_gives_them_back(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    code(api, "STACK-10", type="DISCOUNT_VOUCHER", discount={"type": "PERCENT", "percent_off": 10})
    code(api, "STACK-GIFT", type="GIFT_VOUCHER", gift={"amount": 5_000})
    done = redeem(
        sdk,
        "STACK-10",
        "STACK-GIFT",
        order=voucherify.Order(amount=8_000),
        customer=voucherify.Customer(source_id="red-stack"),
    )
    ten, gift = done.redemptions
    assert (ten.amount, gift.amount) == (800, 5_000)
    assert gift.gift.amount == 5_000
    assert done.parent_redemption.amount == 5_800
    assert {r.id for r in done.parent_redemption.related_redemptions.redemptions} == {
        ten.id,
        gift.id,
    }
    _, card = api.call("GET", "/v1/vouchers/STACK-GIFT")
    assert card["gift"]["balance"] == 0

    rolled = RedemptionsApi(sdk).rollback_redemption(gift.id, reason="returned")
    assert (rolled.object, rolled.status, rolled.redemption) == (
        "redemption_rollback",
        "SUCCEEDED",
        gift.id,
    )
    _, card = api.call("GET", "/v1/vouchers/STACK-GIFT")
    assert card["gift"]["balance"] == 5_000
    again = api.call("POST", f"/v1/redemptions/{gift.id}/rollback", {})
    assert (again[0], again[1]["key"]) == (400, "already_rolled_back")
    got = RedemptionsApi(sdk).get_redemption(gift.id)
    assert got.status == "ROLLED_BACK"
    _, log = api.call("GET", "/v1/vouchers/STACK-GIFT/transactions")
    assert [t["type"] for t in log["data"]] == ["CREDITS_REFUND", "CREDITS_REDEMPTION"]

    customer = voucherify.CustomersApi(sdk).get_customer("red-stack")
    summary = customer.summary.redemptions
    assert (summary.total_redeemed, summary.total_succeeded, summary.total_rolled_back) == (
        2,
        1,
        1,
    )


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"active": False}, "voucher_disabled"),
        ({"expiration_date": "2020-01-01T00:00:00Z"}, "voucher_expired"),
        ({"start_date": "2099-01-01T00:00:00Z"}, "voucher_not_active"),
        ({"redemption": {"quantity": 1}, "_use_twice": True}, "quantity_exceeded"),
    ],
)
def test_unusable_codes_fail_with_voucherifys_key_and_change_nothing(
    sdk: voucherify.ApiClient, api: Api, fields: dict[str, Any], key: str
) -> None:
    fields = dict(fields)  # the parameters are shared by both backends' runs
    use_twice = fields.pop("_use_twice", False)
    value = f"BAD-{key}"
    code(
        api,
        value,
        type="DISCOUNT_VOUCHER",
        discount={"type": "AMOUNT", "amount_off": 100},
        **fields,
    )
    if use_twice:
        redeem(sdk, value, customer=voucherify.Customer(source_id="red-bad"))
    with pytest.raises(BadRequestException) as caught:
        redeem(sdk, value, customer=voucherify.Customer(source_id="red-bad"))
    assert json.loads(caught.value.body)["key"] == key
    failed = RedemptionsApi(sdk).list_redemptions(result="FAILURE", customer="red-bad")
    assert [r.failure_code for r in failed.redemptions] == [key]
    _, voucher = api.call("GET", f"/v1/vouchers/{value}")
    assert voucher["redemption"]["redeemed_quantity"] == (1 if use_twice else 0)


def test_a_gift_asked_for_more_than_its_balance_fails_and_needs_an_order(
    api: Api,
) -> None:
    code(api, "GIFT-SMALL", type="GIFT_VOUCHER", gift={"amount": 1_000})
    body = {
        "redeemables": [{"object": "voucher", "id": "GIFT-SMALL", "gift": {"credits": 2_000}}],
        "order": {"amount": 5_000},
    }
    status, error = api.call("POST", "/v1/redemptions", body)
    assert (status, error["key"]) == (400, "gift_amount_exceeded")
    del body["order"]
    status, error = api.call("POST", "/v1/redemptions", body)
    assert (status, error["key"]) == (400, "missing_order")
    status, error = api.call(
        "POST", "/v1/redemptions", {"redeemables": [{"object": "voucher", "id": "NOPE"}]}
    )
    assert status == 404
    status, error = api.call("POST", "/v1/redemptions", {"redeemables": []})
    assert status == 400


def test_validation_answers_without_changing_anything(sdk: voucherify.ApiClient, api: Api) -> None:
    code(api, "VAL-20", type="DISCOUNT_VOUCHER", discount={"type": "PERCENT", "percent_off": 20})
    code(
        api,
        "VAL-OFF",
        type="DISCOUNT_VOUCHER",
        discount={"type": "AMOUNT", "amount_off": 5},
        active=False,
    )
    answer = ValidationsApi(sdk).validate_stacked_discounts(
        voucherify.ValidationsValidateRequestBody(
            redeemables=[
                voucherify.ValidationsValidateRequestBodyRedeemablesItem(
                    object="voucher", id="VAL-20"
                )
            ],
            order=voucherify.Order(amount=5_000),
        )
    )
    assert answer.valid is True
    assert answer.redeemables[0].status == "APPLICABLE"
    assert answer.stacking_rules.redeemables_application_mode == "ALL"
    status, invalid = api.call(
        "POST",
        "/v1/validations",
        {"redeemables": [{"object": "voucher", "id": "VAL-OFF"}], "order": {"amount": 100}},
    )
    assert status == 200
    assert invalid["valid"] is False
    assert invalid["inapplicable_redeemables"][0]["result"]["error"]["key"] == "voucher_disabled"
    _, voucher = api.call("GET", "/v1/vouchers/VAL-20")
    assert voucher["redemption"]["redeemed_quantity"] == 0
    _, listing = api.call("GET", "/v1/redemptions")
    assert listing["total"] == 0


def test_a_redemption_fires_a_voucher_redeemed_distribution(
    sdk: voucherify.ApiClient, api: Api, receiver: Receiver
) -> None:
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Thanks for redeeming",
            "trigger": {"event": "customer.redemption.succeeded"},
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    "event_name": "redeemed",
                    "url": receiver.url,
                    "payload": '{"to": "{{customer.source_id}}", "saved": {{redemption.amount}}}',
                }
            ],
        },
    )
    assert status == 200, created
    code(api, "EVT-5", type="DISCOUNT_VOUCHER", discount={"type": "AMOUNT", "amount_off": 500})
    redeem(
        sdk,
        "EVT-5",
        order=voucherify.Order(amount=2_000),
        customer=voucherify.Customer(source_id="red-evt"),
    )
    ((_, body),) = receiver.wait_for(1)
    assert json.loads(body)["data"] == {"to": "red-evt", "saved": 500}
    entries = RedemptionsApi(sdk).get_voucher_redemptions("EVT-5")
    assert (entries.redeemed_quantity, entries.total) == (1, 1)


def test_100_concurrent_redemptions_of_a_10_use_code_make_exactly_10(api: Api) -> None:
    code(
        api,
        "RACE-10",
        type="DISCOUNT_VOUCHER",
        discount={"type": "AMOUNT", "amount_off": 100},
        redemption={"quantity": 10},
    )

    def use(n: int) -> tuple[int, str | None]:
        status, body = api.call(
            "POST",
            "/v1/redemptions",
            {
                "redeemables": [{"object": "voucher", "id": "RACE-10"}],
                "customer": {"source_id": f"racer-{n % 7}"},
            },
        )
        return status, None if status == 200 else body["key"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(use, range(100)))
    assert sum(status == 200 for status, _ in outcomes) == 10
    assert {key for status, key in outcomes if status != 200} == {"quantity_exceeded"}
    _, voucher = api.call("GET", "/v1/vouchers/RACE-10")
    assert voucher["redemption"]["redeemed_quantity"] == 10
    _, listing = api.call("GET", "/v1/redemptions?result=SUCCESS&limit=100")
    assert listing["total"] == 10


def test_a_stacked_redemption_rolls_back_as_a_whole(sdk: voucherify.ApiClient, api: Api) -> None:
    code(api, "WHOLE-1", type="DISCOUNT_VOUCHER", discount={"type": "AMOUNT", "amount_off": 100})
    code(api, "WHOLE-2", type="DISCOUNT_VOUCHER", discount={"type": "AMOUNT", "amount_off": 200})
    done = redeem(
        sdk,
        "WHOLE-1",
        "WHOLE-2",
        order=voucherify.Order(amount=1_000),
        customer=voucherify.Customer(source_id="red-whole"),
    )
    status, error = api.call("POST", f"/v1/redemptions/{done.parent_redemption.id}/rollback", {})
    assert (status, error["key"]) == (400, "invalid_rollback_params")
    rolled = RedemptionsApi(sdk).rollback_stacked_redemptions(
        done.parent_redemption.id, reason="order returned"
    )
    assert sorted(r.redemption for r in rolled.rollbacks) == sorted(r.id for r in done.redemptions)
    assert rolled.parent_rollback.redemption == done.parent_redemption.id
    for value in ("WHOLE-1", "WHOLE-2"):
        _, voucher = api.call("GET", f"/v1/vouchers/{value}")
        assert voucher["redemption"]["redeemed_quantity"] == 0
    status, error = api.call("POST", f"/v1/redemptions/{done.parent_redemption.id}/rollbacks", {})
    assert (status, error["key"]) == (400, "already_rolled_back")


def test_concurrent_gift_redemptions_never_take_a_card_below_zero(api: Api) -> None:
    code(api, "GIFT-RACE-R", type="GIFT_VOUCHER", gift={"amount": 5_000})

    def spend(n: int) -> int:
        status, _ = api.call(
            "POST",
            "/v1/redemptions",
            {
                "redeemables": [
                    {"object": "voucher", "id": "GIFT-RACE-R", "gift": {"credits": 1_000}}
                ],
                "order": {"amount": 1_000},
                "customer": {"source_id": f"spender-{n}"},
            },
        )
        return status

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(spend, range(20)))
    assert sorted(statuses) == [200] * 5 + [400] * 15
    _, card = api.call("GET", "/v1/vouchers/GIFT-RACE-R")
    assert card["gift"]["balance"] == 0


def test_a_redemption_can_move_a_customer_into_a_segment(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    status, segment = api.call(
        "POST",
        "/v1/segments",
        {
            "name": "Redeemers",
            "type": "auto-update",
            "filter": {"summary.redemptions.total_succeeded": {"conditions": {"$more_than": [0]}}},
        },
    )
    assert status == 200, segment
    code(api, "SEG-RED", type="DISCOUNT_VOUCHER", discount={"type": "AMOUNT", "amount_off": 100})
    redeem(sdk, "SEG-RED", customer=voucherify.Customer(source_id="red-seg"))
    _, listing = api.call("GET", f"/v1/customers?segment_id={segment['id']}")
    assert [c["source_id"] for c in listing["customers"]] == ["red-seg"]
