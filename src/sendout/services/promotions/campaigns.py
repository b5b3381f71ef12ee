"""Campaign use cases: create, read, update, delete, enable/disable, add and import codes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sendout.domain.async_actions import AsyncAction, AsyncActionType
from sendout.domain.campaign_drafts import (
    CampaignDraft,
    TierDraft,
    check_dates,
    validate_day_of_week,
    validate_discount,
    validate_gift,
    validate_loyalty_card,
)
from sendout.domain.campaigns import (
    Campaign,
    CampaignKind,
    CampaignQuery,
    CampaignType,
    GenerationStatus,
    PromotionTier,
    VoucherType,
)
from sendout.domain.errors import Duplicate, InvalidPayload, NotFound
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.referrals import REWARD_CAMPAIGN_TYPES
from sendout.services.context import Context
from sendout.services.retries import retry_on_conflict

MAX_VOUCHERS_PER_REQUEST = 5_000_000
MAX_IMPORT_ITEMS = 10_000


async def require_campaign(uow: UnitOfWork, ctx: Context, id_or_name: str) -> Campaign:
    campaign = await uow.campaigns.get(ctx.project_id, id_or_name)
    if campaign is None:
        raise NotFound.of("campaign", id_or_name)
    return campaign


async def _named_rewards(
    uow: UnitOfWork, ctx: Context, program: Mapping[str, Any]
) -> dict[str, Any]:
    """A referral program whose reward campaigns exist and match their reward types (their
    ids and names filled in)."""
    named = dict(program)
    for side in ("referee_reward", "referrer_reward"):
        reward = program.get(side)
        if reward is None:
            continue
        campaign = await require_campaign(uow, ctx, reward["related_object_parent"]["id"])
        wanted = REWARD_CAMPAIGN_TYPES[reward["type"]]
        if campaign.campaign_type.value != wanted:
            raise InvalidPayload(
                details=f"referral_program.{side}: a {reward['type']} reward comes from a "
                f"{wanted} campaign",
                key="invalid_campaign_params",
            )
        parent = {"id": campaign.id, "name": campaign.name, "object": "CAMPAIGN"}
        named[side] = {**reward, "related_object_parent": parent}
    return named


def check_count(count: int) -> None:
    if not 1 <= count <= MAX_VOUCHERS_PER_REQUEST:
        raise InvalidPayload(
            details=f"vouchers_count must be between 1 and {MAX_VOUCHERS_PER_REQUEST}",
            key="invalid_campaign_params",
        )


async def enqueue(
    uow: UnitOfWork,
    ctx: Context,
    type: AsyncActionType,
    request: Mapping[str, Any],
    total: int,
) -> AsyncAction:
    """Record an async action for the worker, in the caller's transaction."""
    action = AsyncAction(
        id=ctx.new_id(IdPrefix.ASYNC_ACTION),
        project_id=ctx.project_id,
        type=type,
        request=request,
        total=total,
        created_at=ctx.now(),
    )
    await uow.async_actions.add(action)
    return action


async def create_campaign(
    uow_factory: UnitOfWorkFactory, ctx: Context, draft: CampaignDraft
) -> tuple[Campaign, list[PromotionTier]]:
    """A new campaign; its ``vouchers_count`` codes are made by the worker (async action)."""
    check_campaign_draft(draft)

    async def attempt() -> tuple[Campaign, list[PromotionTier]]:
        async with uow_factory() as uow:
            made = await add_campaign(uow, ctx, draft)
            await uow.commit()
            return made

    return await retry_on_conflict(attempt)


def check_campaign_draft(draft: CampaignDraft) -> None:
    """Refuse a draft on what it says alone, before any transaction."""
    check_dates(draft.start_date, draft.expiration_date)
    if draft.vouchers_count:
        check_count(draft.vouchers_count)
        if draft.template is None:
            raise InvalidPayload(
                details="A PROMOTION campaign has no codes", key="invalid_campaign_params"
            )
        draft.template.code_config.check_capacity(draft.vouchers_count)
    if draft.kind is CampaignKind.STANDALONE and draft.vouchers_count > 1:
        raise InvalidPayload(
            details="A STANDALONE campaign has one code", key="invalid_campaign_params"
        )


