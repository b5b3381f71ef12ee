"""Read models the dashboard's pages need and no other use case offers: each campaign's code
pool with how many of its codes customers hold, and a customer search over the fields the
customer store can match."""

from __future__ import annotations

from dataclasses import dataclass

from sendout.domain.campaigns import Campaign, CampaignQuery, CampaignType
from sendout.domain.customers import Customer, CustomerQuery
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.publications import PublicationQuery
from sendout.domain.vouchers import VoucherQuery
from sendout.services.context import Context
from sendout.services.customers import find_customer

#: Publications read per campaign to count its published codes; beyond this the count is a
#: lower bound (``CampaignCodes.partial``): the stores offer no count of held codes.
MAX_PUBLICATIONS_SCANNED = 5_000
_SCAN_PAGE = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignCodes:
    """A campaign with its code pool: codes that exist, codes customers hold, codes left."""

    campaign: Campaign
    #: None for a campaign without codes (a promotion)
    pool: int | None
    published: int | None
    #: True when ``published`` counts only the first ``MAX_PUBLICATIONS_SCANNED`` publications
    partial: bool = False

    @property
    def left(self) -> int | None:
        if self.pool is None or self.published is None:
            return None
        return max(0, self.pool - self.published)


async def _published(uow: UnitOfWork, ctx: Context, campaign_id: str) -> tuple[int, bool]:
    """How many of the campaign's codes a customer holds: the codes its publications handed
    out that still exist and still have a holder (a publication can carry several codes)."""
    held = 0
    scanned = 0
    number = 1
    while True:
        page = await uow.publications.list(
            ctx.project_id,
            PublicationQuery(limit=_SCAN_PAGE, page=number, campaign_id=campaign_id),
        )
        ids = [voucher_id for p in page.items for voucher_id in p.voucher_ids]
        if ids:
            vouchers = await uow.vouchers.get_many(ctx.project_id, sorted(set(ids)))
            held += sum(
                1 for v in vouchers if v.holder_id is not None and v.campaign_id == campaign_id
            )
        scanned += len(page.items)
        if not page.has_more or not page.items:
            return held, False
        if scanned >= MAX_PUBLICATIONS_SCANNED:
            return held, True
        number += 1


async def campaign_codes(
    uow_factory: UnitOfWorkFactory, ctx: Context, limit: int, page: int
) -> Page[CampaignCodes]:
    """A page of campaigns, newest first, each with its pool, published and left counts."""
    async with uow_factory() as uow:
        found = await uow.campaigns.list(ctx.project_id, CampaignQuery(limit=limit, page=page))
        rows: list[CampaignCodes] = []
        for campaign in found.items:
            if campaign.campaign_type is CampaignType.PROMOTION:
                rows.append(CampaignCodes(campaign=campaign, pool=None, published=None))
                continue
            codes = await uow.vouchers.list(
                ctx.project_id, VoucherQuery(limit=1, campaign_id=campaign.id)
            )
            pool = codes.total if codes.total is not None else campaign.vouchers_count
            published, partial = await _published(uow, ctx, campaign.id)
            rows.append(
                CampaignCodes(campaign=campaign, pool=pool, published=published, partial=partial)
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
