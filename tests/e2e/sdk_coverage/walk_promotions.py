"""Checks of PromotionsApi (tiers, served; stacks: no route yet, so each check says what the
route must answer) and ReferralsApi (code holders, served)."""

from __future__ import annotations

from typing import Any

import voucherify
from voucherify import PromotionsApi, ReferralsApi
from voucherify.exceptions import NotFoundException

from tests.e2e.sdk_coverage.table import check
from tests.e2e.sdk_coverage.world import World, customer, model, ok, promotion_campaign

STACKS = "promotion stack routes do not exist (issue 25 does not list them)"


def promotions(w: World) -> PromotionsApi:
    return PromotionsApi(w.sdk)


def tier_of(campaign: dict[str, Any]) -> str:
    (tier,) = campaign["promotion"]["tiers"]
    return str(tier["id"])


def new_tier(w: World, name: str) -> str:
    return tier_of(promotion_campaign(w.api, name))


@check("PromotionsApi.list_promotion_tiers")
def list_promotion_tiers(w: World) -> None:
    listing = promotions(w).list_promotion_tiers(limit=100)
    assert tier_of(w.promotion) in [t.id for t in listing.tiers]


@check("PromotionsApi.list_promotion_tiers_from_campaign")
def list_promotion_tiers_from_campaign(w: World) -> None:
    listing = promotions(w).list_promotion_tiers_from_campaign(w.promotion["id"])
    assert [(t.id, t.name) for t in listing.tiers] == [
        (tier_of(w.promotion), "Cover promotion tier")
    ]


@check("PromotionsApi.get_promotion_tier")
def get_promotion_tier(w: World) -> None:
    got = promotions(w).get_promotion_tier(tier_of(w.promotion))
    assert (got.name, got.banner, got.campaign.id) == (
        "Cover promotion tier",
        "5.00 off",
        w.promotion["id"],
    )
    assert got.action.discount.amount_off == 500


@check("PromotionsApi.add_promotion_tier_to_campaign")
def add_promotion_tier_to_campaign(w: World) -> None:
    campaign = promotion_campaign(w.api, "Walk tier added")
    added = promotions(w).add_promotion_tier_to_campaign(
        campaign["id"],
        model(
            voucherify.PromotionsTiersCreateRequestBody,
            {
                "name": "Walk extra tier",
                "banner": "7.00 off",
                "action": {"discount": {"type": "AMOUNT", "amount_off": 700}},
            },
        ),
    )
    assert (added.name, added.campaign.id) == ("Walk extra tier", campaign["id"])
    listed = ok(w.api, "GET", f"/v1/campaigns/{campaign['id']}")["promotion"]["tiers"]
    assert [t["name"] for t in listed] == ["Walk tier added tier", "Walk extra tier"]


@check("PromotionsApi.update_promotion_tier")
def update_promotion_tier(w: World) -> None:
    tier_id = new_tier(w, "Walk tier update")
    updated = promotions(w).update_promotion_tier(
        tier_id, voucherify.PromotionsTiersUpdateRequestBody(banner="Now 5.00 off")
    )
    assert (updated.id, updated.banner) == (tier_id, "Now 5.00 off")


@check("PromotionsApi.disable_promotion_tier")
def disable_promotion_tier(w: World) -> None:
    tier_id = new_tier(w, "Walk tier disable")
    assert promotions(w).disable_promotion_tier(tier_id).active is False
    # A disabled tier no longer qualifies.
    found = ok(
        w.api,
        "POST",
        "/v1/qualifications",
        {
            "customer": {"source_id": "cov-bob"},
            "order": {"amount": 10_000},
            "scenario": "ALL",
            "options": {"limit": 50},
        },
    )
    assert tier_id not in [r["id"] for r in found["redeemables"]["data"]]


@check("PromotionsApi.enable_promotion_tier")
def enable_promotion_tier(w: World) -> None:
    tier_id = new_tier(w, "Walk tier enable")
    promotions(w).disable_promotion_tier(tier_id)
    assert promotions(w).enable_promotion_tier(tier_id).active is True


@check("PromotionsApi.delete_promotion_tier")
def delete_promotion_tier(w: World) -> None:
    tier_id = new_tier(w, "Walk tier delete")
    promotions(w).delete_promotion_tier(tier_id)
    try:
        promotions(w).get_promotion_tier(tier_id)
    except NotFoundException:
        return
    raise AssertionError("a deleted promotion tier is still there")


def new_stack(w: World, name: str) -> tuple[str, Any]:
    campaign = promotion_campaign(w.api, name)
    stack = promotions(w).create_promotion_stack(
        campaign["id"],
        model(
            voucherify.PromotionsStacksCreateRequestBody,
            {"name": name, "tiers": {"ids": [tier_of(campaign)], "hierarchy_mode": "MANUAL"}},
        ),
    )
    return str(campaign["id"]), stack


@check("PromotionsApi.create_promotion_stack", missing=STACKS)
def create_promotion_stack(w: World) -> None:
    campaign_id, stack = new_stack(w, "Walk stack")
    assert (stack.name, stack.campaign_id) == ("Walk stack", campaign_id)
    assert len(stack.tiers.ids) == 1


@check("PromotionsApi.get_promotion_stack", missing=STACKS)
def get_promotion_stack(w: World) -> None:
    campaign_id, stack = new_stack(w, "Walk stack get")
    assert promotions(w).get_promotion_stack(campaign_id, stack.id).name == "Walk stack get"