async def add_campaign(
    uow: UnitOfWork, ctx: Context, draft: CampaignDraft
) -> tuple[Campaign, list[PromotionTier]]:
    """The checked draft's campaign and promotion tiers, in the caller's transaction."""
    if await uow.campaigns.get(ctx.project_id, draft.name) is not None:
        raise Duplicate(
            details=f"A campaign named {draft.name!r} exists",
            key="duplicate_found",
            resource_id=draft.name,
            resource_type="campaign",
        )
    now = ctx.now()
    generating = GenerationStatus.IN_PROGRESS if draft.vouchers_count else GenerationStatus.DONE
    campaign = Campaign(
        id=ctx.new_id(IdPrefix.CAMPAIGN),
        project_id=ctx.project_id,
        name=draft.name,
        campaign_type=draft.campaign_type,
        kind=draft.kind,
        description=draft.description,
        join_once=draft.join_once,
        auto_join=draft.auto_join,
        start_date=draft.start_date,
        expiration_date=draft.expiration_date,
        validity=draft.validity,
        activity_duration_after_publishing=draft.activity_duration_after_publishing,
        category=draft.category,
        metadata=draft.metadata,
        template=draft.template,
        referral_program=draft.referral_program,
        loyalty_tiers_expiration=draft.loyalty_tiers_expiration,
        creation_status=generating,
        vouchers_generation_status=generating,
        created_at=now,
    )
    if draft.referral_program is not None:
        campaign = replace(
            campaign,
            referral_program=await _named_rewards(uow, ctx, draft.referral_program),
        )
    await uow.campaigns.add(campaign)
    tiers = []
    for n, tier in enumerate(draft.tiers, start=1):
        promotion_tier = new_tier(ctx, campaign.id, tier, n, now)
        await uow.campaigns.add_tier(promotion_tier)
        tiers.append(promotion_tier)
    if draft.vouchers_count:
        await enqueue(
            uow,
            ctx,
            AsyncActionType.VOUCHERS_GENERATE,
            {"campaign_id": campaign.id, "count": draft.vouchers_count},
            draft.vouchers_count,
        )
    return campaign, tiers


def new_tier(
    ctx: Context, campaign_id: str, draft: TierDraft, hierarchy: int, now: datetime
) -> PromotionTier:
    """A promotion tier of the campaign, as its request describes it, made at ``now``."""
    return PromotionTier(
        id=ctx.new_id(IdPrefix.PROMOTION_TIER),
        project_id=ctx.project_id,
        campaign_id=campaign_id,
        name=draft.name,
        banner=draft.banner,
        action=draft.action,
        metadata=draft.metadata,
        active=draft.active,
        hierarchy=hierarchy,
        created_at=now,
    )


async def get_campaign(
    uow_factory: UnitOfWorkFactory, ctx: Context, id_or_name: str
) -> tuple[Campaign, list[PromotionTier]]:
    async with uow_factory() as uow:
        campaign = await require_campaign(uow, ctx, id_or_name)
        tiers = list(await uow.campaigns.tiers(ctx.project_id, [campaign.id]))
        return campaign, tiers


async def list_campaigns(
    uow_factory: UnitOfWorkFactory, ctx: Context, query: CampaignQuery
) -> tuple[Page[Campaign], dict[str, list[PromotionTier]]]:
    async with uow_factory() as uow:
        page = await uow.campaigns.list(ctx.project_id, query)
        promotions = [c.id for c in page.items if c.campaign_type is CampaignType.PROMOTION]
        tiers: dict[str, list[PromotionTier]] = {}
        for tier in await uow.campaigns.tiers(ctx.project_id, promotions):
            tiers.setdefault(tier.campaign_id, []).append(tier)
        return page, tiers


