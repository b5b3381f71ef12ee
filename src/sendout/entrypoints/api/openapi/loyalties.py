"""Response schemas: loyalties (documentation only, never validated per request)."""

from __future__ import annotations

from typing import Any, Literal

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict


class LoyaltyTier(TypedDict):
    """A loyalty tier (``ltr_...``) and the points range that places a member in it."""

    id: str
    name: str | None
    campaign_id: str | None
    metadata: dict[str, Any] | None
    created_at: str
    updated_at: str | None
    earning_rules: dict[str, Any] | None
    rewards: dict[str, Any] | None
    points: dict[str, Any] | None
    config: dict[str, Any] | None
    expiration: dict[str, Any] | None
    object: Literal["loyalty_tier"]


class EarningRule(TypedDict):
    """A loyalty program's earning rule (``ern_...``): which event earns how many points."""

    id: str
    created_at: str
    updated_at: str | None
    event: str | None
    custom_event: dict[str, Any] | None
    segment: dict[str, Any] | None
    loyalty_tier: dict[str, Any] | None
    loyalty: dict[str, Any] | None
    pending_points: dict[str, Any] | None
    source: dict[str, Any] | None
    active: bool
    metadata: dict[str, Any] | None
    automation_id: str | None
    validation_rule_id: str | None
    object: Literal["earning_rule"]


class PendingPoints(TypedDict):
    """Points earned but not yet added to a member's balance (``lopp_...``)."""

    id: str
    voucher_id: str | None
    campaign_id: str | None
    customer_id: str | None
    order_id: str | None
    points: int | None
    activates_at: str | None
    details: dict[str, Any] | None
    created_at: str
    updated_at: str | None
    object: Literal["loyalty_pending_points"]


class MemberReward(TypedDict):
    """A reward a loyalty member can redeem, with its assignment (price in points)."""

    reward: dict[str, Any] | None
    assignment: dict[str, Any] | None
    object: Literal["loyalty_reward"]


class TierReward(TypedDict):
    """A reward available to a loyalty tier, with its assignment."""

    reward: dict[str, Any] | None
    assignment: dict[str, Any] | None
    object: Literal["loyalty_tier_reward"]


class PointsBucket(TypedDict):
    """A lot of a member's points that expires together (``GET .../points-expiration``)."""

    id: str
    voucher_id: str
    campaign_id: str | None
    bucket: dict[str, int]
    status: Literal["ACTIVE", "USED", "EXPIRED"]
    expires_at: str
    created_at: str
    updated_at: str | None
    object: Literal["loyalty_points_bucket"]
