"""Giving a customer something from a campaign, as rewards do (loyalty rewards, referral
rewards): a code of a discount campaign, or points or credits added to their loyalty card or
gift card of that campaign, published to them first when they hold none."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sendout.domain.campaigns import CampaignType
from sendout.domain.customers import Customer, CustomerRef
from sendout.domain.ports import UnitOfWork
from sendout.domain.publications import Publication
from sendout.domain.vouchers import EffectiveVoucher, VoucherQuery
from sendout.services.context import Context
from sendout.services.loyalty.balances import BalanceUpdate, change_balance_in
from sendout.services.promotions.publications import PublishRequest, publish_in
from sendout.services.promotions.voucher_lookup import effective


@dataclass(frozen=True, slots=True, kw_only=True)
class Given:
    voucher: EffectiveVoucher
    #: the publication made, when the customer had no code of the campaign yet
    publication: Publication | None = None
    #: the points or credits added (not for a discount code)
    added: BalanceUpdate | None = None


async def give_from_campaign(
    uow: UnitOfWork,
    ctx: Context,
    campaign_id: str,
    kind: CampaignType,
    amount: int | None,
    holder: Customer,
    *,
    source: Mapping[str, Any],
    reason: str,
) -> Given:
    """In the caller's transaction. ``source``: what gives it (``{source_type, source_id}``,
    kept in the publication's metadata and the transaction's details)."""
    held = None
    if kind is not CampaignType.DISCOUNT_COUPONS:
        mine = await uow.vouchers.list(
            ctx.project_id, VoucherQuery(campaign_id=campaign_id, holder_id=holder.id, limit=1)
        )
        held = mine.items[0] if mine.items else None
    publication = None
    if held is None:
        published = await publish_in(
            uow,
            ctx,
            PublishRequest(
                customer=CustomerRef(id=holder.id), campaign=campaign_id, metadata=dict(source)
            ),
        )
        publication = published.publication
        held = published.vouchers[0].voucher
    if kind is CampaignType.DISCOUNT_COUPONS or not amount:
        (voucher,) = await effective(uow, ctx, [held])
        return Given(voucher=voucher, publication=publication)
    added = await change_balance_in(
        uow, ctx, held.code, amount, reason=reason, details={"source": dict(source)}
    )
    return Given(voucher=added.voucher, publication=publication, added=added)
