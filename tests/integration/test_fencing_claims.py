"""Every other claim kind, against a worker that stalls past its lease (both backends).

The stalled worker is a real service whose unit-of-work factory holds it back at one
point of its work (``StallBefore``) while a second worker, on the clock moved past the
lease, takes the claim over and finishes it. Then the first goes on: what it writes from
its stale claim must change nothing.

- async actions: a step whose fencing token is no longer current rolls back and stops;
- alert emails: a mailer's report whose token is no longer current is not recorded;
- due points items: read again under the card's lock, so a stale candidate is skipped;
- manual-distribution batches: claimed and written in one transaction (nothing to fence:
  two schedulers side by side record each recipient once).
Event batches are claimed and written in one transaction too; the SQLite helper's read-first
path is fenced by its "still undispatched" condition (``test_dispatch.py``:
``test_events_another_dispatcher_took_meanwhile_are_not_sent_twice``).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
from types import TracebackType

from sendout.bootstrap import Container, bootstrap
from sendout.config import Settings
from sendout.domain.async_actions import AsyncStatus
from sendout.domain.campaign_drafts import CampaignDraft
from sendout.domain.campaigns import (
    CampaignKind,
    CampaignType,
    GenerationStatus,
    VoucherTemplate,
    VoucherType,
)
from sendout.domain.codes import parse_code_config
from sendout.domain.customers import Customer, CustomerRef
from sendout.domain.deliveries import EmailMessage, MailResult
from sendout.domain.distributions import (
    ActionSpec,
    Distribution,
    DistributionStatus,
    ManualPlan,
    Trigger,
)
from sendout.domain.event_catalogue import MANUAL, Action
from sendout.domain.notifications import EmailStatus, NotificationQuery, NotificationType
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.services.accounts.notifications import MAIL_LEASE, AlertMailer, raise_notification
from sendout.services.async_jobs import LEASE, AsyncActionRunner
from sendout.services.customers.events import track_custom_event
from sendout.services.loyalty import earning_rules
from sendout.services.loyalty.points_schedule import PointsScheduler
from sendout.services.pipeline.manual import MANUAL_BATCH, ManualScheduler
from sendout.services.promotions.campaigns import create_campaign
from sendout.testing import FakeClock
from tests.factories.projects import card_state, event_types, member, new_project, program_with

CODES = 30


class StallBefore:
    """A unit-of-work factory whose ``n``-th unit of work waits, before it begins, for
    ``meanwhile`` to run: the worker using it is stalled at that point (frozen past its
    lease) while others go on."""

    def __init__(
        self, inner: UnitOfWorkFactory, n: int, meanwhile: Callable[[], Awaitable[None]]
    ) -> None:
        self._inner = inner
        self._n = n
        self._meanwhile = meanwhile
        self._opened = 0

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        self._opened += 1
        uow = self._inner(read_only=read_only)
        if self._opened != self._n:
            return uow
        return _Stalled(uow, self._meanwhile)  # type: ignore[return-value]


class _Stalled:
    def __init__(self, inner: UnitOfWork, meanwhile: Callable[[], Awaitable[None]]) -> None:
        self._inner = inner
        self._meanwhile = meanwhile

    async def __aenter__(self) -> UnitOfWork:
        await self._meanwhile()
        return await self._inner.__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)


async def test_an_async_action_step_from_a_stale_claim_rolls_back_and_stops(
    isolated_container: Container,
) -> None:
    container, clock = isolated_container, FakeClock()
    ctx = await new_project(container, clock)
    campaign, _ = await create_campaign(
        container.uow_factory,
        ctx,
        CampaignDraft(
            name="Fenced",
            campaign_type=CampaignType.DISCOUNT_COUPONS,
            kind=CampaignKind.STATIC,
            template=VoucherTemplate(
                type=VoucherType.DISCOUNT_VOUCHER,
                discount={"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"},
                code_config=parse_code_config({"length": 12}),
            ),
            vouchers_count=CODES,
        ),
    )
    newer = AsyncActionRunner(container.uow_factory, clock, random.Random(2))
    taken_over = 0

    async def lease_runs_out_and_another_worker_finishes() -> None:
        nonlocal taken_over
        clock.advance(LEASE + timedelta(seconds=1))
        taken_over = await newer.run_next()

    # The second unit of work is the first step, after the claim.
    stalled = AsyncActionRunner(
        StallBefore(container.uow_factory, 2, lease_runs_out_and_another_worker_finishes),
        clock,
        random.Random(1),
    )
    assert await stalled.run_next() == 1
    assert taken_over == 1

    async with container.uow_factory() as uow:
        current = await uow.campaigns.get(ctx.project_id, campaign.id)
        (action,) = await uow.async_actions.list(ctx.project_id, 10, None)
        codes = await uow.vouchers.remove_some_of_campaign(ctx.project_id, campaign.id, 1000)
    assert current is not None
    assert (current.creation_status, current.vouchers_count) == (GenerationStatus.DONE, CODES)
    assert (action.status, action.done) == (AsyncStatus.DONE, CODES)
    assert codes == CODES  # generated once, by the newer worker (rolled back above)


class AnsweringMailer:
    def __init__(self, result: MailResult) -> None:
        self.result = result
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> MailResult:
        self.sent.append(message)
        return self.result


async def test_an_alert_email_report_from_a_stale_claim_is_not_recorded(
    isolated_container: Container,
) -> None:
    container, clock = isolated_container, FakeClock()
    ctx = await new_project(container, clock)
    async with container.uow_factory() as uow:
        await uow.projects.set_alert_email(ctx.project_id, "ops@example.com")
        await raise_notification(
            uow,
            project_id=ctx.project_id,
            type=NotificationType.DISTRIBUTION_PAUSED,
            resource=("distribution", "distr_1"),
            title="Paused",
            message="Paused.",
            details={},
            now=clock.now(),
            rng=container.rng,
        )
        await uow.commit()
    newer_mailer = AnsweringMailer(MailResult(sent=True))
    newer = AlertMailer(container.uow_factory, newer_mailer, clock, random.Random(2))

    async def lease_runs_out_and_another_mailer_sends() -> None:
        clock.advance(MAIL_LEASE + timedelta(seconds=1))
        await newer.run_batch()

    stalled_mailer = AnsweringMailer(MailResult(sent=False, error="timed out"))
    # The second unit of work is the report, after the sending.
    stalled = AlertMailer(
        StallBefore(container.uow_factory, 2, lease_runs_out_and_another_mailer_sends),
        stalled_mailer,
        clock,
        random.Random(1),
    )
    await stalled.run_batch()

    assert (len(stalled_mailer.sent), len(newer_mailer.sent)) == (1, 1)
    async with container.uow_factory() as uow:
        (notification,) = (await uow.notifications.list(ctx.project_id, NotificationQuery())).items
    assert (notification.email_status, notification.email_attempts) == (EmailStatus.SENT, 1)
    assert notification.email_error is None
    assert await newer.run_batch() == 0  # nothing left to mail, nor to mail again


async def test_two_manual_schedulers_side_by_side_record_each_recipient_once(
    isolated_container: Container,
) -> None:
    """A manual batch is claimed (FOR UPDATE SKIP LOCKED; SQLite: the write lock) and
    written in one transaction, so no stale writer exists; on PostgreSQL the two really run
    side by side."""
    container, clock = isolated_container, FakeClock()
    ctx = await new_project(container, clock)
    recipients = [f"cust_manual{n}" for n in range(MANUAL_BATCH + 1)]  # two batches
    async with container.uow_factory() as uow:
        for customer_id in recipients:
            await uow.customers.add(
                Customer(id=customer_id, project_id=ctx.project_id, created_at=clock.now())
            )
        await uow.commit()
    # Its action and channels play no part here: the scheduler records the events.
    distribution = Distribution(
        id="distr_manual",
        project_id=ctx.project_id,
        name="Manual",
        status=DistributionStatus.TO_SEND,
        trigger=Trigger(event=MANUAL, parameters={}),
        action=ActionSpec(type=Action.NOTIFY),
        channels=(),
        created_at=clock.now(),
        manual=ManualPlan(customer_ids=tuple(recipients)),
    )
    async with container.uow_factory() as uow:
        await uow.distributions.add(distribution)
        await uow.commit()
    second = bootstrap(Settings(database_url=container.settings.database_url))
    try:
        schedulers = [
            ManualScheduler(c.uow_factory, clock, random.Random(n))
            for n, c in enumerate((container, second))
        ]

        async def drain(scheduler: ManualScheduler) -> int:
            batches = 0
            while await scheduler.run_next():
                batches += 1
            return batches

        assert sum(await asyncio.gather(*(drain(s) for s in schedulers))) == 2
    finally:
        await second.close()
    async with container.uow_factory() as uow:
        done = await uow.distributions.get(ctx.project_id, distribution.id)
        manual = await uow.events.recent(ctx.project_id, MANUAL, 2 * len(recipients))
    assert done is not None
    assert done.status is DistributionStatus.DONE
    assert len(manual) == len({e.customer_id for e in manual}) == len(recipients)


async def test_a_points_item_another_worker_activated_meanwhile_is_skipped(
    isolated_container: Container,
) -> None:
    """Due points items are claimed by a plain read; each is read again under its card's
    lock before it is written, so a worker holding a stale list activates nothing twice."""
    container, clock = isolated_container, FakeClock()
    ctx, program_id = await program_with(container, clock)
    code = await member(container, ctx, program_id, "bob")
    await earning_rules.create_rules(
        container.uow_factory,
        ctx,
        program_id,
        [
            {
                "event": "custom_event",
                "custom_event": {"schema_id": "reviewed"},
                "loyalty": {"type": "FIXED", "points": 40},
                "pending_points": {"period_type": "DAY", "period_value": 1},
            }
        ],
    )
    await track_custom_event(
        container.uow_factory,
        ctx,
        name="reviewed",
        customer=CustomerRef(source_id="bob"),
        metadata={},
    )
    clock.advance(timedelta(days=1))
    newer = PointsScheduler(container.uow_factory, clock, random.Random(2))
    activated_meanwhile = 0

    async def another_worker_activates_it() -> None:
        nonlocal activated_meanwhile
        activated_meanwhile = await newer.activate_due()

    # The first unit of work reads the due items; the second handles the first of them.
    stalled = PointsScheduler(
        StallBefore(container.uow_factory, 2, another_worker_activates_it),
        clock,
        random.Random(1),
    )
    assert await stalled.activate_due() == 0
    assert activated_meanwhile == 1
    state = await card_state(container, ctx, code)
    assert (state["balance"], state["pending_points"]) == (40, 0)
    types = await event_types(container, ctx)
    assert types.count("customer.voucher.loyalty_card.pending_points.activated") == 1
