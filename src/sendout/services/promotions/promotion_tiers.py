"""Promotion tiers on their own (``/v1/promotions/tiers``): list, read, add to a promotion,
change, switch on and off, delete.

A tier is read from the store wherever it is used (qualifications, validations, redemptions,
distributions' NOTIFY action), so what changes here applies from the next request on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sendout.domain.campaign_drafts import TierDraft
from sendout.domain.campaigns import Campaign, CampaignType, PromotionTier
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.promotion_tiers import (
    MAX_TIERS_PER_PROMOTION,
    PromotionTierQuery,
    changed_tier,
)
from sendout.services.context import Context
from sendout.services.promotions.campaigns import new_tier, require_campaign


@dataclass(frozen=True, slots=True)
class TierOf:
    """A tier and its campaign, which its answer shows."""

    tier: PromotionTier
    campaign: Campaign


async def _promotion(uow: UnitOfWork, ctx: Context, id_or_name: str) -> Campaign:
    campaign = await require_campaign(uow, ctx, id_or_name)
    if campaign.campaign_type is not CampaignType.PROMOTION:
        raise InvalidPayload(
            details=f"campaign {campaign.id} is a {campaign.campaign_type.value} campaign: "
            "only PROMOTION campaigns have promotion tiers",
            key="invalid_promotion_tier",
        )
    return campaign


async def _tier(uow: UnitOfWork, ctx: Context, tier_id: str) -> TierOf:
    """The tier of a live campaign (a deleted campaign's tiers are gone with it)."""
    tier = await uow.campaigns.get_tier(ctx.project_id, tier_id)
    campaign = None if tier is None else await uow.campaigns.get(ctx.project_id, tier.campaign_id)
    if tier is None or campaign is None:
        raise NotFound.of("promotion_tier", tier_id)
    return TierOf(tier, campaign)


async def list_tiers(
    uow_factory: UnitOfWorkFactory, ctx: Context, query: PromotionTierQuery
) -> Page[TierOf]:
    async with uow_factory() as uow:
        page = await uow.campaigns.list_tiers(ctx.project_id, query)
        campaigns = await uow.campaigns.get_many(
            ctx.project_id, sorted({t.campaign_id for t in page.items})
        )
        items = [TierOf(t, campaigns[t.campaign_id]) for t in page.items]
        return Page(items=items, total=page.total, has_more=page.has_more)


async def campaign_tiers(
    uow_factory: UnitOfWorkFactory, ctx: Context, campaign_id: str
) -> tuple[Campaign, Sequence[PromotionTier]]:
    """A promotion's tiers, in their hierarchy."""
    async with uow_factory() as uow:
        campaign = await _promotion(uow, ctx, campaign_id)
        return campaign, await uow.campaigns.tiers(ctx.project_id, [campaign.id])


async def get_tier(uow_factory: UnitOfWorkFactory, ctx: Context, tier_id: str) -> TierOf:
    async with uow_factory() as uow:
        return await _tier(uow, ctx, tier_id)


async def add_tier(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    campaign_id: str,
    draft: TierDraft,
    hierarchy: int | None = None,
) -> TierOf:
    """A new tier of the promotion; without a ``hierarchy`` it comes after the others."""
    async with uow_factory() as uow:
        # Locked: two tiers added at once must not both count the same tiers before them.
        found = await _promotion(uow, ctx, campaign_id)
        campaign = await uow.campaigns.get_for_update(ctx.project_id, found.id)
        assert campaign is not None
        existing = await uow.campaigns.tiers(ctx.project_id, [campaign.id])
        if len(existing) >= MAX_TIERS_PER_PROMOTION:
            raise InvalidPayload(
                details=f"a promotion has at most {MAX_TIERS_PER_PROMOTION} tiers",
                key="invalid_promotion_tier",
            )
        place = hierarchy or max((t.hierarchy for t in existing), default=0) + 1
        tier = new_tier(ctx, campaign.id, draft, place, ctx.now())
        await uow.campaigns.add_tier(tier)
        await uow.commit()
        return TierOf(tier, campaign)


async def update_tier(
    uow_factory: UnitOfWorkFactory, ctx: Context, tier_id: str, changes: Mapping[str, Any]
) -> TierOf:
    async with uow_factory() as uow:
        found = await _tier(uow, ctx, tier_id)
        tier = changed_tier(found.tier, changes, ctx.now())
        await uow.campaigns.update_tier(tier)
        await uow.commit()
        return replace(found, tier=tier)


async def set_tier_active(
    uow_factory: UnitOfWorkFactory, ctx: Context, tier_id: str, active: bool
) -> TierOf:
    """``…/enable`` and ``…/disable``: an inactive tier neither qualifies nor redeems."""
    async with uow_factory() as uow:
        found = await _tier(uow, ctx, tier_id)
        tier = replace(found.tier, active=active, updated_at=ctx.now())
        await uow.campaigns.update_tier(tier)
        await uow.commit()
        return replace(found, tier=tier)


async def delete_tier(uow_factory: UnitOfWorkFactory, ctx: Context, tier_id: str) -> None:
    """The tier goes for good; redemptions made with it keep its id and the discount it gave."""
    async with uow_factory() as uow:
        found = await _tier(uow, ctx, tier_id)
        await uow.campaigns.remove_tier(ctx.project_id, found.tier.id)
        await uow.commit()
