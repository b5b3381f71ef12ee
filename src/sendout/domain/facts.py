"""Facts: what a use case just changed, for other parts of the product to react to.

A fact is past tense and carries the values its reactions read, so a reaction needs no
second look-up. Who reacts to which fact is written once, in ``services/reactions.py``; the
use case that records a fact does not know (``services/bus.py`` runs the reactions in the
same transaction, before the use case goes on).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sendout.domain.customers import Customer
from sendout.domain.earning_rules import EarningEvent
from sendout.domain.orders import Order
from sendout.domain.referrals import ConversionEvent
from sendout.domain.vouchers import EffectiveVoucher


@dataclass(frozen=True, slots=True, kw_only=True)
class BalanceChanged:
    """A loyalty card's points balance moved from ``before`` (``card`` holds the new one)."""

    card: EffectiveVoucher
    before: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TierMoved:
    """A member joined, left, moved between or kept (prolonged) a loyalty tier; the event
    announcing it is already recorded. ``tier``: the tier moved into (or out of, for left)."""

    holder: Customer
    move: EarningEvent
    tier: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerChanged:
    """A customer was created, or a field rule segments may read changed (their own fields,
    their orders or redemptions summary)."""

    customer: Customer


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerRemoved:
    """A customer was deleted (their row is gone)."""

    customer_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SegmentEntered:
    """A customer entered an auto-update rule segment (before its event is recorded)."""

    customer: Customer
    segment_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPaid:
    """A customer's order became paid; its events are recorded."""

    customer: Customer
    order: Order


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomEventTracked:
    """A custom event was tracked for a customer: its name and its schema's id (a rule may
    name either)."""

    customer: Customer
    names: tuple[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralCodeUsed:
    """A customer used a referral ``code``: redeemed it, or named it in a custom event
    (``names``: the event's name and schema id). ``source_id``: the redemption's or custom
    event's id; ``evidence``: its object, for the events of a conversion."""

    code: EffectiveVoucher
    customer: Customer
    how: ConversionEvent
    source_id: str
    names: tuple[str, ...] = ()
    evidence: Mapping[str, Any]


Fact = (
    BalanceChanged
    | TierMoved
    | CustomerChanged
    | CustomerRemoved
    | SegmentEntered
    | OrderPaid
    | CustomEventTracked
    | ReferralCodeUsed
)