@check("PromotionsApi.list_promotion_stacks_in_campaign", missing=STACKS)
def list_promotion_stacks_in_campaign(w: World) -> None:
    campaign_id, stack = new_stack(w, "Walk stack list")
    listed = promotions(w).list_promotion_stacks_in_campaign(campaign_id)
    assert [s.id for s in listed.data] == [stack.id]


@check("PromotionsApi.list_all_promotion_stacks", missing=STACKS)
def list_all_promotion_stacks(w: World) -> None:
    _, stack = new_stack(w, "Walk stack all")
    assert stack.id in [s.id for s in promotions(w).list_all_promotion_stacks(limit=100).data]


@check("PromotionsApi.update_promotion_stack", missing=STACKS)
def update_promotion_stack(w: World) -> None:
    campaign_id, stack = new_stack(w, "Walk stack update")
    updated = promotions(w).update_promotion_stack(
        campaign_id, stack.id, voucherify.PromotionsStacksUpdateRequestBody(name="Renamed stack")
    )
    assert updated.name == "Renamed stack"


@check("PromotionsApi.delete_promotion_stack", missing=STACKS)
def delete_promotion_stack(w: World) -> None:
    campaign_id, stack = new_stack(w, "Walk stack delete")
    promotions(w).delete_promotion_stack(campaign_id, stack.id)
    assert promotions(w).list_promotion_stacks_in_campaign(campaign_id).data == []


# --- referral code holders ---------------------------------------------------------------


def referrals(w: World) -> ReferralsApi:
    return ReferralsApi(w.sdk)


def referral_code(w: World, owner: str) -> str:
    """A referral code of the data set's program, published to a new customer ``owner``."""
    customer(w.api, owner)
    published = ok(
        w.api,
        "POST",
        "/v1/publications",
        {"customer": {"source_id": owner}, "campaign": w.referral["id"]},
    )
    return str(published["voucher"]["code"])


def holders_body(*source_ids: str) -> voucherify.ReferralsMembersHoldersCreateInBulkRequestBody:
    return voucherify.ReferralsMembersHoldersCreateInBulkRequestBody(
        holders=[voucherify.Customer(source_id=s) for s in source_ids]
    )


def add_holder(w: World, owner: str) -> tuple[str, Any]:
    """A new referral code with cov-bob added as its holder (the second form of the route)."""
    code = referral_code(w, owner)
    (holder,) = referrals(w).referrals_add_holders(code, holders_body("cov-bob")).holders
    return code, holder


@check("ReferralsApi.referrals_add_holders")
def referrals_add_holders(w: World) -> None:
    code, holder = add_holder(w, "walk-referrer-1")
    assert (holder.object, holder.customer_id, holder.campaign_id) == (
        "redeemable_holder",
        w.bob["id"],
        w.referral["id"],
    )
    assert (holder.holder_role, holder.campaign_type, holder.voucher_type) == (
        "REFEREE",
        "REFERRAL_PROGRAM",
        "DISCOUNT_VOUCHER",
    )
    voucher = ok(w.api, "GET", f"/v1/vouchers/{code}")
    assert (holder.id[:3], holder.redeemable_id, holder.redeemable_object) == (
        "rh_",
        voucher["id"],
        "voucher",
    )


@check("ReferralsApi.referrals_add_holders1")
def referrals_add_holders1(w: World) -> None:
    code = referral_code(w, "walk-referrer-2")
    added = referrals(w).referrals_add_holders1(w.referral["id"], code, holders_body("cov-bob"))
    assert [(h.customer_id, h.campaign_id) for h in added.holders] == [
        (w.bob["id"], w.referral["id"])
    ]


@check("ReferralsApi.referrals_code_holders")
def referrals_code_holders(w: World) -> None:
    code, holder = add_holder(w, "walk-referrer-3")
    listed = referrals(w).referrals_code_holders(w.referral["id"], code)
    assert [(h.id, h.customer_id) for h in listed.data] == [(holder.id, w.bob["id"])]
    assert (listed.object, listed.data_ref, listed.total, listed.has_more) == (
        "list",
        "data",
        1,
        False,
    )


@check("ReferralsApi.referrals_code_holders1")
def referrals_code_holders1(w: World) -> None:
    code, holder = add_holder(w, "walk-referrer-4")
    added = referrals(w).referrals_add_holders(code, holders_body("walk-holder-4")).holders
    listed = referrals(w).referrals_code_holders1(code, limit=1, order="id")
    assert ([h.id for h in listed.data], listed.total, listed.has_more) == ([holder.id], 2, True)
    after = listed.more_starting_after
    rest = referrals(w).referrals_code_holders1(code, order="id", starting_after_id=after)
    assert ([h.id for h in rest.data], rest.has_more) == ([added[0].id], False)


@check("ReferralsApi.referrals_remove_holder")
def referrals_remove_holder(w: World) -> None:
    code, holder = add_holder(w, "walk-referrer-5")
    referrals(w).referrals_remove_holder(code, holder.id)
    assert holder.id not in [h.id for h in referrals(w).referrals_code_holders1(code).data]


@check("ReferralsApi.referrals_remove_holder1")
def referrals_remove_holder1(w: World) -> None:
    code, holder = add_holder(w, "walk-referrer-6")
    referrals(w).referrals_remove_holder1(w.referral["id"], code, holder.id)
    assert holder.id not in [h.id for h in referrals(w).referrals_code_holders1(code).data]
