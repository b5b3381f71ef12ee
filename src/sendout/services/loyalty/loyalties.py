"""Loyalty programs (``/v1/loyalties``): campaigns of type LOYALTY_PROGRAM whose codes are
loyalty cards; members are the customers holding a card; points move through the card's
balance (``services.balances``), every move logged as a transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sendout.domain.balances import TransactionQuery, VoucherTransaction
from sendout.domain.campaigns import Campaign, CampaignQuery, CampaignType
from sendout.domain.customers import CustomerRef
from sendout.domain.earning_rules import EarningRule
from sendout.domain.errors import Duplicate, InvalidPayload, NotFound
from sendout.domain.ids import IdPrefix
from sendout.domain.loyalty_tiers import (
    MAX_TIERS,
    LoyaltyTier,
    MemberTier,
    check_no_overlap,
    expiring,
    parse_tier,
    tier_of,
)
from sendout.domain.points import PointsBucket
from sendout.domain.ports import Page, UnitOfWorkFactory
from sendout.domain.vouchers import EffectiveVoucher, VoucherQuery
from sendout.services.context import Context
from sendout.services.customers.customers import find_customer
from sendout.services.promotions import campaigns
from sendout.services.promotions.publications import PublishRequest, publish
from sendout.services.promotions.vouchers import get_voucher, list_vouchers

LOYALTY = CampaignType.LOYALTY_PROGRAM


def _only_loyalty(campaign: Campaign, id_or_name: str) -> Campaign:
    if campaign.campaign_type is not LOYALTY:
        raise NotFound.of("loyalty program", id_or_name)
    return campaign


async def get_program(uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str) -> Campaign:
    campaign, _ = await campaigns.get_campaign(uow_factory, ctx, program_id)
    return _only_loyalty(campaign, program_id)


async def list_programs(
    uow_factory: UnitOfWorkFactory, ctx: Context, limit: int, page: int
) -> Page[Campaign]:
    query = CampaignQuery(limit=limit, page=page, campaign_type=LOYALTY)
    found, _ = await campaigns.list_campaigns(uow_factory, ctx, query)
    return found


async def update_program(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, changes: Mapping[str, Any]
) -> Campaign:
    await get_program(uow_factory, ctx, program_id)
    campaign, _ = await campaigns.update_campaign(uow_factory, ctx, program_id, changes)
    return campaign


async def delete_program(uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str) -> Any:
    await get_program(uow_factory, ctx, program_id)
    return await campaigns.delete_campaign(uow_factory, ctx, program_id)


async def add_member(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    program_id: str,
    customer: CustomerRef,
    *,
    card: str | None = None,
    source_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> EffectiveVoucher:
    """Give the customer a loyalty card of the program: the one named, or the next free one
    (a program of type AUTO_UPDATE makes one when none is left)."""
    program = await get_program(uow_factory, ctx, program_id)
    if card is not None:
        chosen = await get_voucher(uow_factory, ctx, card)
        if chosen.voucher.campaign_id != program.id:
            raise NotFound.of("loyalty card", card)
    await _refuse_second_card(uow_factory, ctx, program, customer)
    published = await publish(
        uow_factory,
        ctx,
        PublishRequest(
            customer=customer,
            voucher_code=card,
            campaign=None if card is not None else program.id,
            source_id=source_id,
            metadata=metadata or {},
            # Two requests at once for one customer: the second gets the first one's card.
            join_once=True,
        ),
    )
    (member,) = published.vouchers
    return member


async def _refuse_second_card(
    uow_factory: UnitOfWorkFactory, ctx: Context, program: Campaign, customer: CustomerRef
) -> None:
    """A customer is a member of a program once: a second card is refused."""
    if customer.identifier is None:
        return
    async with uow_factory() as uow:
        found = await find_customer(uow, ctx, customer.identifier)
        if found is None:
            return
        held = await uow.vouchers.list(
            ctx.project_id, VoucherQuery(campaign_id=program.id, holder_id=found.id, limit=1)
        )
    if held.items:
        raise Duplicate(
            details=f"Customer {found.id} is already a member of {program.id} "
            f"(loyalty card {held.items[0].code})",
            key="duplicate_found",
        )


async def get_member(
    uow_factory: UnitOfWorkFactory, ctx: Context, member_id: str, program_id: str | None = None
) -> EffectiveVoucher:
    """A member is their card, named by its code."""
    card = await get_voucher(uow_factory, ctx, member_id)
    if card.campaign is None or card.campaign.campaign_type is not LOYALTY:
        raise NotFound.of("loyalty card", member_id)
    if program_id is not None:
        program = await get_program(uow_factory, ctx, program_id)
        if card.campaign.id != program.id:
            raise NotFound.of("loyalty card", member_id)
    return card


async def list_members(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    program_id: str,
    query: VoucherQuery,
    *,
    customer: str | None = None,
) -> Page[EffectiveVoucher]:
    """The program's cards; ``customer`` (an id or source_id) keeps that customer's only."""
    program = await get_program(uow_factory, ctx, program_id)
    return await list_vouchers(
        uow_factory, ctx, replace(query, campaign_id=program.id), customer=customer
    )


async def create_tiers(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, raws: Sequence[Any]
) -> list[LoyaltyTier]:
    """``POST /v1/loyalties/{id}/tiers``: several tiers at once; ranges may not overlap."""
    program = await get_program(uow_factory, ctx, program_id)
    if not 1 <= len(raws) <= MAX_TIERS or not all(isinstance(r, Mapping) for r in raws):
        raise InvalidPayload(details=f"give a list of 1 to {MAX_TIERS} tiers")
    now = ctx.now()
    new = []
    for n, raw in enumerate(raws):
        name, low, high, metadata = parse_tier(raw, n)
        new.append(
            LoyaltyTier(
                id=ctx.new_id(IdPrefix.LOYALTY_TIER),
                project_id=ctx.project_id,
                campaign_id=program.id,
                name=name,
                points_from=low,
                points_to=high,
                metadata=metadata,
                created_at=now,
            )
        )
    async with uow_factory() as uow:
        existing = await uow.loyalty_tiers.of_campaign(ctx.project_id, program.id)
        check_no_overlap([*existing, *new])
        await uow.loyalty_tiers.add_many(new)
        await uow.commit()
    return new


async def list_tiers(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str
) -> Sequence[LoyaltyTier]:
    program = await get_program(uow_factory, ctx, program_id)
    async with uow_factory() as uow:
        return await uow.loyalty_tiers.of_campaign(ctx.project_id, program.id)


async def get_tier(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, tier_id: str
) -> LoyaltyTier:
    tier = next(
        (t for t in await list_tiers(uow_factory, ctx, program_id) if t.id == tier_id), None
    )
    if tier is None:
        raise NotFound.of("loyalty_tier", tier_id)
    return tier


async def member_tiers(
    uow_factory: UnitOfWorkFactory, ctx: Context, member_id: str
) -> list[tuple[LoyaltyTier, MemberTier | None]]:
    """The member's tier (none, or one): the one their balance is in or, when the program's
    tiers expire, the one they hold (with its expiration)."""
    card = await get_member(uow_factory, ctx, member_id)
    assert card.campaign is not None
    async with uow_factory() as uow:
        tiers = await uow.loyalty_tiers.of_campaign(ctx.project_id, card.campaign.id)
        held = (
            await uow.loyalty_tiers.held(ctx.project_id, card.voucher.id)
            if expiring(card.campaign)
            else None
        )
    if held is not None:
        return [(t, held) for t in tiers if t.id == held.tier_id]
    if expiring(card.campaign):
        return []
    balance = int((card.loyalty_card or {}).get("balance") or 0)
    found = tier_of(tiers, balance)
    return [] if found is None else [(found, None)]


async def program_transactions(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, query: TransactionQuery
) -> Page[VoucherTransaction]:
    """Every point move of the program's cards (cursor)."""
    program = await get_program(uow_factory, ctx, program_id)
    async with uow_factory() as uow:
        return await uow.transactions.list_for_campaign(ctx.project_id, program.id, query)


async def tier_earning_rules(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, tier_id: str
) -> list[EarningRule]:
    """The program's earning rules that apply to members of the tier: all but those about
    moves into or out of another tier."""
    tier = await get_tier(uow_factory, ctx, program_id, tier_id)
    async with uow_factory() as uow:
        rules = await uow.earning_rules.of_campaign(ctx.project_id, tier.campaign_id)
    return [r for r in rules if r.loyalty_tier_id in (None, tier.id)]


async def points_expiration(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    program_id: str,
    member_id: str,
    limit: int,
    page: int,
) -> Page[PointsBucket]:
    """The member's point buckets, soonest to expire first."""
    card = await get_member(uow_factory, ctx, member_id, program_id)
    async with uow_factory() as uow:
        return await uow.points.buckets(ctx.project_id, card.voucher.id, limit, page)
