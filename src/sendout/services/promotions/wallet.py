"""Pull mode: what a customer holds (redeemables) and what applies to them now (qualifications)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sendout.domain.campaigns import Campaign, PromotionTier
from sendout.domain.errors import InvalidPayload
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.vouchers import EffectiveVoucher, RedeemableStatus, WalletQuery
from sendout.services.context import Context
from sendout.services.customers.customers import find_customer, require_customer
from sendout.services.promotions.voucher_lookup import effective

MAX_QUALIFICATION_LIMIT = 50
DEFAULT_QUALIFICATION_LIMIT = 5
#: Codes a customer can hold and still be qualified in one call (beyond it, page the wallet).
MAX_WALLET_SCAN = 1_000


class Scenario(StrEnum):
    ALL = "ALL"
    CUSTOMER_WALLET = "CUSTOMER_WALLET"
    AUDIENCE_ONLY = "AUDIENCE_ONLY"


@dataclass(frozen=True, slots=True, kw_only=True)
class WalletEntry:
    voucher: EffectiveVoucher
    status: RedeemableStatus


async def customer_redeemables(
    uow_factory: UnitOfWorkFactory, ctx: Context, id_or_source_id: str, query: WalletQuery
) -> tuple[str, Page[WalletEntry]]:
    """The customer's codes with their status now, cursor-paged."""
    async with uow_factory() as uow:
        customer = await require_customer(uow, ctx, id_or_source_id)
        page = await uow.vouchers.held_by(ctx.project_id, customer.id, query)
        now = ctx.now()
        entries = [
            WalletEntry(voucher=v, status=v.status(now))
            for v in await effective(uow, ctx, page.items)
        ]
        return customer.id, Page(items=entries, total=None, has_more=page.has_more)


@dataclass(frozen=True, slots=True, kw_only=True)
class Qualified:
    """One thing that applies now: a held code, or a promotion tier (with its campaign)."""

    created_at: datetime
    voucher: EffectiveVoucher | None = None
    tier: PromotionTier | None = None
    campaign: Campaign | None = None

    @property
    def key(self) -> str:
        if self.voucher is not None:
            return self.voucher.voucher.id
        assert self.tier is not None
        return self.tier.id


async def qualifications(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    *,
    customer: str | None,
    scenario: Scenario,
    limit: int = DEFAULT_QUALIFICATION_LIMIT,
    starting_after: datetime | None = None,
) -> tuple[list[Qualified], int, bool]:
    """What applies now: the customer's usable codes and, except for ``CUSTOMER_WALLET``,
    the live promotion tiers. Ordered by creation time; ``starting_after`` pages."""
    if not 1 <= limit <= MAX_QUALIFICATION_LIMIT:
        raise InvalidPayload(
            details=f"options.limit must be between 1 and {MAX_QUALIFICATION_LIMIT}"
        )
    if scenario is Scenario.CUSTOMER_WALLET and customer is None:
        raise InvalidPayload(details="The CUSTOMER_WALLET scenario needs a customer")
    now = ctx.now()
    found: list[Qualified] = []
    async with uow_factory() as uow:
        holder = await find_customer(uow, ctx, customer) if customer else None
        if holder is not None:
            page = await uow.vouchers.held_by(
                ctx.project_id, holder.id, WalletQuery(limit=MAX_WALLET_SCAN)
            )
            for voucher in await effective(uow, ctx, page.items):
                if voucher.usable_at(now):
                    created = voucher.voucher.published_at or voucher.voucher.created_at
                    found.append(
                        Qualified(created_at=created, voucher=voucher, campaign=voucher.campaign)
                    )
        if scenario is not Scenario.CUSTOMER_WALLET:
            found.extend(await _live_tiers(uow, ctx, now))
    found.sort(key=lambda q: (q.created_at, q.key))
    if starting_after is not None:
        found = [q for q in found if q.created_at > starting_after]
    return found[:limit], len(found), len(found) > limit


async def _live_tiers(uow: UnitOfWork, ctx: Context, now: datetime) -> Sequence[Qualified]:
    promotions = await uow.campaigns.live_promotions(ctx.project_id)
    live = {c.id: c for c in promotions if c.is_active_at(now)}
    tiers = await uow.campaigns.tiers(ctx.project_id, sorted(live))
    return [
        Qualified(created_at=t.created_at, tier=t, campaign=live[t.campaign_id])
        for t in tiers
        if t.active
    ]
