"""Program notifications: distributions attached while creating a loyalty or referral program
(seeds 001 and 002), each a webhook on one of the program's moments:

- loyalty: a card published (``card_published``), points gained (``points_gained``), a reward
  redeemed (``reward_redeemed``);
- referral: a code published to a referrer (``code_published``), a referee converted
  (``customer_referred``), a referrer or referee rewarded (``rewarded``).

They are ordinary distributions, triggered by the program's events (``campaign_id``), listed
and managed under ``/v1/distributions``. ``create_campaign`` makes the campaign and its
notifications in one transaction: they are checked before anything is written, and one that
still fails (a reference the store refuses) leaves no campaign behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sendout.domain.campaign_drafts import CampaignDraft
from sendout.domain.campaigns import Campaign, CampaignType, PromotionTier
from sendout.domain.channels import ChannelCatalog
from sendout.domain.distribution_checks import check_distribution
from sendout.domain.distributions import ActionSpec, Distribution, DistributionStatus, Trigger
from sendout.domain.errors import InvalidPayload, invalid_field
from sendout.domain.event_catalogue import Action
from sendout.domain.events import EventType
from sendout.domain.ports import UnitOfWorkFactory
from sendout.services.context import Context
from sendout.services.pipeline.distributions import (
    AnyChannelDraft,
    DistributionDraft,
    add_distribution,
    build_channels,
)
from sendout.services.promotions.campaigns import add_campaign, check_campaign_draft
from sendout.services.retries import retry_on_conflict

MOMENTS: dict[CampaignType, dict[str, EventType]] = {
    CampaignType.LOYALTY_PROGRAM: {
        "card_published": EventType.PUBLICATION_SUCCEEDED,
        "points_gained": EventType.REWARDED_LOYALTY_POINTS,
        "reward_redeemed": EventType.REWARD_REDEMPTION_COMPLETED,
    },
    CampaignType.REFERRAL_PROGRAM: {
        "code_published": EventType.PUBLICATION_SUCCEEDED,
        "customer_referred": EventType.CUSTOMER_REFERRED,
        "rewarded": EventType.REWARDED,
    },
}
#: the campaign id checks run with before the program (and its id) exists
_NOT_YET = "camp_to_be_created"


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationRequest:
    on: str
    name: str | None
    channels: tuple[AnyChannelDraft, ...]


def _drafts(
    kind: CampaignType, campaign_id: str, requests: Sequence[NotificationRequest]
) -> list[DistributionDraft]:
    moments = MOMENTS.get(kind)
    if requests and moments is None:
        raise invalid_field("only loyalty and referral programs have them", "notifications")
    drafts = []
    for n, request in enumerate(requests):
        event = (moments or {}).get(request.on)
        if event is None:
            raise invalid_field(f"on: one of {', '.join(moments or {})}", f"notifications[{n}]")
        drafts.append(
            DistributionDraft(
                name=request.name or f"{request.on.replace('_', ' ').capitalize()}",
                status=DistributionStatus.ACTIVE,
                trigger=Trigger(event=event.value, parameters={"campaign_id": campaign_id}),
                action=ActionSpec(type=Action.PLAIN),
                channels=request.channels,
            )
        )
    return drafts


def check(
    ctx: Context,
    kind: CampaignType,
    requests: Sequence[NotificationRequest],
    catalog: ChannelCatalog,
) -> None:
    """Refuse bad notifications before the program is created."""
    for draft in _drafts(kind, _NOT_YET, requests):
        channels = build_channels(ctx, draft.channels)
        check_distribution(draft.trigger, draft.action, channels, catalog=catalog)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreatedCampaign:
    campaign: Campaign
    tiers: list[PromotionTier]
    notifications: list[Distribution]


async def create_campaign(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    draft: CampaignDraft,
    requests: Sequence[NotificationRequest],
    catalog: ChannelCatalog,
    *,
    only: CampaignType | None = None,
) -> CreatedCampaign:
    """``POST /v1/campaigns`` (and ``/v1/loyalties``, ``only`` loyalty programs): the campaign
    and its notifications' distributions, in one transaction."""
    check(ctx, draft.campaign_type, requests, catalog)
    if only is not None and draft.campaign_type is not only:
        raise InvalidPayload(
            details=f"campaign_type must be {only.value}", key="invalid_campaign_params"
        )
    check_campaign_draft(draft)

    async def attempt() -> CreatedCampaign:
        async with uow_factory() as uow:
            campaign, tiers = await add_campaign(uow, ctx, draft)
            made = [
                await add_distribution(uow, ctx, notification, catalog=catalog)
                for notification in _drafts(campaign.campaign_type, campaign.id, requests)
            ]
            await uow.commit()
        return CreatedCampaign(campaign=campaign, tiers=tiers, notifications=made)

    return await retry_on_conflict(attempt)