_UPDATABLE = {
    "description",
    "start_date",
    "expiration_date",
    "validity_timeframe",
    "validity_day_of_week",
    "validity_hours",
    "activity_duration_after_publishing",
    "category",
    "metadata",
    "join_once",
    "auto_join",
    "type",
    "discount",
    "gift",
    "loyalty_card",
}


async def update_campaign(
    uow_factory: UnitOfWorkFactory, ctx: Context, id_or_name: str, changes: Mapping[str, Any]
) -> tuple[Campaign, list[PromotionTier]]:
    """``PUT /v1/campaigns/{id}``: the fields sent change; the others stay."""
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise InvalidPayload(details=f"Cannot update {', '.join(sorted(unknown))}")
    async with uow_factory() as uow:
        campaign = await require_campaign(uow, ctx, id_or_name)
        updated = _apply_campaign_changes(campaign, changes)
        check_dates(updated.start_date, updated.expiration_date)
        updated = replace(updated, updated_at=ctx.now())
        await uow.campaigns.update(updated)
        tiers = list(await uow.campaigns.tiers(ctx.project_id, [campaign.id]))
        await uow.commit()
        return updated, tiers


def _apply_campaign_changes(campaign: Campaign, changes: Mapping[str, Any]) -> Campaign:
    simple = {
        k: changes[k]
        for k in (
            "description",
            "start_date",
            "expiration_date",
            "activity_duration_after_publishing",
            "category",
            "join_once",
            "auto_join",
        )
        if k in changes
    }
    if "metadata" in changes:
        simple["metadata"] = changes["metadata"] or {}
    if "type" in changes:
        if changes["type"] not in (CampaignKind.AUTO_UPDATE, CampaignKind.STATIC):
            raise InvalidPayload(details="type can change to AUTO_UPDATE or STATIC only")
        simple["kind"] = CampaignKind(changes["type"])
    validity = campaign.validity
    if "validity_timeframe" in changes:
        validity = replace(validity, timeframe=changes["validity_timeframe"])
    if "validity_day_of_week" in changes:
        days = validate_day_of_week(changes["validity_day_of_week"])
        validity = replace(validity, day_of_week=None if days is None else tuple(days))
    if "validity_hours" in changes:
        validity = replace(validity, hours=changes["validity_hours"])
    template = campaign.template
    if template is not None:
        if "discount" in changes and template.type is VoucherType.DISCOUNT_VOUCHER:
            template = replace(template, discount=validate_discount(changes["discount"]))
        if "gift" in changes and template.type is VoucherType.GIFT_VOUCHER:
            template = replace(template, gift=validate_gift(changes["gift"]))
        if "loyalty_card" in changes and template.type is VoucherType.LOYALTY_CARD:
            template = replace(
                template, loyalty_card=validate_loyalty_card(changes["loyalty_card"])
            )
    return replace(campaign, **simple, validity=validity, template=template)


async def set_campaign_active(
    uow_factory: UnitOfWorkFactory, ctx: Context, id_or_name: str, active: bool
) -> Campaign:
    async with uow_factory() as uow:
        campaign = await require_campaign(uow, ctx, id_or_name)
        campaign = replace(campaign, active=active, updated_at=ctx.now())
        await uow.campaigns.update(campaign)
        await uow.commit()
        return campaign


async def delete_campaign(
    uow_factory: UnitOfWorkFactory, ctx: Context, id_or_name: str
) -> AsyncAction:
    """The campaign disappears now; the worker removes its codes in batches."""
    async with uow_factory() as uow:
        campaign = await require_campaign(uow, ctx, id_or_name)
        now = ctx.now()
        await uow.campaigns.update(replace(campaign, deleted_at=now, updated_at=now))
        action = await enqueue(
            uow,
            ctx,
            AsyncActionType.CAMPAIGN_DELETE,
            {"campaign_id": campaign.id},
            campaign.vouchers_count,
        )
        await uow.commit()
        return action
