"""Notifications on the in-memory fakes: raised once per unread resource, listed and marked
read, mailed by the worker under a fenced claim, retried, skipped when they cannot go."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sendout.domain.deliveries import EmailMessage, MailResult
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.notifications import EmailStatus, Notification, NotificationQuery
from sendout.domain.notifications import NotificationType as Type
from sendout.services.accounts import notifications as svc
from sendout.services.accounts.projects import create_project
from sendout.services.context import Context
from sendout.testing import FakeClock, InMemoryUnitOfWorkFactory, make_context, seeded_rng


class Outbox:
    """A ``Mailer`` that records each message and answers with the next scripted result."""

    def __init__(self, *results: MailResult) -> None:
        self.results = list(results)
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> MailResult:
        self.sent.append(message)
        return self.results.pop(0) if self.results else MailResult(sent=True)


async def project_context(uow: InMemoryUnitOfWorkFactory, clock: FakeClock) -> Context:
    issued = await create_project(uow, clock, seeded_rng(5), "Shop")
    return make_context(issued.project.id, clock=clock)


async def raise_one(
    uow: InMemoryUnitOfWorkFactory,
    ctx: Context,
    resource_id: str,
    type: Type = Type.CODES_EXHAUSTED,
) -> bool:
    async with uow() as work:
        added = await svc.raise_notification(
            work,
            project_id=ctx.project_id,
            type=type,
            resource=("campaign", resource_id),
            title="No codes left",
            message=f"{resource_id} ran out",
            details={},
            now=ctx.now(),
            rng=ctx.rng,
        )
        await work.commit()
    return added


def only(uow: InMemoryUnitOfWorkFactory) -> Notification:
    (notification,) = uow.data.notifications
    return notification


async def test_an_unread_notification_is_not_raised_twice(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    assert await raise_one(uow, ctx, "camp_1")
    assert not await raise_one(uow, ctx, "camp_1")
    assert await raise_one(uow, ctx, "camp_1", Type.DISTRIBUTION_PAUSED)  # another type
    assert await raise_one(uow, ctx, "camp_2")
    assert await svc.mark_read(uow, ctx, None) == 3
    assert await raise_one(uow, ctx, "camp_1")  # the earlier one was read
    assert await svc.unread_count(uow, ctx) == 1


async def test_notifications_are_listed_newest_first_with_the_unread_count(
    uow: InMemoryUnitOfWorkFactory, ctx: Context, clock: FakeClock
) -> None:
    clock.step = timedelta(seconds=1)
    for n in range(3):
        await raise_one(uow, ctx, f"camp_{n}")
    first = uow.data.notifications[0]
    assert await svc.mark_read(uow, ctx, [first.id]) == 1
    listed = await svc.list_notifications(uow, ctx, NotificationQuery(limit=2))
    assert [n.resource_id for n in listed.page.items] == ["camp_2", "camp_1"]
    assert (listed.page.total, listed.page.has_more, listed.unread) == (3, True, 2)
    read = await svc.list_notifications(uow, ctx, NotificationQuery(unread=False))
    assert [n.id for n in read.page.items] == [first.id]
    assert (await svc.get_notification(uow, ctx, first.id)).read_at is not None


async def test_an_unknown_notification_is_not_found(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    await raise_one(uow, ctx, "camp_1")
    with pytest.raises(NotFound):
        await svc.mark_read(uow, ctx, [only(uow).id, "ntf_nope"])
    assert await svc.unread_count(uow, ctx) == 1  # nothing marked
    with pytest.raises(NotFound):
        await svc.get_notification(uow, make_context("proj_other"), only(uow).id)


async def test_the_alert_address_must_be_an_email_address(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock
) -> None:
    ctx = await project_context(uow, clock)
    assert await svc.get_alert_email(uow, ctx) is None
    await svc.set_alert_email(uow, ctx, "ops@shop.test")
    assert await svc.get_alert_email(uow, ctx) == "ops@shop.test"
    with pytest.raises(InvalidPayload):
        await svc.set_alert_email(uow, ctx, "not an address")
    await svc.set_alert_email(uow, ctx, None)
    assert await svc.get_alert_email(uow, ctx) is None


def mailer(uow: InMemoryUnitOfWorkFactory, clock: FakeClock, outbox: Outbox) -> svc.AlertMailer:
    return svc.AlertMailer(uow, outbox, clock, seeded_rng(9), default_address="default@x.test")


async def test_a_notification_is_mailed_once_to_the_projects_address(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock
) -> None:
    ctx = await project_context(uow, clock)
    await svc.set_alert_email(uow, ctx, "ops@shop.test")
    await raise_one(uow, ctx, "camp_1")
    outbox = Outbox()
    assert await mailer(uow, clock, outbox).run_batch() == 1
    assert [m.to for m in outbox.sent] == ["ops@shop.test"]
    assert (only(uow).email_status, only(uow).email_attempts) == (EmailStatus.SENT, 1)
    assert await mailer(uow, clock, outbox).run_batch() == 0


async def test_a_failed_send_is_retried_later_then_given_up(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock
) -> None:
    ctx = await project_context(uow, clock)
    await raise_one(uow, ctx, "camp_1")
    down = MailResult(sent=False, error="421 try later")
    outbox = Outbox(*[down] * svc.MAIL_RETRIES)
    assert await mailer(uow, clock, outbox).run_batch() == 1
    assert [m.to for m in outbox.sent] == ["default@x.test"]
    assert (only(uow).email_status, only(uow).email_error) == (EmailStatus.PENDING, "421 try later")
    assert await mailer(uow, clock, outbox).run_batch() == 0  # not due yet
    for attempt in range(2, svc.MAIL_RETRIES + 1):
        clock.advance(timedelta(minutes=2**attempt))
        assert await mailer(uow, clock, outbox).run_batch() == 1
    assert (only(uow).email_status, only(uow).email_attempts) == (
        EmailStatus.FAILED,
        svc.MAIL_RETRIES,
    )


async def test_a_refused_address_is_not_retried(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock
) -> None:
    ctx = await project_context(uow, clock)
    await raise_one(uow, ctx, "camp_1")
    outbox = Outbox(MailResult(sent=False, error="550 no such user", final=True))
    await mailer(uow, clock, outbox).run_batch()
    assert only(uow).email_status is EmailStatus.FAILED


async def test_an_alert_that_cannot_go_is_skipped_with_the_reason(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock
) -> None:
    ctx = await project_context(uow, clock)
    await raise_one(uow, ctx, "camp_1")
    outbox = Outbox()
    nowhere = svc.AlertMailer(uow, outbox, clock, seeded_rng(9))
    assert await nowhere.run_batch() == 1
    assert only(uow).email_status is EmailStatus.SKIPPED
    assert "no alert address" in (only(uow).email_error or "")
    await svc.mark_read(uow, ctx, None)
    await raise_one(uow, ctx, "camp_2")
    clock.advance(svc.MAIL_MAX_AGE + timedelta(minutes=1))
    await mailer(uow, clock, outbox).run_batch()
    assert "24 hours" in (uow.data.notifications[-1].email_error or "")
    assert outbox.sent == []


class TakenOverWhileSending:
    """A ``Mailer`` during whose send another mailer claims every email."""

    def __init__(self, uow: InMemoryUnitOfWorkFactory) -> None:
        self.uow = uow

    async def send(self, message: EmailMessage) -> MailResult:
        async with self.uow() as work:
            for notification in self.uow.data.notifications:
                await work.notifications.lease_email(
                    notification.id, notification.created_at, "lease_other"
                )
            await work.commit()
        return MailResult(sent=False, error="timed out")


async def test_a_report_after_another_mailer_took_over_changes_nothing(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock
) -> None:
    ctx = await project_context(uow, clock)
    await raise_one(uow, ctx, "camp_1")
    slow = svc.AlertMailer(
        uow, TakenOverWhileSending(uow), clock, seeded_rng(9), default_address="a@x.test"
    )
    assert await slow.run_batch() == 1
    assert (only(uow).email_status, only(uow).email_attempts) == (EmailStatus.PENDING, 0)
