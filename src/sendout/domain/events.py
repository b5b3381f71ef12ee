"""The event types Sendout records and the outbox event value.

Every state change Voucherify would report as a customer event produces one ``Event``, written
in the same transaction as the change (the outbox). What each type is to distributions,
project webhooks and earning rules is its entry in ``event_catalogue.py``; the customer
activity API exposes only ``ACTIVITY_TYPES``, the 74 values the official SDK accepts
(anything else would break the SDK's list call).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.clock import iso


class EventChannel(StrEnum):
    """Where the change came from (``event.event_source.channel`` of the webhook envelope)."""

    #: the server-side API, authenticated by an application key pair
    API = "API"
    #: the dashboard
    USER_PORTAL = "USER_PORTAL"
    #: the client-side API
    CLIENT_API = "CLIENT_API"
    #: Sendout itself (scheduled jobs, distributions)
    INTERNAL = "INTERNAL"


class EventType(StrEnum):
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"
    CUSTOMER_DELETED = "customer.deleted"
    CUSTOMER_CUSTOM_EVENT = "customer.custom_event"
    CUSTOMER_REFERRED = "customer.referred"
    SEGMENT_ENTERED = "customer.segment.entered"
    SEGMENT_LEFT = "customer.segment.left"
    ORDER_CREATED = "customer.order.created"
    ORDER_UPDATED = "customer.order.updated"
    ORDER_PAID = "customer.order.paid"
    ORDER_CANCELED = "customer.order.canceled"
    GIFT_BALANCE_ADDED = "customer.voucher.gift.balance_added"
    LOYALTY_POINTS_ADDED = "customer.voucher.loyalty_card.points_added"
    LOYALTY_POINTS_EXPIRED = "customer.voucher.loyalty_card.points_expired"
    PENDING_POINTS_ADDED = "customer.voucher.loyalty_card.pending_points.added"
    PENDING_POINTS_UPDATED = "customer.voucher.loyalty_card.pending_points.updated"
    PENDING_POINTS_ACTIVATED = "customer.voucher.loyalty_card.pending_points.activated"
    PENDING_POINTS_CANCELED = "customer.voucher.loyalty_card.pending_points.canceled"
    REDEMPTION_SUCCEEDED = "customer.redemption.succeeded"
    REDEMPTION_ROLLBACK_SUCCEEDED = "customer.redemption.rollback.succeeded"
    REWARD_REDEMPTION_COMPLETED = "customer.reward_redemptions.completed"
    REWARDED = "customer.rewarded"
    REWARDED_LOYALTY_POINTS = "customer.rewarded.loyalty_points"
    PUBLICATION_SUCCEEDED = "customer.publication.succeeded"
    TIER_JOINED = "customer.loyalty.tier.joined"
    TIER_LEFT = "customer.loyalty.tier.left"
    TIER_UPGRADED = "customer.loyalty.tier.upgraded"
    TIER_DOWNGRADED = "customer.loyalty.tier.downgraded"
    TIER_PROLONGED = "customer.loyalty.tier.prolonged"
    MANUAL_DISTRIBUTION_SCHEDULE = "manual_distribution_schedule"


_SENDOUT_CHANNELS = (
    "sms",
    "email",
    "activecampaign",
    "braze",
    "mailchimp",
    "intercom",
    "shopify",
    "klaviyo",
    "batch",
)

#: The 74 customer activity types of ``GET /v1/customers/{id}/activity`` (SDK 6.1.1's enum).
ACTIVITY_TYPES: frozenset[str] = frozenset(
    [
        "customer.confirmed",
        "customer.created",
        "customer.updated",
        "customer.deleted",
        "customer.referred",
        "customer.custom_event",
        "customer.segment.entered",
        "customer.segment.left",
        *(f"customer.{c}.{s}" for c in _SENDOUT_CHANNELS for s in ("sent", "recovered", "failed")),
        "customer.rewarded",
        "customer.rewarded.loyalty_points",
        "customer.voucher.gift.balance_added",
        "customer.voucher.loyalty_card.pending_points.activated",
        "customer.voucher.loyalty_card.pending_points.added",
        "customer.voucher.loyalty_card.pending_points.canceled",
        "customer.voucher.loyalty_card.pending_points.updated",
        "customer.voucher.loyalty_card.points_activated",
        "customer.voucher.loyalty_card.points_added",
        "customer.voucher.loyalty_card.points_transferred",
        "customer.voucher.loyalty_card.points_expired",
        "customer.voucher.deleted",
        "customer.publication.succeeded",
        "customer.publication.failed",
        "customer.validation.succeeded",
        "customer.validation.failed",
        "customer.redemption.failed",
        "customer.redemption.succeeded",
        "customer.redemption.rollback.failed",
        "customer.redemption.rollback.succeeded",
        "customer.order.canceled",
        "customer.order.created",
        "customer.order.fulfilled",
        "customer.order.paid",
        "customer.order.processing",
        "customer.order.updated",
        "customer.reward_redemptions.created",
        "customer.reward_redemptions.pending",
        "customer.reward_redemptions.completed",
        "customer.reward_redemptions.rolledback",
        "customer.loyalty.updated",
        "customer.loyalty.tier.upgraded",
        "customer.loyalty.tier.downgraded",
        "customer.loyalty.tier.prolonged",
        "customer.loyalty.tier.expiration.changed",
        "customer.loyalty.tier.joined",
        "customer.loyalty.tier.left",
        "customer.holder.assignment.created",
        "customer.holder.assignment.deleted",
    ]
)


@dataclass(frozen=True, slots=True, kw_only=True)
class EventSource:
    """Who caused an event (``event.event_source`` of the webhook envelope)."""

    channel: EventChannel
    api_key_name: str | None = None
    app_id: str | None = None
    user_id: str | None = None

    def as_object(self) -> dict[str, Any]:
        source: dict[str, Any] = {"channel": self.channel.value}
        if self.app_id is not None:
            source["api_key"] = {"name": self.api_key_name, "app_id": self.app_id}
        if self.user_id is not None:
            source["user"] = {"id": self.user_id}
        return source


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One outbox row: everything a webhook envelope and the activity API will need."""

    id: str
    project_id: str
    type: str
    customer_id: str | None
    entity_id: str | None
    group_id: str
    source: EventSource
    created_at: datetime
    #: The frozen ``data`` objects of this event type (reference/event-schemas.json).
    data: Mapping[str, Any] = field(default_factory=dict)
    #: Position in the outbox, once stored (dispatch order).
    seq: int | None = None

    @property
    def is_activity(self) -> bool:
        return self.type in ACTIVITY_TYPES

    def envelope_object(self) -> dict[str, Any]:
        """``event`` of a webhook envelope (seed 001, DESIGN.md §7)."""
        return {
            "id": self.id,
            "type": self.type,
            "created_at": iso(self.created_at),
            "entity_id": self.entity_id,
            "group_id": self.group_id,
            "event_source": self.source.as_object(),
        }
