"""A manual distribution's batch sent where it is recorded: events, codes and send-outs in a
few statements for the whole batch.

Each recipient still gets a ``manual_distribution_schedule`` event, and with PUBLISH a code
published as the dispatcher would publish it (same source_id, channel, metadata and
``customer.publication.succeeded`` event), but the batch's codes are claimed in one statement
(``claim_codes``: no code with a holder, none another transaction holds locked), the
publications, events and send-outs are inserted a batch at a time, and the events are written
dispatched, so the dispatcher never reads them back one by one. The publication events are
written dispatched too when nothing listens to them in the project (no distribution on that
event, no project webhook); otherwise the dispatcher takes them as usual.

Everything commits in the manual batch's transaction, with the distribution's progress: a
crash before the commit leaves nothing (no code held, nothing published), after it the batch
is done. Recipients this path does not serve (a campaign short of codes or making them one by
one, one code per customer, a customer twice in a batch, a NOTIFY action) get their event
written undispatched, for the dispatcher's path, which handles each case (and pauses the
distribution when the campaign is out of codes).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from sendout.domain.campaigns import Campaign
from sendout.domain.channels import ChannelCatalog, MessageChannel
from sendout.domain.customers import Customer
from sendout.domain.distributions import Distribution
from sendout.domain.event_catalogue import PROJECT_EVENT_OF, Action
from sendout.domain.events import Event, EventType
from sendout.domain.ports import UnitOfWork
from sendout.domain.publications import AUTOMATION_CHANNEL
from sendout.domain.sendouts import Sendout
from sendout.services.context import Context
from sendout.services.customers.customers import with_full_customer
from sendout.services.pipeline.sendout_making import SendoutMaker
from sendout.services.promotions.publications import (
    claim_codes,
    publication_source_id,
    publish_claimed,
    with_publication,
)

ANNOUNCED = EventType.PUBLICATION_SUCCEEDED.value


class ManualSends:
    def __init__(self, rng: random.Random, catalog: ChannelCatalog) -> None:
        self._maker = SendoutMaker(rng, catalog)

    async def send(
        self,
        uow: UnitOfWork,
        ctx: Context,
        distribution: Distribution,
        recipients: Sequence[tuple[Event, Customer]],
    ) -> str | None:
        """Write the batch's events (one per recipient) and what they make; answers the id of
        an event whose message was too large to send, if any (the caller pauses the
        distribution, once its progress is written)."""
        now = ctx.now()
        events = [event for event, _ in recipients]
        campaign = await self._campaign(uow, ctx, distribution)
        served = _first_of_each_customer(recipients) if campaign is not None else []
        claimed = await claim_codes(uow, ctx, campaign, [c for _, c in served]) if campaign else {}
        served = [(event, customer) for event, customer in served if customer.id in claimed]
        sent = {event.id for event, _ in served}
        await uow.events.add_many([e for e in events if e.id in sent], now)
        await uow.events.add_many([e for e in events if e.id not in sent], None)
        if not served or campaign is None:
            return None
        published = await publish_claimed(
            uow,
            ctx,
            campaign,
            [
                (customer, claimed[customer.id], publication_source_id(distribution, event))
                for event, customer in served
            ],
            channel=AUTOMATION_CHANNEL,
            metadata={
                "distribution_id": distribution.id,
                "source_type": "distribution",
                "source_id": distribution.id,
            },
            announced_at=None if await _announcements_heard(uow, ctx) else now,
        )
        outbox: list[Sendout] = []
        too_large = None
        messages = any(isinstance(c, MessageChannel) for c in distribution.channels)
        for (event, _), publication in zip(served, published, strict=True):
            data = with_publication(event.data, campaign, publication)
            message_data: Mapping[str, Any] = (
                await with_full_customer(uow, ctx.project_id, event.customer_id, data)
                if messages
                else data
            )
            sendouts, large = self._maker.for_channels(
                distribution, event, data, message_data, None, now
            )
            outbox.extend(sendouts)
            if large and too_large is None:
                too_large = event.id
        await uow.sendouts.add_many(outbox)
        return too_large

    async def _campaign(
        self, uow: UnitOfWork, ctx: Context, distribution: Distribution
    ) -> Campaign | None:
        """The campaign a PUBLISH distribution publishes from (None: not served here)."""
        action = distribution.action
        if action.type is not Action.PUBLISH or action.campaign_id is None:
            return None
        return await uow.campaigns.get(ctx.project_id, action.campaign_id)


def _first_of_each_customer(
    recipients: Sequence[tuple[Event, Customer]],
) -> list[tuple[Event, Customer]]:
    """The recipients this path serves: the first event of each customer (a customer listed
    twice gets a second code the dispatcher's way)."""
    seen: set[str] = set()
    served = []
    for event, customer in recipients:
        if customer.id not in seen:
            seen.add(customer.id)
            served.append((event, customer))
    return served


async def _announcements_heard(uow: UnitOfWork, ctx: Context) -> bool:
    """Whether a distribution or a project webhook of the project may listen to
    ``customer.publication.succeeded`` (then the dispatcher handles those events)."""
    if await uow.distributions.active_for(ctx.project_id, ANNOUNCED):
        return True
    project_event = PROJECT_EVENT_OF[ANNOUNCED]
    return any(w.listens_to(project_event) for w in await uow.webhooks.sending_for(ctx.project_id))
