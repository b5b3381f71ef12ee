"""Read models the dashboard's pages need and no other use case offers: each campaign's code
pool with how many of its codes customers hold, and a customer search over the fields the
customer store can match."""

from __future__ import annotations

from dataclasses import dataclass

from sendout.domain.campaigns import Campaign, CampaignQuery, CampaignType
from sendout.domain.customers import Customer, CustomerQuery
from sendout.domain.ports import Page, UnitOfWorkFactory
from sendout.domain.vouchers import VoucherQuery
from sendout.services.context import Context
from sendout.services.customers.customers import find_customer


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignCodes:
    """A campaign with its code pool: codes that exist, codes customers hold, codes left."""

    campaign: Campaign
    #: None for a campaign without codes (a promotion)
    pool: int | None
    published: int | None
    left: int | None


async def campaign_codes(
    uow_factory: UnitOfWorkFactory, ctx: Context, limit: int, page: int
) -> Page[CampaignCodes]:
    """A page of campaigns, newest first, each with its pool, published and left counts."""
    async with uow_factory() as uow:
        found = await uow.campaigns.list(ctx.project_id, CampaignQuery(limit=limit, page=page))
        with_codes = [c for c in found.items if c.campaign_type is not CampaignType.PROMOTION]
        free = await uow.vouchers.count_free(ctx.project_id, [c.id for c in with_codes])
        rows: list[CampaignCodes] = []
        for campaign in found.items:
            if campaign.campaign_type is CampaignType.PROMOTION:
                rows.append(CampaignCodes(campaign=campaign, pool=None, published=None, left=None))
                continue
            codes = await uow.vouchers.list(
                ctx.project_id, VoucherQuery(limit=1, campaign_id=campaign.id)
            )
            pool = codes.total if codes.total is not None else campaign.vouchers_count
            left = free.get(campaign.id, 0)
            rows.append(
                CampaignCodes(campaign=campaign, pool=pool, published=pool - left, left=left)
            )
        return Page(items=rows, total=found.total, has_more=found.has_more)


async def search_customers(
    uow_factory: UnitOfWorkFactory, ctx: Context, text: str | None, limit: int, page: int
) -> Page[Customer]:
    """Customers, newest first; with ``text``, those whose id or source_id, email or name is
    exactly ``text`` (the customer store matches whole values, not parts)."""
    async with uow_factory() as uow:
        if not text:
            return await uow.customers.list(ctx.project_id, CustomerQuery(limit=limit, page=page))
        by_key = await find_customer(uow, ctx, text) if page == 1 else None
        by_email = await uow.customers.list(
            ctx.project_id, CustomerQuery(limit=limit, page=page, email=text)
        )
        by_name = await uow.customers.list(
            ctx.project_id, CustomerQuery(limit=limit, page=page, name=text)
        )
    seen: set[str] = set()
    items: list[Customer] = []
    for customer in ([by_key] if by_key else []) + list(by_email.items) + list(by_name.items):
        if customer.id not in seen:
            seen.add(customer.id)
            items.append(customer)
    return Page(items=items, total=None, has_more=by_email.has_more or by_name.has_more)
