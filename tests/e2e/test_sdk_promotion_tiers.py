"""Promotion tiers through the official SDK (``PromotionsApi``): a tier added, changed,
switched off or deleted counts from the next qualification, validation or redemption on; the
listing's filters, order and pages; what a tier cannot take."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify
from voucherify import PromotionsApi, QualificationsApi, RedemptionsApi, ValidationsApi
from voucherify.exceptions import BadRequestException, NotFoundException

from tests.e2e.conftest import Api

AMOUNT_OFF = {"discount": {"type": "AMOUNT", "amount_off": 500}}


def promotion(api: Api, name: str, **fields: Any) -> tuple[str, str]:
    """A promotion campaign with one 5.00-off tier: (campaign id, tier id)."""
    status, made = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": name,
            "campaign_type": "PROMOTION",
            "promotion": {"tiers": [{"name": f"{name} tier", "action": AMOUNT_OFF}]},
            **fields,
        },
    )
    assert status == 200, made
    return made["id"], made["promotion"]["tiers"][0]["id"]


def qualified(sdk: voucherify.ApiClient) -> dict[str, Any]:
    """The promotion tiers that qualify now, by id (their qualification items)."""
    found = QualificationsApi(sdk).check_eligibility(
        voucherify.QualificationsCheckEligibilityRequestBody(
            customer=voucherify.Customer(source_id="tier-shopper"),
            order=voucherify.Order(amount=10_000),
            scenario="ALL",
            options=voucherify.QualificationsOption(limit=50),
        )
    )
    return {item.id: item for item in found.redeemables.data if item.object == "promotion_tier"}


def tier_ref(tier_id: str) -> list[Any]:
    return [
        voucherify.RedemptionsRedeemRequestBodyRedeemablesItem(object="promotion_tier", id=tier_id)
    ]


def redeem(sdk: voucherify.ApiClient, tier_id: str) -> Any:
    return RedemptionsApi(sdk).redeem_stacked_discounts(
        voucherify.RedemptionsRedeemRequestBody(
            redeemables=tier_ref(tier_id),
            order=voucherify.Order(amount=10_000),
            customer=voucherify.Customer(source_id="tier-shopper"),
        )
    )


def test_a_disabled_tier_neither_qualifies_validates_nor_redeems_until_enabled(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    tiers = PromotionsApi(sdk)
    _, tier_id = promotion(api, "Switch")
    assert tier_id in qualified(sdk)
    assert tiers.disable_promotion_tier(tier_id).active is False
    assert tier_id not in qualified(sdk)
    with pytest.raises(BadRequestException) as refused:
        redeem(sdk, tier_id)
    assert "promotion_inactive" in str(refused.value.body)
    validated = ValidationsApi(sdk).validate_stacked_discounts(
        voucherify.ValidationsValidateRequestBody(
            redeemables=[
                voucherify.ValidationsValidateRequestBodyRedeemablesItem(
                    object="promotion_tier", id=tier_id
                )
            ],
            order=voucherify.Order(amount=10_000),
        )
    )
    assert validated.valid is False
    assert tiers.get_promotion_tier(tier_id).active is False
    assert tiers.enable_promotion_tier(tier_id).active is True
    assert tier_id in qualified(sdk)
    assert redeem(sdk, tier_id).order.total_amount == 9_500


def test_an_updated_discount_applies_from_the_next_request(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    _, tier_id = promotion(api, "Bigger")
    updated = PromotionsApi(sdk).update_promotion_tier(
        tier_id,
        voucherify.PromotionsTiersUpdateRequestBody.from_dict(
            {
                "name": "Twelve off",
                "metadata": {"season": "winter"},
                "action": {"discount": {"type": "AMOUNT", "amount_off": 1_200}},
            }
        ),
    )
    assert (updated.name, updated.metadata, updated.action.discount.amount_off) == (
        "Twelve off",
        {"season": "winter"},
        1_200,
    )
    assert updated.updated_at is not None
    assert qualified(sdk)[tier_id].result.discount.amount_off == 1_200
    done = redeem(sdk, tier_id)
    (redemption,) = done.redemptions
    assert (redemption.amount, done.order.total_amount) == (1_200, 8_800)
    got = PromotionsApi(sdk).get_promotion_tier(tier_id)
    assert (got.name, got.banner) == ("Twelve off", None)


def test_an_added_tier_redeems_and_a_deleted_one_is_gone(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    tiers = PromotionsApi(sdk)
    campaign_id, first = promotion(api, "Grow")
    added = tiers.add_promotion_tier_to_campaign(
        campaign_id,
        voucherify.PromotionsTiersCreateRequestBody.from_dict(
            {"name": "Ten percent", "action": {"discount": {"type": "PERCENT", "percent_off": 10}}}
        ),
    )
    assert (added.hierarchy, added.active, added.campaign_id) == (2, True, campaign_id)
    listed = tiers.list_promotion_tiers_from_campaign(campaign_id)
    assert [(t.id, t.hierarchy) for t in listed.tiers] == [(first, 1), (added.id, 2)]
    assert (listed.total, listed.has_more) == (2, False)
    assert redeem(sdk, added.id).order.total_amount == 9_000
    assert tiers.delete_promotion_tier(added.id) is None
    assert added.id not in qualified(sdk)
    with pytest.raises(NotFoundException):
        redeem(sdk, added.id)
    with pytest.raises(NotFoundException):
        tiers.get_promotion_tier(added.id)
    with pytest.raises(NotFoundException):
        tiers.delete_promotion_tier(added.id)
    assert [t.id for t in tiers.list_promotion_tiers_from_campaign(campaign_id).tiers] == [first]


def test_the_listing_filters_available_tiers_orders_and_pages(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    tiers = PromotionsApi(sdk)
    _, live = promotion(api, "Live one")
    _, switched_off = promotion(api, "Switched off")
    off_campaign, in_off_campaign = promotion(api, "Campaign off")
    assert api.call("POST", f"/v1/campaigns/{off_campaign}/disable")[0] == 200
    _, expired = promotion(api, "Expired", expiration_date="2020-01-01T00:00:00Z")
    dropped, _ = promotion(api, "Deleted campaign")
    assert api.call("DELETE", f"/v1/campaigns/{dropped}")[0] == 200
    tiers.disable_promotion_tier(switched_off)  # the last change: first by -updated_at

    every = tiers.list_promotion_tiers(limit=100)
    assert [t.id for t in every.tiers] == [expired, in_off_campaign, switched_off, live]
    assert (every.total, every.has_more) == (4, False)
    available = tiers.list_promotion_tiers(is_available=True)
    assert [t.id for t in available.tiers] == [live]
    oldest = tiers.list_promotion_tiers(order="created_at", limit=1, page=2)
    assert ([t.id for t in oldest.tiers], oldest.total, oldest.has_more) == (
        [switched_off],
        4,
        True,
    )
    touched = tiers.list_promotion_tiers(order="-updated_at", limit=1)
    assert [t.id for t in touched.tiers] == [switched_off]


def test_a_tier_refuses_what_it_cannot_hold(sdk: voucherify.ApiClient, api: Api) -> None:
    campaign_id, tier_id = promotion(api, "Strict")

    def status(method: str, path: str, body: Any = None) -> int:
        return api.call(method, path, body)[0]

    assert status("POST", f"/v1/promotions/{campaign_id}/tiers", {"banner": "no name"}) == 400
    dated = {"name": "Dated", "start_date": "2030-01-01T00:00:00Z"}
    assert status("POST", f"/v1/promotions/{campaign_id}/tiers", dated) == 400
    too_long = {"name": "x" * 256}
    assert status("POST", f"/v1/promotions/{campaign_id}/tiers", too_long) == 400
    bad_discount = {"name": "Odd", "action": {"discount": {"type": "NOPE"}}}
    assert status("POST", f"/v1/promotions/{campaign_id}/tiers", bad_discount) == 400
    assert status("PUT", f"/v1/promotions/tiers/{tier_id}", {"hierarchy": 2**40}) == 400
    assert status("PUT", f"/v1/promotions/tiers/{tier_id}", {"name": ""}) == 400
    assert status("PUT", f"/v1/promotions/tiers/{tier_id}", {"name": "a\u0000b"}) == 400
    assert status("GET", "/v1/promotions/tiers?order=name") == 400
    assert status("GET", "/v1/promotions/tiers?is_available=maybe") == 400
    assert status("GET", "/v1/promotions/camp_nope/tiers") == 404
    assert status("PUT", "/v1/promotions/tiers/promo_nope", {"banner": "x"}) == 404
    status_code, coupons = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Not a promotion",
            "campaign_type": "DISCOUNT_COUPONS",
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "PERCENT", "percent_off": 5},
            },
        },
    )
    assert status_code == 200, coupons
    assert status("POST", f"/v1/promotions/{coupons['id']}/tiers", {"name": "No"}) == 400
    assert status("GET", f"/v1/promotions/{coupons['id']}/tiers") == 400
    # Nothing refused changed the tier.
    got = PromotionsApi(sdk).get_promotion_tier(tier_id)
    assert (got.name, got.hierarchy) == ("Strict tier", 1)
