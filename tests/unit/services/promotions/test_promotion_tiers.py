"""Promotion tiers on the in-memory stores: added after the others, changed, switched off and
on, deleted; a promotion's own list and the project's listing with its filters and pages;
what a tier's change does to qualifications and redemptions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sendout.domain.campaign_drafts import CampaignDraft, TierDraft
from sendout.domain.campaigns import CampaignKind, CampaignType, PromotionTier
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.promotion_tiers import MAX_TIERS_PER_PROMOTION, PromotionTierQuery, TierOrder
from sendout.services.promotions import campaigns, promotion_tiers, redemptions, validations, wallet
from sendout.services.promotions.redemption_records import RedeemableRef
from sendout.services.promotions.wallet import Scenario
from tests.unit.services.shop import Shop, on_order

FIVE_OFF = {"discount": {"type": "AMOUNT", "amount_off": 500}}


async def sale(shop: Shop, name: str = "Sale", **fields: object) -> list[PromotionTier]:
    _, tiers = await campaigns.create_campaign(
        shop.factory,
        shop.ctx,
        CampaignDraft(
            name=name,
            campaign_type=CampaignType.PROMOTION,
            kind=CampaignKind.STATIC,
            tiers=(TierDraft(name=f"{name} tier", action=FIVE_OFF),),
            **fields,  # type: ignore[arg-type]
        ),
    )
    return tiers


async def qualified_tiers(shop: Shop) -> list[str]:
    found, _, _ = await wallet.qualifications(
        shop.factory, shop.ctx, customer=None, scenario=Scenario.AUDIENCE_ONLY
    )
    return [q.tier.id for q in found if q.tier is not None]


async def test_a_tier_is_added_changed_switched_and_deleted(shop: Shop) -> None:
    (first,) = await sale(shop)
    added = await promotion_tiers.add_tier(
        shop.factory, shop.ctx, "Sale", TierDraft(name="Extra", banner="More off")
    )
    assert (added.tier.hierarchy, added.campaign.name) == (2, "Sale")
    campaign, listed = await promotion_tiers.campaign_tiers(shop.factory, shop.ctx, "Sale")
    assert [t.id for t in listed] == [first.id, added.tier.id]
    changed = await promotion_tiers.update_tier(
        shop.factory, shop.ctx, added.tier.id, {"name": None, "banner": None, "hierarchy": 7}
    )
    assert (changed.tier.name, changed.tier.banner, changed.tier.hierarchy) == ("Extra", None, 7)
    assert changed.tier.updated_at is not None
    off = await promotion_tiers.set_tier_active(shop.factory, shop.ctx, added.tier.id, False)
    assert off.tier.active is False
    read = await promotion_tiers.get_tier(shop.factory, shop.ctx, added.tier.id)
    assert read.tier == off.tier
    await promotion_tiers.delete_tier(shop.factory, shop.ctx, added.tier.id)
    with pytest.raises(NotFound):
        await promotion_tiers.get_tier(shop.factory, shop.ctx, added.tier.id)
    assert campaign.id == first.campaign_id


async def test_tiers_belong_to_live_promotions(shop: Shop) -> None:
    await shop.campaign("Spring")
    with pytest.raises(InvalidPayload):
        await promotion_tiers.add_tier(shop.factory, shop.ctx, "Spring", TierDraft(name="No"))
    with pytest.raises(NotFound):
        await promotion_tiers.campaign_tiers(shop.factory, shop.ctx, "camp_nope")
    (tier,) = await sale(shop)
    await campaigns.delete_campaign(shop.factory, shop.ctx, "Sale")
    with pytest.raises(NotFound):
        await promotion_tiers.get_tier(shop.factory, shop.ctx, tier.id)


async def test_a_promotion_holds_a_bounded_number_of_tiers(shop: Shop) -> None:
    await sale(shop)
    for n in range(MAX_TIERS_PER_PROMOTION - 1):
        await promotion_tiers.add_tier(shop.factory, shop.ctx, "Sale", TierDraft(name=f"T{n}"))
    with pytest.raises(InvalidPayload):
        await promotion_tiers.add_tier(shop.factory, shop.ctx, "Sale", TierDraft(name="One more"))


async def test_a_tiers_changes_count_in_qualifications_and_redemptions(shop: Shop) -> None:
    (tier,) = await sale(shop)
    assert await qualified_tiers(shop) == [tier.id]
    await promotion_tiers.set_tier_active(shop.factory, shop.ctx, tier.id, False)
    assert await qualified_tiers(shop) == []
    ref = RedeemableRef(object="promotion_tier", id=tier.id)
    refused = await validations.validate(shop.factory, shop.ctx, on_order(ref, amount=2_000))
    assert refused.evaluation.failure is not None
    await promotion_tiers.set_tier_active(shop.factory, shop.ctx, tier.id, True)
    bigger = {"discount": {"type": "AMOUNT", "amount_off": 1_200}}
    await promotion_tiers.update_tier(shop.factory, shop.ctx, tier.id, {"action": bigger})
    done = await redemptions.redeem(shop.factory, shop.ctx, on_order(ref, amount=2_000))
    assert [c.amount for c in done.children] == [1_200]


async def test_the_listing_filters_available_tiers_orders_and_pages(shop: Shop) -> None:
    (live,) = await sale(shop, "Live")
    (off,) = await sale(shop, "Off")
    (later,) = await sale(shop, "Later", start_date=shop.ctx.now() + timedelta(days=1))
    await promotion_tiers.set_tier_active(shop.factory, shop.ctx, off.id, False)

    async def ids(**fields: object) -> list[str]:
        query = PromotionTierQuery(limit=10, **fields)  # type: ignore[arg-type]
        page = await promotion_tiers.list_tiers(shop.factory, shop.ctx, query)
        return [found.tier.id for found in page.items]

    assert await ids() == [later.id, off.id, live.id]
    assert await ids(available_at=shop.ctx.now()) == [live.id]
    assert await ids(descending=False) == [live.id, off.id, later.id]
    assert await ids(order=TierOrder.UPDATED_AT) == [off.id, later.id, live.id]
    second = await promotion_tiers.list_tiers(
        shop.factory, shop.ctx, PromotionTierQuery(limit=1, page=2)
    )
    assert ([f.tier.id for f in second.items], second.total, second.has_more) == (
        [off.id],
        3,
        True,
    )
