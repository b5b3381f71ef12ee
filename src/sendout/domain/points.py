"""Loyalty points over time: pending points and expiring buckets (reference §1b Loyalty).

*Pending points* are earned but not yet spendable: an earning rule with a ``pending_points``
period holds them until ``activates_at`` (a date), when they join the balance (by the
scheduled job, or by hand).

*Buckets* date the points a card holds when its program has ``expiration_rules`` (or an
addition names its own ``expiration_date``): each addition is a bucket that expires at the end
of its ``expires_at`` date. Points spent or removed come out of the buckets that expire first;
at expiry, what is left in a bucket leaves the balance.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sendout.domain.clock import iso, iso_or_none
from sendout.domain.errors import InvalidPayload

MAX_PERIOD = 3650
#: how the end of an expiration period is rounded up (Voucherify's ``rounding_type``)
ROUNDING_MONTHS = {
    "END_OF_MONTH": 1,
    "END_OF_QUARTER": 3,
    "END_OF_HALF_YEAR": 6,
    "END_OF_YEAR": 12,
}


def _bad(details: str) -> InvalidPayload:
    return InvalidPayload(details=details, key="invalid_payload")


def _period(raw: Any, where: str, kinds: Sequence[str]) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise _bad(f"{where}: {{period_type, period_value}}")
    kind, value = raw.get("period_type"), raw.get("period_value")
    if kind not in kinds:
        raise _bad(f"{where}.period_type: {' or '.join(kinds)}")
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_PERIOD:
        raise _bad(f"{where}.period_value: a whole number from 1 to {MAX_PERIOD}")
    return {"period_type": kind, "period_value": value}


def parse_pending_period(raw: Any, where: str) -> dict[str, Any] | None:
    """An earning rule's ``pending_points``: how many days earned points wait."""
    return None if raw is None else _period(raw, where, ("DAY",))


