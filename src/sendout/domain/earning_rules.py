"""Earning rules: how members of a loyalty program earn points (reference §1b Loyalty).

A rule listens to an event (an order paid, a custom event, a segment entered, a move between
the program's tiers) and grants a fixed number of points, or points proportional to the order
(``every`` minor units of its amount or total amount give ``points``). Only a customer holding
a card of the rule's program earns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.clock import iso, iso_or_none
from sendout.domain.errors import InvalidPayload, invalid_resource
from sendout.domain.orders import Order
from sendout.domain.points import parse_pending_period

MAX_RULES_PER_REQUEST = 20
MAX_POINTS = 10**9
#: ``source.banner``: the text a shop shows for the rule, kept as sent (bounded like a name)
MAX_BANNER = 1000


class EarningEvent(StrEnum):
    ORDER_PAID = "order.paid"
    CUSTOM_EVENT = "custom_event"
    SEGMENT_ENTERED = "customer.segment.entered"
    TIER_JOINED = "customer.loyalty.tier.joined"
    TIER_LEFT = "customer.loyalty.tier.left"
    TIER_UPGRADED = "customer.loyalty.tier.upgraded"
    TIER_DOWNGRADED = "customer.loyalty.tier.downgraded"
    TIER_PROLONGED = "customer.loyalty.tier.prolonged"

    @property
    def is_tier_event(self) -> bool:
        return self.value.startswith("customer.loyalty.tier.")


#: Voucherify's ``calculation_type`` of proportional rules, and the order amount each reads.
PROPORTIONAL_BASES = {"ORDER_AMOUNT": "amount", "ORDER_TOTAL_AMOUNT": "total_amount"}


def _bad(details: str) -> InvalidPayload:
    return invalid_resource("earning_rule", details)


def _whole(value: Any, where: str, minimum: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= MAX_POINTS:
        raise _bad(f"{where}: a whole number from {minimum} to {MAX_POINTS}")
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class EarningRule:
    id: str
    project_id: str
    campaign_id: str
    event: EarningEvent
    #: ``custom_event`` rules: the event's name
    custom_event: str | None = None
    #: ``customer.segment.entered`` rules: the segment
    segment_id: str | None = None
    #: tier events: the tier joined, left, or moved to
    loyalty_tier_id: str | None = None
    #: ``{type: FIXED, points}`` or ``{type: PROPORTIONAL, calculation_type, order: {...}}``
    loyalty: Mapping[str, Any] = field(default_factory=dict)
    #: ``{period_type: DAY, period_value}``: points wait that long before they count
    pending_points: Mapping[str, Any] | None = None
    active: bool = True
    metadata: Mapping[str, Any] = field(default_factory=dict)
    #: ``source.banner``: what the shop displays for the rule
    banner: str | None = None
    created_at: datetime
    updated_at: datetime | None = None

    def points_for(self, order: Order | None) -> int:
        if self.loyalty.get("type") == "FIXED":
            return int(self.loyalty["points"])
        if order is None:
            return 0
        base = PROPORTIONAL_BASES[self.loyalty["calculation_type"]]
        rule = self.loyalty["order"][base]
        amount = order.total_before_discounts if base == "amount" else order.total_amount
        return amount // int(rule["every"]) * int(rule["points"])


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What a request says an earning rule is."""

    event: EarningEvent
    custom_event: str | None
    segment_id: str | None
    loyalty_tier_id: str | None
    loyalty: dict[str, Any]
    pending_points: dict[str, Any] | None
    banner: str | None


