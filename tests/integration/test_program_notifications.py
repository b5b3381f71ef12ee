"""A program and its notifications are made in one transaction: when a notification cannot be
saved, no campaign is left behind (nor any of its distributions)."""

from __future__ import annotations

import random

import pytest

from sendout.adapters.db.distribution_stores import SqlDistributionStore
from sendout.bootstrap import Container
from sendout.domain.campaign_drafts import CampaignDraft
from sendout.domain.campaigns import CampaignKind, CampaignQuery, CampaignType
from sendout.domain.distributions import Distribution, DistributionQuery
from sendout.services.accounts.projects import create_project
from sendout.services.loyalty.program_notifications import NotificationRequest, create_campaign
from sendout.services.pipeline.distributions import ChannelDraft
from sendout.testing import FakeClock, make_context


def points_gained(url: str) -> NotificationRequest:
    channel = ChannelDraft(
        event_name="points", url=url, headers={}, payload=None, attributes=(), raw_payload=False
    )
    return NotificationRequest(on="points_gained", name=None, channels=(channel,))


def draft() -> CampaignDraft:
    return CampaignDraft(
        name="Club", campaign_type=CampaignType.LOYALTY_PROGRAM, kind=CampaignKind.AUTO_UPDATE
    )


async def test_a_notification_that_fails_leaves_no_campaign(
    isolated_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    container, clock = isolated_container, FakeClock()
    issued = await create_project(container.uow_factory, clock, random.Random(1), "notified")
    ctx = make_context(issued.project.id, clock=clock)
    requests = [points_gained("https://example.com/a"), points_gained("https://example.com/b")]
    saved: list[str] = []

    async def add_then_fail(self: SqlDistributionStore, distribution: Distribution) -> None:
        # The first notification is written, the second fails: both must go with the campaign.
        if saved:
            raise RuntimeError("the store refused the second notification")
        saved.append(distribution.id)
        await original(self, distribution)

    original = SqlDistributionStore.add
    monkeypatch.setattr(SqlDistributionStore, "add", add_then_fail)
    with pytest.raises(RuntimeError):
        await create_campaign(container.uow_factory, ctx, draft(), requests, container.channels)
    monkeypatch.undo()

    assert saved  # the failure came after the campaign and one notification were written
    async with container.uow_factory() as uow:
        campaigns = await uow.campaigns.list(ctx.project_id, CampaignQuery(limit=10, page=1))
        distributions = await uow.distributions.list(ctx.project_id, DistributionQuery())
    assert campaigns.items == []
    assert distributions.items == []

    made = await create_campaign(container.uow_factory, ctx, draft(), requests, container.channels)
    assert [d.trigger.parameters["campaign_id"] for d in made.notifications] == [
        made.campaign.id
    ] * 2
