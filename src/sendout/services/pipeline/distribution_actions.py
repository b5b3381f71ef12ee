"""Running a distribution's action for an event (DESIGN.md §5): the data its messages get.

NOTIFY adds the campaign and its promotion tier; PUBLISH publishes a code from the campaign
to the event's customer first, with a source_id made of the distribution and the event, so
even a re-run of the event could not publish a second code; PLAIN sends the event's own data.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from sendout.domain.campaigns import promotion_tier_object, simple_campaign
from sendout.domain.clock import Clock
from sendout.domain.customers import CustomerRef
from sendout.domain.distributions import Distribution
from sendout.domain.errors import DomainError
from sendout.domain.event_catalogue import Action
from sendout.domain.events import Event
from sendout.domain.ports import UnitOfWork
from sendout.domain.publications import AUTOMATION_CHANNEL
from sendout.services.context import internal_context
from sendout.services.promotions.publications import (
    PublishRequest,
    publication_source_id,
    publish_in,
    with_publication,
)


class ActionFailed(Exception):
    """The action could not run for this event (its reason goes on the send-outs)."""

    def __init__(self, reason: str, details: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


async def run_action(
    uow: UnitOfWork, distribution: Distribution, event: Event, clock: Clock, rng: random.Random
) -> Mapping[str, Any]:
    """The event's data with what the action adds; raises ``ActionFailed``."""
    data = dict(event.data)
    action = distribution.action
    if action.type is Action.PLAIN:
        return data
    ctx = internal_context(event.project_id, event.group_id, clock, rng)
    assert action.campaign_id is not None
    campaign = await uow.campaigns.get(ctx.project_id, action.campaign_id)
    if campaign is None:
        raise ActionFailed("campaign_not_found")
    if action.type is Action.NOTIFY:
        tiers = await uow.campaigns.tiers(ctx.project_id, [campaign.id])
        tier = next((t for t in tiers if t.id == action.promotion_tier_id), None)
        if tier is None:
            raise ActionFailed("promotion_tier_not_found")
        data["campaign"] = simple_campaign(campaign)
        data["promotion_tier"] = promotion_tier_object(tier, campaign)
        return data
    if event.customer_id is None:
        raise ActionFailed("missing_customer")
    source_id = publication_source_id(distribution, event)
    try:
        published = await publish_in(
            uow,
            ctx,
            PublishRequest(
                customer=CustomerRef(id=event.customer_id),
                campaign=campaign.id,
                source_id=source_id,
                channel=AUTOMATION_CHANNEL,
                metadata={
                    "distribution_id": distribution.id,
                    "source_type": "distribution",
                    "source_id": distribution.id,
                },
            ),
        )
    except DomainError as error:
        raise ActionFailed(error.key, error.details) from error
    return with_publication(data, campaign, published)
