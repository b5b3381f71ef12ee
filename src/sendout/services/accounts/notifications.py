"""Notifications: raised where things fail, listed and marked read, mailed by the worker."""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sendout.domain.clock import Clock
from sendout.domain.deliveries import EmailMessage, Mailer
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.ids import IdPrefix, fencing_token, new_id
from sendout.domain.notifications import (
    EmailStatus,
    Notification,
    NotificationQuery,
    NotificationType,
    alert_email,
)
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.services.context import Context

log = logging.getLogger("sendout.worker")

MAIL_BATCH = 20
MAIL_LEASE = timedelta(seconds=60)
MAIL_RETRIES = 5
#: An alert older than this is not mailed (SMTP configured long after it was raised).
MAIL_MAX_AGE = timedelta(hours=24)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def raise_notification(
    uow: UnitOfWork,
    *,
    project_id: str,
    type: NotificationType,
    resource: tuple[str, str],
    title: str,
    message: str,
    details: Mapping[str, Any],
    now: datetime,
    rng: random.Random,
) -> bool:
    """Record a notification in the caller's transaction (unless an unread one says the
    same about the same resource); answers whether it was recorded."""
    added = await uow.notifications.add_unless_unread(
        Notification(
            id=new_id(IdPrefix.NOTIFICATION, rng),
            project_id=project_id,
            type=type,
            title=title,
            message=message,
            resource_type=resource[0],
            resource_id=resource[1],
            details=details,
            created_at=now,
        )
    )
    if added:
        log.warning("notification %s for %s %s: %s", type.value, *resource, message)
    return added


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationList:
    page: Page[Notification]
    unread: int


async def list_notifications(
    uow_factory: UnitOfWorkFactory, ctx: Context, query: NotificationQuery
) -> NotificationList:
    async with uow_factory() as uow:
        page = await uow.notifications.list(ctx.project_id, query)
        unread = await uow.notifications.unread_count(ctx.project_id)
    return NotificationList(page=page, unread=unread)


async def unread_count(uow_factory: UnitOfWorkFactory, ctx: Context) -> int:
    async with uow_factory() as uow:
        return await uow.notifications.unread_count(ctx.project_id)


async def mark_read(
    uow_factory: UnitOfWorkFactory, ctx: Context, notification_ids: Collection[str] | None
) -> int:
    """Mark notifications read (None: every unread one); a named one must exist."""
    async with uow_factory() as uow:
        for notification_id in notification_ids or ():
            if await uow.notifications.get(ctx.project_id, notification_id) is None:
                raise NotFound.of("notification", notification_id)
        changed = await uow.notifications.mark_read(ctx.project_id, notification_ids, ctx.now())
        await uow.commit()
    return changed


async def get_notification(
    uow_factory: UnitOfWorkFactory, ctx: Context, notification_id: str
) -> Notification:
    async with uow_factory() as uow:
        found = await uow.notifications.get(ctx.project_id, notification_id)
    if found is None:
        raise NotFound.of("notification", notification_id)
    return found


async def get_alert_email(uow_factory: UnitOfWorkFactory, ctx: Context) -> str | None:
    async with uow_factory() as uow:
        project = await uow.projects.get(ctx.project_id)
    return None if project is None else project.alert_email


async def set_alert_email(
    uow_factory: UnitOfWorkFactory, ctx: Context, alert_email: str | None
) -> None:
    if alert_email is not None and (len(alert_email) > 254 or not _EMAIL.match(alert_email)):
        raise InvalidPayload(details="alert_email: not an email address", key="invalid_payload")
    async with uow_factory() as uow:
        await uow.projects.set_alert_email(ctx.project_id, alert_email)
        await uow.commit()


class AlertMailer:
    """The worker's mailer: each pending notification to its project's alert address.

    Only workers with SMTP configured run it: a worker that cannot mail leaves the queue to
    one that can (without SMTP anywhere, notifications stay in-app, their email PENDING).

    Claimed under a lease and sent with no transaction open (an SMTP exchange must not hold
    the database), then reported; a failed send is retried with a growing delay. The claim
    writes a fencing token and the report counts only while it is current: a mailer that
    stalled past its lease while another took the email over changes nothing.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        mailer: Mailer,
        clock: Clock,
        rng: random.Random,
        *,
        default_address: str | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._mailer = mailer
        self._clock = clock
        self._rng = rng
        self._default_address = default_address

    async def run_batch(self) -> int:
        now = self._clock.now()
        outgoing: list[tuple[Notification, EmailMessage]] = []
        token = fencing_token(self._rng)
        async with self._uow_factory() as uow:
            due = await uow.notifications.due_emails(now, MAIL_BATCH)
            for notification in due:
                message = await self._message(uow, notification, now)
                if message is None:
                    continue
                await uow.notifications.lease_email(notification.id, now + MAIL_LEASE, token)
                outgoing.append((notification, message))
            await uow.commit()
        if not outgoing:
            return len(due)
        results = [await self._mailer.send(message) for _, message in outgoing]
        async with self._uow_factory() as uow:
            for (notification, _), result in zip(outgoing, results, strict=True):
                attempts = notification.email_attempts + 1
                retry = not result.sent and not result.final and attempts < MAIL_RETRIES
                status = (
                    EmailStatus.SENT
                    if result.sent
                    else (EmailStatus.PENDING if retry else EmailStatus.FAILED)
                )
                reported = await uow.notifications.report_email(
                    replace(
                        notification,
                        email_status=status,
                        email_attempts=attempts,
                        email_error=result.error,
                    ),
                    now + timedelta(minutes=2**attempts) if retry else None,
                    token,
                )
                if not reported:
                    log.warning(
                        "notification %s: email reported after another mailer took it over; "
                        "not recorded",
                        notification.id,
                    )
            await uow.commit()
        return len(due)

    async def _message(
        self, uow: UnitOfWork, notification: Notification, now: datetime
    ) -> EmailMessage | None:
        """The email to send, or None after recording why none goes out."""
        project = await uow.projects.get(notification.project_id)
        address = (project.alert_email if project else None) or self._default_address
        skipped = (
            "no alert address (project alert_email or SENDOUT_ALERT_EMAIL)"
            if address is None
            else "raised more than 24 hours before it could be mailed"
            if now - notification.created_at > MAIL_MAX_AGE
            else None
        )
        if skipped is not None or address is None or project is None:
            await uow.notifications.update_email(
                replace(notification, email_status=EmailStatus.SKIPPED, email_error=skipped),
                None,
            )
            return None
        subject, text = alert_email(notification, project.name)
        return EmailMessage(to=address, subject=subject, text=text)
