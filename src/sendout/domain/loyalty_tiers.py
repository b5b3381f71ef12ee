"""Loyalty tiers: levels of a loyalty program by points (reference §1b Loyalty).

A member is in the tier whose ``points`` range (``from`` ≤ balance ≤ ``to``; no ``to``: no
upper bound) holds their card's balance. A change of balance that changes the tier records
``customer.loyalty.tier.joined`` (from no tier), ``.left`` (to no tier), ``.upgraded`` or
``.downgraded`` (by the tiers' order of ``from``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

from sendout.domain.clock import iso, iso_or_none
from sendout.domain.errors import InvalidPayload
from sendout.domain.events import EventType

LOYALTY_TIER_ID_PREFIX = "ltr"
MAX_TIERS = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class LoyaltyTier:
    id: str
    project_id: str
    campaign_id: str
    name: str
    points_from: int
    points_to: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime
    updated_at: datetime | None = None

    def holds(self, points: int) -> bool:
        return self.points_from <= points and (self.points_to is None or points <= self.points_to)


def loyalty_tier_object(tier: LoyaltyTier) -> dict[str, Any]:
    points = {"from": tier.points_from, "to": tier.points_to}
    return {
        "id": tier.id,
        "name": tier.name,
        "campaign_id": tier.campaign_id,
        "metadata": dict(tier.metadata),
        "created_at": iso(tier.created_at),
        "updated_at": iso_or_none(tier.updated_at),
        "earning_rules": {},
        "rewards": {},
        "points": points,
        "config": {"points": points},
        "expiration": None,
        "object": "loyalty_tier",
    }


def parse_tier(raw: Mapping[str, Any], n: int) -> tuple[str, int, int | None, Mapping[str, Any]]:
    where = f"[{n}]"
    name = raw.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        raise InvalidPayload(details=f"{where}.name: 1 to 200 characters")
    points = raw.get("points")
    if not isinstance(points, Mapping):
        raise InvalidPayload(details=f"{where}.points: give {{from, to}}")
    low, high = points.get("from", 0), points.get("to")
    for value, label in ((low, "from"), (high, "to")):
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            raise InvalidPayload(details=f"{where}.points.{label}: a whole number, 0 or more")
    if high is not None and high < low:
        raise InvalidPayload(details=f"{where}.points: to is below from")
    return name, low, high, raw.get("metadata") or {}


def check_no_overlap(tiers: Sequence[LoyaltyTier]) -> None:
    ordered = sorted(tiers, key=lambda t: t.points_from)
    for lower, upper in pairwise(ordered):
        if lower.points_to is None or lower.points_to >= upper.points_from:
            raise InvalidPayload(
                details=f"tiers {lower.name!r} and {upper.name!r} overlap in points"
            )


def tier_of(tiers: Sequence[LoyaltyTier], points: int) -> LoyaltyTier | None:
    return next((t for t in tiers if t.holds(points)), None)


def tier_change(
    before: LoyaltyTier | None, after: LoyaltyTier | None
) -> tuple[EventType, dict[str, Any]] | None:
    """The event a move from ``before`` to ``after`` records, with its tier objects."""
    if before == after:
        return None
    if before is None:
        assert after is not None
        return EventType.TIER_JOINED, {"loyalty_tier": loyalty_tier_object(after)}
    if after is None:
        return EventType.TIER_LEFT, {"loyalty_tier": loyalty_tier_object(before)}
    kind = (
        EventType.TIER_UPGRADED
        if after.points_from > before.points_from
        else EventType.TIER_DOWNGRADED
    )
    return kind, {
        "loyalty_tier_from": loyalty_tier_object(before),
        "loyalty_tier_to": loyalty_tier_object(after),
    }
