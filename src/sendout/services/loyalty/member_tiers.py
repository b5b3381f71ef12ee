"""The tier a member is in, as their balance moves and (for expiring tiers) as days pass.

Without ``loyalty_tiers_expiration`` (or with BALANCE_DROP) the tier is the one the balance is
in: a balance that crosses a bound records ``customer.loyalty.tier.joined``, ``.left``,
``.upgraded`` or ``.downgraded``. With expiring tiers the member holds their tier until it
expires (``domain.loyalty_tiers.decide_tier``), re-qualifying records ``.prolonged``, and the
worker settles the tiers whose last day has passed. A move may earn points (tier earning
rules: a ``TierMoved`` fact). All in the caller's transaction, with the card locked.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sendout.domain.campaigns import Campaign, simple_campaign
from sendout.domain.clock import Clock, iso
from sendout.domain.customers import Customer, simple_customer
from sendout.domain.earning_rules import EarningEvent
from sendout.domain.events import EventType
from sendout.domain.facts import BalanceChanged, TierMoved
from sendout.domain.ids import new_request_id
from sendout.domain.loyalty_tiers import (
    LoyaltyTier,
    MemberTier,
    TierDecision,
    decide_tier,
    expiring,
    tier_change,
    tier_of,
)
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.domain.vouchers import EffectiveVoucher
from sendout.services.bus import publish
from sendout.services.context import Context, internal_context
from sendout.services.promotions.voucher_lookup import effective
from sendout.services.recording import record_event

BATCH = 200


async def follow_balance(uow: UnitOfWork, ctx: Context, fact: BalanceChanged) -> None:
    """The card's balance just moved: move the member's tier if it must."""
    card, before = fact.card, fact.before
    campaign = card.campaign
    holder_id = card.voucher.holder_id
    if campaign is None or holder_id is None:
        return
    tiers = await uow.loyalty_tiers.of_campaign(ctx.project_id, campaign.id)
    if not tiers:
        return
    balance = int((card.loyalty_card or {}).get("balance") or 0)
    rules = expiring(campaign)
    if rules is None:
        moved = tier_change(tier_of(tiers, before), tier_of(tiers, balance))
    else:
        moved = await _settle(uow, ctx, card, holder_id, tiers, balance, rules)
    if moved is not None:
        await _announce(uow, ctx, campaign, card, moved)


async def _settle(
    uow: UnitOfWork,
    ctx: Context,
    card: EffectiveVoucher,
    holder_id: str,
    tiers: Sequence[LoyaltyTier],
    balance: int,
    rules: dict[str, Any],
) -> tuple[EventType, dict[str, Any]] | None:
    """Decide and record the member's tier under expiring tiers; the move to announce."""
    held = await uow.loyalty_tiers.held(ctx.project_id, card.voucher.id)
    now = ctx.now()
    decision: TierDecision = decide_tier(tiers, held, balance, rules, now.date())
    if decision.tier is None:
        if held is not None:
            await uow.loyalty_tiers.release(ctx.project_id, card.voucher.id)
        return decision.event
    unchanged = (
        held is not None
        and not decision.moved
        and held.tier_id == decision.tier.id
        and held.expiration_date == decision.expiration_date
    )
    if not unchanged:
        start = now.date() if decision.moved or held is None else held.start_date
        await uow.loyalty_tiers.hold(
            MemberTier(
                project_id=ctx.project_id,
                voucher_id=card.voucher.id,
                campaign_id=card.voucher.campaign_id or "",
                customer_id=holder_id,
                tier_id=decision.tier.id,
                start_date=start,
                expiration_date=decision.expiration_date,
                created_at=now if held is None else held.created_at,
                updated_at=None if held is None else now,
            )
        )
    return decision.event


async def _announce(
    uow: UnitOfWork,
    ctx: Context,
    campaign: Campaign,
    card: EffectiveVoucher,
    moved: tuple[EventType, dict[str, Any]],
) -> None:
    holder_id = card.voucher.holder_id
    holder: Customer | None = (
        None if holder_id is None else await uow.customers.get(ctx.project_id, holder_id)
    )
    if holder is None:
        return
    kind, tier_objects = moved
    await record_event(
        uow,
        ctx,
        type=kind.value,
        customer_id=holder.id,
        entity_id=card.voucher.id,
        data={
            "customer": simple_customer(holder),
            "campaign": simple_campaign(campaign),
            "created_at": iso(ctx.now()),
            **tier_objects,
        },
    )
    tier = tier_objects.get("loyalty_tier") or tier_objects["loyalty_tier_to"]
    await publish(uow, ctx, TierMoved(holder=holder, move=EarningEvent(kind.value), tier=tier))


class TierScheduler:
    """The worker's job for expiring tiers: each member whose tier's last day has passed keeps
    it (prolonged), or moves to the tier their balance is in. Each once: the card is locked,
    then the tier read again."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, rng: random.Random) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rng = rng

    async def expire_due(self) -> int:
        async with self._uow_factory() as uow:
            due = await uow.loyalty_tiers.expired(self._clock.now().date(), BATCH)
        done = 0
        for project_id, voucher_id in due:
            ctx = internal_context(project_id, new_request_id(self._rng), self._clock, self._rng)
            async with self._uow_factory() as uow:
                if await self._settle_one(uow, ctx, voucher_id):
                    await uow.commit()
                    done += 1
        return done

    async def _settle_one(self, uow: UnitOfWork, ctx: Context, voucher_id: str) -> bool:
        await uow.vouchers.lock(ctx.project_id, voucher_id)
        held = await uow.loyalty_tiers.held(ctx.project_id, voucher_id)
        today = ctx.now().date()
        if held is None or held.expiration_date is None or held.expiration_date >= today:
            return False  # settled by another worker meanwhile
        found = await uow.vouchers.get_many(ctx.project_id, [voucher_id])
        if not found:
            await uow.loyalty_tiers.release(ctx.project_id, voucher_id)
            return True
        (card,) = await effective(uow, ctx, found)
        campaign = card.campaign
        rules = None if campaign is None else expiring(campaign)
        if campaign is None or rules is None or card.voucher.holder_id is None:
            await uow.loyalty_tiers.release(ctx.project_id, voucher_id)
            return True
        tiers = await uow.loyalty_tiers.of_campaign(ctx.project_id, campaign.id)
        balance = int((card.loyalty_card or {}).get("balance") or 0)
        holder_id = card.voucher.holder_id
        moved = await _settle(uow, ctx, card, holder_id, tiers, balance, rules)
        if moved is not None:
            await _announce(uow, ctx, campaign, card, moved)
        return True
