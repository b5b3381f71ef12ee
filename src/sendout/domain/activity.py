"""Reading events back as activity: a customer's (``GET /v1/customers/{id}/activity``) and a
loyalty card's (``GET /v1/loyalties/members/{code}/activity``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sendout.domain.clock import iso
from sendout.domain.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityQuery:
    limit: int = 10
    descending: bool = True
    starting_after_id: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    type: str | None = None


#: The recorded event types a loyalty card's activity lists, and the name the member activity
#: gives each: SDK 6.1.1's ``MemberActivity.type`` enum (26 values) spells the redemption
#: types with three c's, and a list holding any other value fails the SDK's whole call.
MEMBER_ACTIVITY_TYPES: Mapping[str, str] = {
    **{
        t: t
        for t in (
            "customer.loyalty.tier.upgraded",
            "customer.loyalty.tier.downgraded",
            "customer.loyalty.tier.prolonged",
            "customer.loyalty.tier.expiration.changed",
            "customer.loyalty.tier.joined",
            "customer.loyalty.tier.left",
            "customer.publication.succeeded",
            "customer.publication.failed",
            "customer.redemption.failed",
            "customer.redemption.rollback.failed",
            "customer.rewarded",
            "customer.rewarded.loyalty_points",
            "customer.reward_redemptions.created",
            "customer.reward_redemptions.pending",
            "customer.reward_redemptions.completed",
            "customer.reward_redemptions.rolledback",
            "customer.voucher.deleted",
            "customer.voucher.loyalty_card.pending_points.activated",
            "customer.voucher.loyalty_card.pending_points.added",
            "customer.voucher.loyalty_card.pending_points.canceled",
            "customer.voucher.loyalty_card.pending_points.updated",
            "customer.voucher.loyalty_card.points_added",
            "customer.voucher.loyalty_card.points_transferred",
            "customer.voucher.loyalty_card.points_expired",
        )
    },
    "customer.redemption.succeeded": "customer.redemption.succceeded",
    "customer.redemption.rollback.succeeded": "customer.redemption.rollback.succceeded",
}


def activity_object(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "data": dict(event.data),
        "created_at": iso(event.created_at),
        "group_id": event.group_id,
    }


def member_activity_object(event: Event) -> dict[str, Any]:
    """``MemberActivity``: the event under the member activity's name for its type, its
    ``data`` one level deeper beside its ``event_source`` (``MemberActivityData1``)."""
    return {
        **activity_object(event),
        "type": MEMBER_ACTIVITY_TYPES.get(event.type, event.type),
        "data": {"data": dict(event.data), "event_source": event.source.as_object()},
    }
