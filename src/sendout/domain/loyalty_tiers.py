"""Loyalty tiers: levels of a loyalty program by points (reference §1b Loyalty).

A member is in the tier whose ``points`` range (``from`` ≤ balance ≤ ``to``; no ``to``: no
upper bound) holds their card's balance. A change of balance that changes the tier records
``customer.loyalty.tier.joined`` (from no tier), ``.left`` (to no tier), ``.upgraded`` or
``.downgraded`` (by the tiers' order of ``from``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from sendout.domain.campaigns import Campaign
from sendout.domain.clock import iso, iso_or_none
from sendout.domain.errors import InvalidPayload
from sendout.domain.events import EventType

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


def loyalty_tier_object(tier: LoyaltyTier, held: MemberTier | None = None) -> dict[str, Any]:
    """A tier; ``held``: as a member of a program with expiring tiers holds it."""
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
        "expiration": None if held is None else member_tier_object(held),
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


# --- tier expiration ------------------------------------------------------------------------

#: A calendar duration of whole days, weeks, months and years (``P3M``, ``P1Y2M``, ``P10D``).
#: Tier expiration needs no times of day, so a pattern is enough (no ISO 8601 library).
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
PERIOD_MONTHS = {"MONTH": 1, "QUARTER": 3, "HALF_YEAR": 6, "YEAR": 12}
EXPIRATION_TYPES = ("BALANCE_DROP", "END_OF_PERIOD", "END_OF_NEXT_PERIOD", "CUSTOM")


def _bad_rules(details: str) -> InvalidPayload:
    return InvalidPayload(
        details=f"loyalty_tiers_expiration.{details}", key="invalid_campaign_params"
    )


def parse_tiers_expiration(raw: Any) -> dict[str, Any] | None:
    """A program's ``loyalty_tiers_expiration``: tiers qualified by the points BALANCE, valid
    from the moment they are reached (IMMEDIATE), and expiring when the balance drops
    (BALANCE_DROP), at the end of the qualification period or the next one, or ``extend``
    after the balance drops below the tier (CUSTOM)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise _bad_rules("an object")
    if raw.get("qualification_type", "BALANCE") != "BALANCE":
        raise _bad_rules("qualification_type: BALANCE (POINTS_IN_PERIOD is not available)")
    start = (raw.get("start_date") or {}).get("type", "IMMEDIATE")
    if start != "IMMEDIATE":
        raise _bad_rules("start_date.type: IMMEDIATE (NEXT_PERIOD is not available)")
    expiration = raw.get("expiration_date") or {}
    kind = expiration.get("type", "BALANCE_DROP")
    if kind not in EXPIRATION_TYPES:
        raise _bad_rules(f"expiration_date.type: one of {', '.join(EXPIRATION_TYPES)}")
    period = raw.get("qualification_period")
    if kind.startswith("END_OF") and period not in PERIOD_MONTHS:
        raise _bad_rules(f"qualification_period: one of {', '.join(PERIOD_MONTHS)}")
    extend = expiration.get("extend")
    if extend is not None and not (isinstance(extend, str) and _DURATION.match(extend)):
        raise _bad_rules("expiration_date.extend: a duration like P3M or P10D")
    if kind == "CUSTOM" and extend is None:
        raise _bad_rules("expiration_date.extend: how long a tier outlasts a balance drop")
    return {
        "qualification_type": "BALANCE",
        "qualification_period": period,
        "start_date": {"type": "IMMEDIATE"},
        "expiration_date": {"type": kind, "extend": extend},
    }


def _extended(day: date, extend: str | None) -> date:
    if extend is None:
        return day
    match = _DURATION.match(extend)
    assert match is not None  # checked when the rules were saved
    years, months, weeks, days = (int(g or 0) for g in match.groups())
    month0 = day.month - 1 + months + 12 * years
    year, month = day.year + month0 // 12, month0 % 12 + 1
    moved = date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return moved + timedelta(weeks=weeks, days=days)


