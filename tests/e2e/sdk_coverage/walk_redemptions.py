"""Checks of RedemptionsApi, ValidationsApi and QualificationsApi."""

from __future__ import annotations

from typing import Any

import voucherify
from voucherify import QualificationsApi, RedemptionsApi, ValidationsApi

from tests.e2e.sdk_coverage.table import check
from tests.e2e.sdk_coverage.world import World, model, ok, redeem


def redemptions(w: World) -> RedemptionsApi:
    return RedemptionsApi(w.sdk)


def ten_percent(w: World, code: str) -> str:
    ok(
        w.api,
        "POST",
        f"/v1/vouchers/{code}",
        {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10}},
    )
    return code


def stacked(*codes: str, amount: int = 10_000) -> dict[str, Any]:
    """A request body redeeming (or validating) ``codes`` by ann on an order of ``amount``."""
    return {
        "redeemables": [{"object": "voucher", "id": code} for code in codes],
        "customer": {"source_id": "cov-ann"},
        "order": {"amount": amount},
    }


@check("RedemptionsApi.redeem_stacked_discounts")
def redeem_stacked_discounts(w: World) -> None:
    code = ten_percent(w, "WALK-REDEEM")
    redeemed = redemptions(w).redeem_stacked_discounts(
        model(voucherify.RedemptionsRedeemRequestBody, stacked(code, w.voucher))
    )
    assert [r.result for r in redeemed.redemptions] == ["SUCCESS", "SUCCESS"]
    assert redeemed.parent_redemption.customer_id == w.ann["id"]
    order = redeemed.order
    # 10% of 100.00, then 10.00 off: 20.00 of discounts on the order.
    assert (order.amount, order.total_discount_amount, order.total_amount) == (10_000, 2000, 8000)


@check("RedemptionsApi.get_redemption")
def get_redemption(w: World) -> None:
    got = redemptions(w).get_redemption(w.redemption_id)
    assert (got.id, got.result, got.status, got.customer_id) == (
        w.redemption_id,
        "SUCCESS",
        "SUCCEEDED",
        w.ann["id"],
    )
    assert (got.voucher.code, got.amount) == (w.codes[0], 1000)


@check("RedemptionsApi.get_voucher_redemptions")
def get_voucher_redemptions(w: World) -> None:
    got = redemptions(w).get_voucher_redemptions(w.codes[0])
    assert (got.redeemed_quantity, got.total) == (1, 1)
    assert [r.id for r in got.redemption_entries] == [w.redemption_id]


@check("RedemptionsApi.list_redemptions")
def list_redemptions(w: World) -> None:
    listing = redemptions(w).list_redemptions(customer=w.ann["id"], limit=100)
    assert w.redemption_id in [r.id for r in listing.redemptions]
    assert {r.customer_id for r in listing.redemptions} == {w.ann["id"]}


@check("RedemptionsApi.rollback_redemption")
def rollback_redemption(w: World) -> None:
    code = ten_percent(w, "WALK-ROLLBACK")
    redemption_id = redeem(w.api, "cov-ann", code)["redemptions"][0]["id"]
    rolled = redemptions(w).rollback_redemption(redemption_id, reason="walk")
    assert (rolled.result, rolled.redemption, rolled.reason) == ("SUCCESS", redemption_id, "walk")
    voucher = ok(w.api, "GET", f"/v1/vouchers/{code}")
    assert voucher["redemption"]["redeemed_quantity"] == 0


@check("RedemptionsApi.rollback_stacked_redemptions")
def rollback_stacked_redemptions(w: World) -> None:
    first, second = ten_percent(w, "WALK-STACK-1"), ten_percent(w, "WALK-STACK-2")
    redeemed = redeem(w.api, "cov-ann", first, second)
    parent = redeemed["parent_redemption"]["id"]
    rolled = redemptions(w).rollback_stacked_redemptions(parent, reason="walk")
    assert sorted(r.redemption for r in rolled.rollbacks) == sorted(
        r["id"] for r in redeemed["redemptions"]
    )
    assert {r.result for r in rolled.rollbacks} == {"SUCCESS"}
    assert rolled.parent_rollback.redemption == parent


@check("ValidationsApi.validate_stacked_discounts")
def validate_stacked_discounts(w: World) -> None:
    code = ten_percent(w, "WALK-VALIDATE")
    validated = ValidationsApi(w.sdk).validate_stacked_discounts(
        model(voucherify.ValidationsValidateRequestBody, stacked(code))
    )
    assert validated.valid is True
    (redeemable,) = validated.redeemables
    assert (redeemable.id, redeemable.status) == (code, "APPLICABLE")
    # Exactly what a redemption of the same code computes.
    assert (validated.order.total_discount_amount, validated.order.total_amount) == (1000, 9000)
    discount = redeemable.result.discount
    assert (discount.type, discount.percent_off) == ("PERCENT", 10)
    unknown = ValidationsApi(w.sdk).validate_stacked_discounts(
        model(voucherify.ValidationsValidateRequestBody, stacked("WALK-NO-SUCH-CODE"))
    )
    assert unknown.valid is False
    assert [r.id for r in unknown.inapplicable_redeemables] == ["WALK-NO-SUCH-CODE"]
    assert unknown.inapplicable_redeemables[0].result.error.key == "not_found"


@check("QualificationsApi.check_eligibility")
def check_eligibility(w: World) -> None:
    found = QualificationsApi(w.sdk).check_eligibility(
        model(
            voucherify.QualificationsCheckEligibilityRequestBody,
            {
                "customer": {"source_id": "cov-ann"},
                "order": {"amount": 10_000},
                "scenario": "ALL",
                "options": {"limit": 50},
            },
        )
    )
    by_id = {r.id: r for r in found.redeemables.data}
    (tier,) = w.promotion["promotion"]["tiers"]
    assert by_id[tier["id"]].object == "promotion_tier"
    assert by_id[tier["id"]].result.discount.amount_off == 500
    assert by_id[w.card].object == "voucher"
    assert w.codes[1] in by_id  # published to ann
