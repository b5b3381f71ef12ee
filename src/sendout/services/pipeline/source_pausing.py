"""The one place a source of send-outs is stopped and its project told so.

A distribution is paused (``paused_reason`` says why) and a project webhook disabled, as
Voucherify does, until a person turns it back on; a notification says what happened. Two
things stop a source: a send-out whose retries ran out (the sender) and an action that
could not run, e.g. a campaign out of codes (the dispatcher). Never a stale report of an
attempt: the sender calls this only for outcomes its claim's fencing token still covers.
"""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from datetime import datetime

from sendout.domain.distributions import (
    PAUSED_ACTION_FAILED,
    PAUSED_DELIVERY_FAILED,
    Distribution,
    DistributionStatus,
)
from sendout.domain.notifications import NotificationType
from sendout.domain.ports import UnitOfWork
from sendout.domain.sendouts import Sendout, SourceKind
from sendout.domain.webhooks import DISABLED_DELIVERY_FAILED
from sendout.services.accounts.notifications import raise_notification
from sendout.services.pipeline.sendout_logging import sendout_log_fields
from sendout.services.promotions.publications import OUT_OF_CODES

log = logging.getLogger("sendout.worker")


async def stop_after_delivery_failure(
    uow: UnitOfWork, sendout: Sendout, reason: str, now: datetime, rng: random.Random
) -> None:
    """A send-out's retries ran out: its source stops (distribution paused, project webhook
    disabled) and the project is told."""
    count = sendout.attempts_count
    failed = (
        f"A send-out to {sendout.url} failed after {count} "
        f"attempt{'' if count == 1 else 's'} ({reason})."
    )
    details = {"sendout_id": sendout.id, "url": sendout.url, "reason": reason}
    if sendout.source.kind is SourceKind.WEBHOOK:
        webhook = await uow.webhooks.get(sendout.project_id, sendout.source.id)
        if webhook is None:
            return
        if webhook.active:
            log.warning(
                "webhook %s disabled: send-out %s failed",
                webhook.id,
                sendout.id,
                extra=sendout_log_fields(sendout),
            )
            await uow.webhooks.update(
                replace(
                    webhook, active=False, disabled_reason=DISABLED_DELIVERY_FAILED, updated_at=now
                )
            )
        await raise_notification(
            uow,
            project_id=sendout.project_id,
            type=NotificationType.WEBHOOK_DISABLED,
            resource=("webhook", webhook.id),
            title=f"Project webhook to {webhook.target_url} disabled",
            message=f"{failed} The webhook is disabled; its messages are held until it is enabled.",
            details=details,
            now=now,
            rng=rng,
        )
        return
    distribution = await uow.distributions.get(sendout.project_id, sendout.source.id)
    if distribution is None:
        return
    if await _pause(uow, distribution, PAUSED_DELIVERY_FAILED, now):
        log.warning(
            "distribution %s paused: send-out %s failed",
            distribution.id,
            sendout.id,
            extra=sendout_log_fields(sendout),
        )
    await raise_notification(
        uow,
        project_id=sendout.project_id,
        type=NotificationType.DISTRIBUTION_PAUSED,
        resource=("distribution", distribution.id),
        title=f"Distribution {distribution.name!r} paused",
        message=(
            f"{failed} The distribution is paused and new send-outs are held until it is set "
            "live again."
            if distribution.manual is None
            else failed
        ),
        details=details,
        now=now,
        rng=rng,
    )


async def pause_after_action_failure(
    uow: UnitOfWork,
    distribution: Distribution,
    event_id: str,
    reason: str,
    details: str | None,
    now: datetime,
    rng: random.Random,
) -> None:
    """The action or a payload failed for an event: the distribution stops, so one broken
    setup cannot fail event after event, and the project is told (a campaign out of codes
    has its own notification, about the campaign)."""
    log.warning(
        "distribution %s paused after event %s: %s",
        distribution.id,
        event_id,
        reason,
        extra={"project_id": distribution.project_id, "distribution_id": distribution.id},
    )
    await _pause(uow, distribution, PAUSED_ACTION_FAILED, now)
    exhausted = reason == OUT_OF_CODES
    campaign_id = distribution.action.campaign_id
    await raise_notification(
        uow,
        project_id=distribution.project_id,
        type=(
            NotificationType.CODES_EXHAUSTED if exhausted else NotificationType.DISTRIBUTION_PAUSED
        ),
        resource=(
            ("campaign", campaign_id)
            if exhausted and campaign_id
            else ("distribution", distribution.id)
        ),
        title=(
            "A campaign has no code to publish"
            if exhausted
            else f"Distribution {distribution.name!r} paused"
        ),
        message=(
            f"Distribution {distribution.name!r} could not act on event {event_id} "
            f"({details or reason}) and is paused; events are not acted on until it is set live "
            "again."
        ),
        details={"distribution_id": distribution.id, "event_id": event_id, "reason": reason},
        now=now,
        rng=rng,
    )


async def _pause(
    uow: UnitOfWork, distribution: Distribution, paused_reason: str, now: datetime
) -> bool:
    """Paused, if it was active (paused, done or canceled already: that stands)."""
    if distribution.status is not DistributionStatus.ACTIVE:
        return False
    await uow.distributions.update(
        replace(
            distribution,
            status=DistributionStatus.PAUSED,
            paused_reason=paused_reason,
            updated_at=now,
        )
    )
    return True
