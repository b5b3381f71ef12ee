"""A campaign's summary and its voucher transactions (``GET /v1/campaigns/{id}/summary`` and
``…/transactions``): read back from what the other use cases stored."""

from __future__ import annotations

from dataclasses import dataclass

from sendout.domain.balances import TransactionQuery, VoucherTransaction
from sendout.domain.campaign_summary import CampaignFigures, SummaryWindow
from sendout.domain.campaigns import Campaign, PromotionTier
from sendout.domain.errors import InvalidQuery
from sendout.domain.ports import Page, UnitOfWorkFactory
from sendout.services.context import Context
from sendout.services.promotions.campaigns import require_campaign


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignSummary:
    campaign: Campaign
    tiers: list[PromotionTier]
    figures: CampaignFigures


async def campaign_summary(
    uow_factory: UnitOfWorkFactory, ctx: Context, id_or_name: str, window: SummaryWindow
) -> CampaignSummary:
    """The campaign's figures over what was created in ``window`` (all time by default)."""
    if window.after is not None and window.before is not None and window.before <= window.after:
        raise InvalidQuery(details="end_date must not be before start_date")
    async with uow_factory() as uow:
        campaign = await require_campaign(uow, ctx, id_or_name)
        tiers = list(await uow.campaigns.tiers(ctx.project_id, [campaign.id]))
        figures = await uow.campaign_figures.figures(ctx.project_id, campaign.id, window)
    return CampaignSummary(campaign=campaign, tiers=tiers, figures=figures)


async def campaign_transactions(
    uow_factory: UnitOfWorkFactory, ctx: Context, id_or_name: str, query: TransactionQuery
) -> Page[VoucherTransaction]:
    """Every credit or point move of the campaign's codes (cursor), gift cards' and loyalty
    cards' alike."""
    async with uow_factory() as uow:
        campaign = await require_campaign(uow, ctx, id_or_name)
        return await uow.transactions.list_for_campaign(ctx.project_id, campaign.id, query)