def parse_expiration_rules(raw: Any) -> dict[str, Any]:
    """A program's ``loyalty_card.expiration_rules``."""
    rules = _period(raw, "loyalty_card.expiration_rules", ("DAY", "MONTH"))
    rounding = raw.get("rounding_type")
    if rounding is not None and rounding not in ROUNDING_MONTHS:
        raise _bad(f"loyalty_card.expiration_rules.rounding_type: {', '.join(ROUNDING_MONTHS)}")
    return {**rules, "rounding_type": rounding, "rounding_value": raw.get("rounding_value")}


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expiry_date(rules: Mapping[str, Any], earned_on: date) -> date:
    """The last day on which points earned on ``earned_on`` can be spent."""
    value = int(rules["period_value"])
    if rules["period_type"] == "DAY":
        end = earned_on + timedelta(days=value)
    else:
        end = _add_months(earned_on, value)
    rounding = rules.get("rounding_type")
    if rounding in ROUNDING_MONTHS:
        size = ROUNDING_MONTHS[rounding]
        last_month = ((end.month - 1) // size + 1) * size
        end = date(end.year, last_month, calendar.monthrange(end.year, last_month)[1])
    return end


def activation_date(period: Mapping[str, Any], earned_on: date) -> date:
    return earned_on + timedelta(days=int(period["period_value"]))


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingPoints:
    id: str
    project_id: str
    voucher_id: str
    campaign_id: str
    customer_id: str
    order_id: str | None = None
    points: int
    activates_at: date
    #: ``{earning_rule, event, loyalty_tier, holder_loyalty_tier}``
    details: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime
    updated_at: datetime | None = None


def pending_points_object(pending: PendingPoints) -> dict[str, Any]:
    return {
        "id": pending.id,
        "voucher_id": pending.voucher_id,
        "campaign_id": pending.campaign_id,
        "customer_id": pending.customer_id,
        "order_id": pending.order_id,
        "points": pending.points,
        "activates_at": pending.activates_at.isoformat(),
        "details": {
            "loyalty_tier": None,
            "holder_loyalty_tier": None,
            "event": None,
            "earning_rule": None,
            **dict(pending.details),
        },
        "created_at": iso(pending.created_at),
        "updated_at": iso_or_none(pending.updated_at),
        "object": "loyalty_pending_points",
    }


def pending_balance_object(pending: PendingPoints, points: int, total: int) -> dict[str, Any]:
    """``voucher_pending_points_balance`` of the pending-points events, and the answer to an
    adjustment: the change in ``points``, the card's pending ``total`` after it."""
    return {
        "points": points,
        "total": total,
        "object": "balance",
        "related_object": {"type": "voucher", "id": pending.voucher_id},
        "operation_type": "MANUAL",
    }


class BucketStatus(StrEnum):
    ACTIVE = "ACTIVE"
    USED = "USED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True, kw_only=True)
class PointsBucket:
    id: str
    project_id: str
    voucher_id: str
    campaign_id: str
    #: the points the bucket was given
    total_points: int
    #: of which not yet spent, removed or expired
    points_left: int
    status: BucketStatus = BucketStatus.ACTIVE
    expires_at: date
    created_at: datetime
    updated_at: datetime | None = None


def bucket_object(bucket: PointsBucket) -> dict[str, Any]:
    return {
        "id": bucket.id,
        "voucher_id": bucket.voucher_id,
        "campaign_id": bucket.campaign_id,
        "bucket": {"total_points": bucket.points_left},
        "status": bucket.status.value,
        "expires_at": bucket.expires_at.isoformat(),
        "created_at": iso(bucket.created_at),
        "updated_at": iso_or_none(bucket.updated_at),
        "object": "loyalty_points_bucket",
    }


def take_from(buckets: Sequence[PointsBucket], points: int, now: datetime) -> list[PointsBucket]:
    """The buckets changed by taking ``points`` out of ``buckets``, soonest to expire first
    (points beyond the buckets' come from the card's points that never expire)."""
    changed = []
    for bucket in sorted(buckets, key=lambda b: (b.expires_at, b.created_at, b.id)):
        if points <= 0:
            break
        taken = min(points, bucket.points_left)
        points -= taken
        left = bucket.points_left - taken
        changed.append(
            PointsBucket(
                id=bucket.id,
                project_id=bucket.project_id,
                voucher_id=bucket.voucher_id,
                campaign_id=bucket.campaign_id,
                total_points=bucket.total_points,
                points_left=left,
                status=BucketStatus.USED if left == 0 else bucket.status,
                expires_at=bucket.expires_at,
                created_at=bucket.created_at,
                updated_at=now,
            )
        )
    return changed


def next_expiration(buckets: Sequence[PointsBucket]) -> dict[str, Any]:
    """The card's ``next_expiration_date`` and ``next_expiration_points``."""
    active = [b for b in buckets if b.status is BucketStatus.ACTIVE and b.points_left > 0]
    if not active:
        return {"next_expiration_date": None, "next_expiration_points": None}
    first = min(b.expires_at for b in active)
    return {
        "next_expiration_date": first.isoformat(),
        "next_expiration_points": sum(b.points_left for b in active if b.expires_at == first),
    }


class ExpirationType(StrEnum):
    """How points added by hand expire (the balance endpoint's ``expiration_type``)."""

    PROGRAM_RULES = "PROGRAM_RULES"
    NON_EXPIRING = "NON_EXPIRING"
    CUSTOM_DATE = "CUSTOM_DATE"


@dataclass(frozen=True, slots=True)
class Expiration:
    type: ExpirationType = ExpirationType.PROGRAM_RULES
    #: CUSTOM_DATE: the last day the points can be spent
    last_day: date | None = None

    def last_day_for(self, rules: Mapping[str, Any] | None, earned_on: date) -> date | None:
        if self.type is ExpirationType.CUSTOM_DATE:
            return self.last_day
        if self.type is ExpirationType.NON_EXPIRING or rules is None:
            return None
        return expiry_date(rules, earned_on)


def parse_expiration(kind: str | None, last_day: str | None, today: date) -> Expiration:
    try:
        chosen = ExpirationType(kind or ExpirationType.PROGRAM_RULES.value)
    except ValueError:
        raise _bad(f"expiration_type: {', '.join(ExpirationType)}") from None
    if chosen is not ExpirationType.CUSTOM_DATE:
        if last_day is not None:
            raise _bad("expiration_date goes with expiration_type CUSTOM_DATE")
        return Expiration(chosen)
    try:
        day = date.fromisoformat(str(last_day)[:10])
    except ValueError:
        raise _bad(
            "expiration_date: a date, YYYY-MM-DD, with expiration_type CUSTOM_DATE"
        ) from None
    if day < today:
        raise _bad("expiration_date: today or later")
    return Expiration(chosen, day)


#: the default: the program's rules, if it has any
PROGRAM_RULES = Expiration()
