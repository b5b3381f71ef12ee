"""Project webhooks (seed 002): URLs subscribed to event types, sent the v2024-01-01 envelope.

They go through the same engine as distribution webhooks (send-outs, signing, retries,
breakers), with one difference the docs name: when retries run out a project webhook is
*disabled*, not paused. The event names are Voucherify's project-settings list, spelled as
its API and SDK spell them (four say "aded"); which recorded event is sent as which is the
event catalogue's ``project_event`` (``event_catalogue.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sendout.domain.clock import iso, iso_or_none
from sendout.domain.distribution_checks import check_url
from sendout.domain.errors import invalid_field
from sendout.domain.signing import signing_secrets
from sendout.domain.targets import TargetPolicy

DISABLED_DELIVERY_FAILED = "delivery_failed"
MAX_WEBHOOKS_EVENTS = 100

#: The events a project webhook can subscribe to (the management API's enum).
PROJECT_WEBHOOK_EVENTS: frozenset[str] = frozenset(
    {
        "business_validation_rule.assignment.created",
        "business_validation_rule.assignment.deleted",
        "business_validation_rule.created",
        "business_validation_rule.deleted",
        "business_validation_rule.updated",
        "campaign.created",
        "campaign.deleted",
        "campaign.disabled",
        "campaign.enabled",
        "campaign.earning_rule.assigned",
        "campaign.earning_rule.deleted",
        "campaign.earning_rule.disabled",
        "campaign.earning_rule.enabled",
        "campaign.earning_rule.updated",
        "campaign.loyalty_tier.created",
        "campaign.loyalty_tier.deleted",
        "campaign.loyalty_tier.updated",
        "campaign.promotion_stack.created",
        "campaign.promotion_stack.updated",
        "campaign.promotion_tier.created",
        "campaign.promotion_tier.deleted",
        "campaign.promotion_tier.disabled",
        "campaign.promotion_tier.enabled",
        "campaign.promotion_tier.updated",
        "campaign.referral_tier.created",
        "campaign.referral_tier.deleted",
        "campaign.referral_tier.updated",
        "campaign.reward.assignment.created",
        "campaign.reward.assignment.deleted",
        "campaign.reward.assignment.updated",
        "campaign.updated",
        "campaign.vouchers.aded",
        "campaign.vouchers.generation.completed",
        "campaign.vouchers.generation.failed",
        "campaign.vouchers.generation.started",
        "customer.confirmed",
        "customer.created",
        "customer.deleted",
        "customer.rewarded",
        "customer.rewarded.loyalty_points",
        "publication.succeeded",
        "redemption.failed",
        "redemption.rollback.failed",
        "redemption.rollback.succeeded",
        "redemption.succeeded",
        "voucher.created",
        "voucher.deleted",
        "voucher.disabled",
        "voucher.enabled",
        "voucher.gift.balance_aded",
        "voucher.gift.transaction.created",
        "voucher.loyalty_card.pending_points.activated",
        "voucher.loyalty_card.pending_points.aded",
        "voucher.loyalty_card.pending_points.canceled",
        "voucher.loyalty_card.pending_points.updated",
        "voucher.loyalty_card.points_aded",
        "voucher.loyalty_card.points_expired",
        "voucher.loyalty_card.transaction.created",
        "voucher.published",
        "voucher.updated",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectWebhook:
    id: str
    project_id: str
    target_url: str
    events: tuple[str, ...]
    active: bool
    secret: str
    created_at: datetime
    updated_at: datetime | None = None
    #: why it is not active: ``delivery_failed`` (Sendout did it: messages are held until it
    #: is enabled again) or None (a person disabled it: events are not sent)
    disabled_reason: str | None = None
    previous_secret: str | None = None
    secret_rotated_at: datetime | None = None

    def signing_secrets(self, now: datetime) -> list[str]:
        return signing_secrets(self.secret, self.previous_secret, self.secret_rotated_at, now)

    @property
    def holds_sendouts(self) -> bool:
        """Disabled by Sendout after a failure: new messages wait instead of being dropped."""
        return not self.active and self.disabled_reason is not None

    def listens_to(self, project_event: str) -> bool:
        return project_event in self.events


def webhook_object(webhook: ProjectWebhook) -> dict[str, Any]:
    return {
        "id": webhook.id,
        "object": "webhook",
        "created_at": iso(webhook.created_at),
        "updated_at": iso_or_none(webhook.updated_at),
        "target_url": webhook.target_url,
        "events": list(webhook.events),
        "active": webhook.active,
        "disabled_reason": webhook.disabled_reason,
    }


def check_webhook(target_url: str, events: Sequence[str], targets: TargetPolicy) -> None:
    check_url(target_url, "target_url", targets, "webhook")
    if not events:
        raise invalid_field("subscribe to at least one event", "events", "webhook")
    if len(events) > MAX_WEBHOOKS_EVENTS:
        raise invalid_field(f"at most {MAX_WEBHOOKS_EVENTS} events", "events", "webhook")
    unknown = [e for e in events if e not in PROJECT_WEBHOOK_EVENTS]
    if unknown:
        raise invalid_field(f"unknown event {unknown[0]!r}", "events", "webhook")
    if len(set(events)) != len(events):
        raise invalid_field("each event once", "events", "webhook")


def project_envelope(
    *,
    sendout_id: str,
    webhook: ProjectWebhook,
    project_event: str,
    data: Mapping[str, Any],
    event: Mapping[str, Any],
    created_at: datetime,
) -> dict[str, Any]:
    """The v2024-01-01 body of a project webhook (reference §1c)."""
    return {
        "id": sendout_id,
        "project_id": webhook.project_id,
        "created_at": iso(created_at),
        "type": project_event,
        "data": dict(data),
        "source": {"id": webhook.id, "object": "webhook", "target_url": webhook.target_url},
        "event": dict(event),
    }