def parse_rule(raw: Any, n: int) -> RuleSpec:
    """An earning rule of a request: its event, what it listens to, and its points."""
    event, custom_event, loyalty = _parse(raw, n)
    segment = raw.get("segment") or {}
    segment_id = segment.get("id") if isinstance(segment, Mapping) else None
    if event is EarningEvent.SEGMENT_ENTERED and not (isinstance(segment_id, str) and segment_id):
        raise _bad(f"[{n}].segment.id: the segment whose members earn on entering it")
    tier = raw.get("loyalty_tier") or {}
    tier_id = tier.get("id") if isinstance(tier, Mapping) else None
    if event.is_tier_event and not (isinstance(tier_id, str) and tier_id):
        raise _bad(f"[{n}].loyalty_tier.id: the tier of the program the event is about")
    return RuleSpec(
        event=event,
        custom_event=custom_event if event is EarningEvent.CUSTOM_EVENT else None,
        segment_id=segment_id if event is EarningEvent.SEGMENT_ENTERED else None,
        loyalty_tier_id=tier_id if event.is_tier_event else None,
        loyalty=loyalty,
        pending_points=parse_pending_period(raw.get("pending_points"), f"[{n}].pending_points"),
        banner=_banner(raw.get("source"), n),
    )


def _banner(source: Any, n: int) -> str | None:
    """``source.banner`` of a request (``source.object_id`` and ``object_type`` are the
    program's own, so the rest of ``source`` is not read)."""
    if source is None:
        return None
    if not isinstance(source, Mapping):
        raise _bad(f"[{n}].source: an object with a banner")
    banner = source.get("banner")
    if banner is not None and not (isinstance(banner, str) and len(banner) <= MAX_BANNER):
        raise _bad(f"[{n}].source.banner: text of at most {MAX_BANNER} characters")
    return banner


def _parse(raw: Any, n: int) -> tuple[EarningEvent, str | None, dict[str, Any]]:
    where = f"[{n}]"
    if not isinstance(raw, Mapping):
        raise _bad(f"{where}: an earning rule object")
    try:
        event = EarningEvent(str(raw.get("event")))
    except ValueError:
        raise _bad(f"{where}.event: one of {', '.join(EarningEvent)}") from None
    custom = raw.get("custom_event") or {}
    name = custom.get("schema_id") if isinstance(custom, Mapping) else None
    if event is EarningEvent.CUSTOM_EVENT and not (isinstance(name, str) and name):
        raise _bad(f"{where}.custom_event.schema_id: the custom event's name or schema id")
    loyalty = raw.get("loyalty")
    if not isinstance(loyalty, Mapping):
        raise _bad(f"{where}.loyalty: {{type: FIXED, points}} or {{type: PROPORTIONAL, ...}}")
    if loyalty.get("type") == "FIXED":
        return event, name, {"type": "FIXED", "points": _whole(loyalty.get("points"), where)}
    if loyalty.get("type") != "PROPORTIONAL":
        raise _bad(f"{where}.loyalty.type: FIXED or PROPORTIONAL")
    if event is not EarningEvent.ORDER_PAID:
        raise _bad(f"{where}.loyalty: proportional points need an order (event order.paid)")
    calculation = loyalty.get("calculation_type")
    if calculation not in PROPORTIONAL_BASES:
        raise _bad(f"{where}.loyalty.calculation_type: {', '.join(PROPORTIONAL_BASES)}")
    base = PROPORTIONAL_BASES[calculation]
    rule = (loyalty.get("order") or {}).get(base) or {}
    every = _whole(rule.get("every"), f"{where}.loyalty.order.{base}.every")
    points = _whole(rule.get("points"), f"{where}.loyalty.order.{base}.points")
    return (
        event,
        name,
        {
            "type": "PROPORTIONAL",
            "calculation_type": calculation,
            "order": {base: {"every": every, "points": points}},
        },
    )


def earning_rule_object(rule: EarningRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "created_at": iso(rule.created_at),
        "updated_at": iso_or_none(rule.updated_at),
        "event": rule.event.value,
        "custom_event": None if rule.custom_event is None else {"schema_id": rule.custom_event},
        "segment": None if rule.segment_id is None else {"id": rule.segment_id},
        "loyalty_tier": None if rule.loyalty_tier_id is None else {"id": rule.loyalty_tier_id},
        "loyalty": dict(rule.loyalty),
        "pending_points": None if rule.pending_points is None else dict(rule.pending_points),
        "source": {"banner": rule.banner, "object_id": rule.campaign_id, "object_type": "campaign"},
        "active": rule.active,
        "metadata": dict(rule.metadata),
        "automation_id": None,
        "validation_rule_id": None,
        "object": "earning_rule",
    }