def _period_end(day: date, period: str, later: int) -> date:
    size = PERIOD_MONTHS[period]
    last_month0 = ((day.month - 1) // size + 1 + later) * size - 1
    year, month = day.year + last_month0 // 12, last_month0 % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberTier:
    """The tier a member holds under expiring tiers, and until when (None: while the balance
    stays in range)."""

    project_id: str
    voucher_id: str
    campaign_id: str
    customer_id: str
    tier_id: str
    start_date: date
    expiration_date: date | None = None
    created_at: datetime
    updated_at: datetime | None = None


def member_tier_object(held: MemberTier) -> dict[str, Any]:
    """The ``expiration`` of a member's tier."""
    return {
        "customer_id": held.customer_id,
        "campaign_id": held.campaign_id,
        "tier_id": held.tier_id,
        "start_date": held.start_date.isoformat(),
        "expiration_date": None
        if held.expiration_date is None
        else held.expiration_date.isoformat(),
        "created_at": iso(held.created_at),
        "updated_at": iso_or_none(held.updated_at),
    }


@dataclass(frozen=True, slots=True)
class TierDecision:
    """What a balance (or a day passing) does to a member's tier under expiring tiers: the
    event to record, if any, with its tier objects, and the member's tier afterwards (None:
    no tier)."""

    event: tuple[EventType, dict[str, Any]] | None
    tier: LoyaltyTier | None
    expiration_date: date | None
    #: the tier is held anew (a new start date)
    moved: bool


def _qualified_until(rules: Mapping[str, Any], today: date) -> date | None:
    """How long a tier reached (or reached again) ``today`` lasts while the balance stays in
    range."""
    expiration = rules["expiration_date"]
    kind, extend = expiration["type"], expiration.get("extend")
    if kind == "END_OF_PERIOD":
        return _extended(_period_end(today, rules["qualification_period"], 0), extend)
    if kind == "END_OF_NEXT_PERIOD":
        return _extended(_period_end(today, rules["qualification_period"], 1), extend)
    return None  # CUSTOM and BALANCE_DROP: for as long as the balance holds it


def decide_tier(
    tiers: Sequence[LoyaltyTier],
    held: MemberTier | None,
    balance: int,
    rules: Mapping[str, Any],
    today: date,
) -> TierDecision:
    """Upgrades happen at once; re-qualifying for the tier held pushes its expiration later
    (``prolonged``); a balance below the tier keeps it until it expires (CUSTOM: ``extend``
    after the drop); an expired tier (``today`` after its last day) gives way to the tier the
    balance is in."""
    reached = tier_of(tiers, balance)
    current = next((t for t in tiers if held is not None and t.id == held.tier_id), None)
    if held is None or current is None:
        return TierDecision(
            event=tier_change(None, reached),
            tier=reached,
            expiration_date=None if reached is None else _qualified_until(rules, today),
            moved=reached is not None,
        )
    if reached == current:
        until = _qualified_until(rules, today)
        longer = held.expiration_date is not None and (
            until is None or until > held.expiration_date
        )
        if not longer:
            return TierDecision(None, current, held.expiration_date, moved=False)
        prolonged = (EventType.TIER_PROLONGED, {"loyalty_tier": loyalty_tier_object(current)})
        return TierDecision(prolonged, current, until, moved=False)
    expired = held.expiration_date is not None and held.expiration_date < today
    if expired or (reached is not None and reached.points_from > current.points_from):
        return TierDecision(
            event=tier_change(current, reached),
            tier=reached,
            expiration_date=None if reached is None else _qualified_until(rules, today),
            moved=True,
        )
    # The balance is below the tier held: it stays until it expires.
    until = held.expiration_date
    if until is None and rules["expiration_date"]["type"] == "CUSTOM":
        until = _extended(today, rules["expiration_date"]["extend"])
    if until is None:  # BALANCE_DROP: nothing to wait for
        return TierDecision(tier_change(current, reached), reached, None, moved=True)
    return TierDecision(None, current, until, moved=False)


def expiring(campaign: Campaign) -> dict[str, Any] | None:
    """The program's tier expiration rules, when its tiers outlast a balance drop."""
    rules = campaign.loyalty_tiers_expiration
    if rules is None or rules["expiration_date"]["type"] == "BALANCE_DROP":
        return None
    return dict(rules)
