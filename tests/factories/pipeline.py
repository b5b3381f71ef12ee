"""A dispatcher and a sender over one in-memory database (``sendout.testing``), a fake clock
and a recording transport: the pipeline's services without a database or a socket."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from sendout.domain.channels import ChannelCatalog
from sendout.domain.distributions import (
    ActionSpec,
    Distribution,
    DistributionStatus,
    ManualPlan,
    Trigger,
)
from sendout.domain.event_catalogue import MANUAL, Action
from sendout.domain.events import Event, EventChannel, EventSource
from sendout.domain.retry import RetryPolicy
from sendout.domain.sendouts import Sendout
from sendout.domain.webhook_channels import WebhookChannel
from sendout.services.pipeline.deliver import Deliverer
from sendout.services.pipeline.dispatch import Dispatcher
from sendout.services.pipeline.distributions import create_distribution
from sendout.testing import (
    FakeClock,
    InMemoryUnitOfWorkFactory,
    make_context,
    seeded_rng,
    webhook_distribution_draft,
)
from sendout.testing.transports import RecordingTransport

#: the sender's attempt timeout, in seconds
TIMEOUT = 2.0


class Pipeline:
    """A dispatcher and a sender over one in-memory database, a clock and a transport."""

    def __init__(self) -> None:
        self.db = InMemoryUnitOfWorkFactory()
        self.clock = FakeClock()
        self.http = RecordingTransport()
        self.ctx = make_context(clock=self.clock)
        self.dispatcher = Dispatcher(self.db, self.clock, seeded_rng(1))
        self.deliverer = self.sender()
        self._events = 0

    def sender(self, **options: Any) -> Deliverer:
        return Deliverer(
            self.db, self.http, self.clock, random.Random(2), attempt_timeout=TIMEOUT, **options
        )

    async def distribution(self, url: str, retry: RetryPolicy | None = None) -> Distribution:
        draft = webhook_distribution_draft("signed_up", url, retry=retry)
        return await create_distribution(self.db, self.ctx, draft, catalog=ChannelCatalog())

    async def record(self, count: int = 1, data: Mapping[str, Any] | None = None) -> None:
        """``count`` signed_up events in the outbox, not dispatched yet (``data`` added to
        each event's data)."""
        async with self.db() as uow:
            for _ in range(count):
                self._events += 1
                await uow.events.add(
                    Event(
                        id=f"evcus_{self._events}",
                        project_id=self.ctx.project_id,
                        type="customer.custom_event",
                        customer_id="cust_1",
                        entity_id=None,
                        group_id="v-1",
                        source=EventSource(channel=EventChannel.API),
                        created_at=self.clock.now(),
                        data={
                            "event": {"type": "signed_up"},
                            "customer": {"id": "cust_1"},
                            **(data or {}),
                        },
                    )
                )
            await uow.commit()

    async def event(self, count: int = 1) -> None:
        """``count`` signed_up events, dispatched."""
        await self.record(count)
        assert await self.dispatcher.run_batch() == count

    async def deliver(self, sender: Deliverer | None = None) -> None:
        """One claim, its attempts finished and recorded."""
        sender = sender or self.deliverer
        await sender.run_batch()
        await sender.settle()

    def sendouts(self) -> list[Sendout]:
        return self.db.sendouts()

    def status(self, distribution: Distribution) -> DistributionStatus:
        return self.db.data.distributions[distribution.id].status

    async def manual(self, plan: ManualPlan | None) -> Distribution:
        """A manual NOTIFY distribution waiting to send (``plan``: its recipients), stored as
        created: its campaign and tier are the promotions stores' concern, so the checks of
        ``create_distribution`` that read them are not made."""
        distribution = Distribution(
            id="distr_manual",
            project_id=self.ctx.project_id,
            name="Letter",
            status=DistributionStatus.TO_SEND,
            trigger=Trigger(event=MANUAL),
            action=ActionSpec(type=Action.NOTIFY, campaign_id="camp_1", promotion_tier_id="tier_1"),
            channels=(),
            created_at=self.clock.now(),
            manual=plan,
        )
        async with self.db() as uow:
            await uow.distributions.add(distribution)
            await uow.commit()
        return distribution


def webhook_of(distribution: Distribution) -> WebhookChannel:
    """The one channel of ``distribution``, a webhook."""
    (channel,) = distribution.channels
    assert isinstance(channel, WebhookChannel)
    return channel
