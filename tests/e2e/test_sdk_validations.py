"""Validations through the official SDK: a validation prices the order exactly as a
redemption of the same request then does (every amount field, for each discount type, gift
credits, stacked codes and promotion tiers), answers the code's discount definition, and
answers an unknown code as inapplicable (200, ``valid: false``)."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify
from voucherify import RedemptionsApi, ValidationsApi

from tests.e2e.conftest import Api

#: every amount of an OrderCalculated (and of its items) a validation must agree on
ORDER_AMOUNTS = (
    "amount",
    "discount_amount",
    "items_discount_amount",
    "total_discount_amount",
    "total_amount",
    "applied_discount_amount",
    "items_applied_discount_amount",
    "total_applied_discount_amount",
)
ITEM_AMOUNTS = ("amount", "discount_amount", "applied_discount_amount", "subtotal_amount")

ORDER = {
    "amount": 10_000,
    "items": [
        {"product_id": "prod_shoe", "quantity": 2, "price": 3_000},
        {"product_id": "prod_sock", "quantity": 4, "price": 1_000},
    ],
}


def amounts(order: dict[str, Any]) -> dict[str, Any]:
    return {
        **{name: order[name] for name in ORDER_AMOUNTS},
        "items": [{name: i[name] for name in ITEM_AMOUNTS} for i in order["items"]],
    }


def body(redeemables: list[dict[str, Any]], who: str) -> dict[str, Any]:
    return {"redeemables": redeemables, "order": ORDER, "customer": {"source_id": who}}


def validate_then_redeem(
    sdk: voucherify.ApiClient, redeemables: list[dict[str, Any]], who: str
) -> tuple[Any, Any]:
    request = body(redeemables, who)
    validated = ValidationsApi(sdk).validate_stacked_discounts(
        voucherify.ValidationsValidateRequestBody.from_dict(request)
    )
    redeemed = RedemptionsApi(sdk).redeem_stacked_discounts(
        voucherify.RedemptionsRedeemRequestBody.from_dict(request)
    )
    return validated, redeemed


def assert_same_amounts(validated: Any, redeemed: Any) -> None:
    assert validated.valid is True
    assert amounts(validated.order.to_dict()) == amounts(redeemed.order.to_dict())
    assert len(validated.redeemables) == len(redeemed.redemptions)
    for one, redemption in zip(validated.redeemables, redeemed.redemptions, strict=True):
        assert one.status == "APPLICABLE"
        gift = one.result.gift.credits if one.result.gift is not None else 0
        # What this redeemable alone takes off (its own order) is what its redemption took.
        assert one.order.total_applied_discount_amount + gift == redemption.amount


def make_code(api: Api, value: str, **fields: Any) -> None:
    status, made = api.call("POST", f"/v1/vouchers/{value}", fields)
    assert status == 200, made


@pytest.mark.parametrize(
    "discount",
    [
        {"type": "AMOUNT", "amount_off": 1_500},
        {"type": "PERCENT", "percent_off": 20},
        {"type": "PERCENT", "percent_off": 50, "amount_limit": 3_000},
        {"type": "FIXED", "fixed_amount": 7_000},
        {"type": "UNIT", "unit_off": 1, "unit_type": "prod_shoe"},
        {"type": "PERCENT", "percent_off": 10, "effect": "APPLY_TO_ITEMS"},
        {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ITEMS"},
    ],
)
def test_a_validation_prices_each_discount_type_as_its_redemption(
    sdk: voucherify.ApiClient, api: Api, discount: dict[str, Any]
) -> None:
    value = f"V-{discount['type']}-{discount.get('effect', 'O')}-{len(discount)}"
    make_code(api, value, type="DISCOUNT_VOUCHER", discount=discount)
    validated, redeemed = validate_then_redeem(sdk, [{"object": "voucher", "id": value}], value)
    assert_same_amounts(validated, redeemed)
    assert validated.order.total_discount_amount > 0
    result = validated.redeemables[0].result.discount.to_dict()
    assert {k: result[k] for k in discount} == discount  # the code's definition


def test_gift_credits_stacked_codes_and_a_tier_are_priced_as_redeemed(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    make_code(
        api, "V-STACK-20", type="DISCOUNT_VOUCHER", discount={"type": "PERCENT", "percent_off": 20}
    )
    make_code(api, "V-STACK-GIFT", type="GIFT_VOUCHER", gift={"amount": 3_000})
    make_code(api, "V-GIFT-ONLY", type="GIFT_VOUCHER", gift={"amount": 2_500})
    status, campaign = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Validation tiers",
            "campaign_type": "PROMOTION",
            "promotion": {
                "tiers": [
                    {
                        "name": "Five off",
                        "action": {"discount": {"type": "AMOUNT", "amount_off": 500}},
                    }
                ]
            },
        },
    )
    assert status == 200, campaign
    tier = campaign["promotion"]["tiers"][0]["id"]

    validated, redeemed = validate_then_redeem(
        sdk, [{"object": "voucher", "id": "V-GIFT-ONLY", "gift": {"credits": 1_000}}], "v-gift"
    )
    assert_same_amounts(validated, redeemed)
    assert validated.redeemables[0].result.gift.to_dict() == {"balance": 2_500, "credits": 1_000}

    stack = [
        {"object": "voucher", "id": "V-STACK-20"},
        {"object": "promotion_tier", "id": tier},
        {"object": "voucher", "id": "V-STACK-GIFT"},
    ]
    validated, redeemed = validate_then_redeem(sdk, stack, "v-stack")
    assert_same_amounts(validated, redeemed)
    # 20% of 100.00, then 5.00 off, then the card pays 30.00 of the 75.00 left.
    assert [r.amount for r in redeemed.redemptions] == [2_000, 500, 3_000]
    assert validated.order.total_discount_amount == 2_500
    tier_result = validated.redeemables[1]
    assert (tier_result.object, tier_result.result.discount.amount_off) == ("promotion_tier", 500)


def test_an_unknown_code_is_inapplicable_not_an_error(sdk: voucherify.ApiClient, api: Api) -> None:
    make_code(
        api, "V-KNOWN", type="DISCOUNT_VOUCHER", discount={"type": "AMOUNT", "amount_off": 100}
    )
    answer = ValidationsApi(sdk).validate_stacked_discounts(
        voucherify.ValidationsValidateRequestBody.from_dict(
            body(
                [{"object": "voucher", "id": "V-KNOWN"}, {"object": "voucher", "id": "V-NOPE"}],
                "v-unknown",
            )
        )
    )
    assert answer.valid is False
    assert answer.redeemables == []
    (unknown,) = answer.inapplicable_redeemables
    (skipped,) = answer.skipped_redeemables
    assert (skipped.id, skipped.status) == ("V-KNOWN", "SKIPPED")
    assert skipped.result.details.key == "preceding_validation_failed"
    assert (unknown.id, unknown.status, unknown.object) == ("V-NOPE", "INAPPLICABLE", "voucher")
    error = unknown.result.error
    assert (error.code, error.key) == (404, "not_found")
    assert "V-NOPE" in (error.details or "")
    status, tier = api.call(
        "POST",
        "/v1/validations",
        {"redeemables": [{"object": "promotion_tier", "id": "promo_nope"}]},
    )
    assert status == 200
    assert tier["inapplicable_redeemables"][0]["result"]["error"]["key"] == "not_found"
