"""Segments: groups of customers, listed by hand (static) or by rules (auto-update, passive).

A rule set is Voucherify's filter: ``{"junction": "and"|"or", "<field>": {"conditions":
{"$op": [values]}}, ...}``. A field is a dotted path into the customer object (``email``,
``address.city``, ``metadata.tier``, ``summary.orders.total_amount``, ``created_at``, ...);
all the operators of one field must hold, and the fields combine by the junction.

Only auto-update segments announce changes (``customer.segment.entered`` / ``.left``);
passive segments keep their members quietly. Customers who match when a segment is created
become members without an "entered" event: the segment is new, they did not move.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.clock import iso, iso_or_none, parse_iso
from sendout.domain.errors import InvalidPayload, invalid_resource

MAX_STATIC_CUSTOMERS = 20_000
MAX_RULE_SEGMENTS = 100
MAX_FIELDS = 30
#: The first key of a filter field: what a customer object holds.
FIELD_ROOTS = frozenset(
    {
        "id",
        "source_id",
        "name",
        "description",
        "email",
        "phone",
        "birthday",
        "birthdate",
        "address",
        "metadata",
        "summary",
        "loyalty",
        "referrals",
        "system_metadata",
        "created_at",
        "updated_at",
    }
)


class SegmentType(StrEnum):
    STATIC = "static"
    AUTO_UPDATE = "auto-update"
    PASSIVE = "passive"


class SyncStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"


def _bad(details: str) -> InvalidPayload:
    return invalid_resource("segment", details)


def _values(operand: Any) -> list[Any]:
    return list(operand) if isinstance(operand, list) else [operand]


def _first(operand: Any) -> Any:
    values = _values(operand)
    return values[0] if values else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_iso(value if "T" in value else f"{value}T00:00:00+00:00")
    except ValueError:
        return None


def _compare(actual: Any, operand: Any, test: Callable[[Any, Any], bool]) -> bool:
    expected = _first(operand)
    a, b = _number(actual), _number(expected)
    if a is not None and b is not None:
        return test(a, b)
    ma, mb = _moment(actual), _moment(expected)
    if ma is not None and mb is not None:
        return test(ma, mb)
    return False


def _text(actual: Any, operand: Any, test: Callable[[str, str], bool]) -> bool:
    return isinstance(actual, str) and any(
        isinstance(v, str) and test(actual, v) for v in _values(operand)
    )


def _count(actual: Any) -> int | None:
    return len(actual) if isinstance(actual, list | Mapping) else None


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$is": lambda a, o: a in _values(o),
    "$is_not": lambda a, o: a not in _values(o),
    "$in": lambda a, o: a in _values(o),
    "$not_in": lambda a, o: a not in _values(o),
    "$has_value": lambda a, _: _present(a),
    "$is_unknown": lambda a, _: not _present(a),
    "$starts_with": lambda a, o: _text(a, o, str.startswith),
    "$ends_with": lambda a, o: _text(a, o, str.endswith),
    "$contains": lambda a, o: _text(a, o, lambda x, y: y in x),
    "$not_contain": lambda a, o: not _text(a, o, lambda x, y: y in x),
    "$more_than": lambda a, o: _compare(a, o, lambda x, y: x > y),
    "$less_than": lambda a, o: _compare(a, o, lambda x, y: x < y),
    "$more_than_equal": lambda a, o: _compare(a, o, lambda x, y: x >= y),
    "$less_than_equal": lambda a, o: _compare(a, o, lambda x, y: x <= y),
    "$after": lambda a, o: _compare(a, o, lambda x, y: x > y),
    "$before": lambda a, o: _compare(a, o, lambda x, y: x < y),
    "$count": lambda a, o: _count(a) == _number(_first(o)),
    "$count_more": lambda a, o: (_count(a) or 0) > (_number(_first(o)) or 0),
    "$count_less": lambda a, o: (_count(a) or 0) < (_number(_first(o)) or 0),
}
_NO_OPERAND = frozenset({"$has_value", "$is_unknown"})


def check_filter(filter: Any) -> None:
    """A filter must name known fields and operators, each with a usable operand."""
    if not isinstance(filter, Mapping):
        raise _bad("filter must be an object")
    junction = filter.get("junction", "and")
    if junction not in ("and", "or"):
        raise _bad("filter.junction must be and or or")
    fields = [(k, v) for k, v in filter.items() if k != "junction"]
    if not fields:
        raise _bad("filter must have at least one field")
    if len(fields) > MAX_FIELDS:
        raise _bad(f"filter has more than {MAX_FIELDS} fields")
    for path, rule in fields:
        where = f"filter.{path}"
        parts = path.split(".")
        if parts[0] not in FIELD_ROOTS or not all(parts):
            raise _bad(f"{where}: unknown customer field (use e.g. email, address.city, ...)")
        conditions = rule.get("conditions") if isinstance(rule, Mapping) else None
        if not isinstance(conditions, Mapping) or not conditions:
            raise _bad(f"{where}: give {{conditions: {{$operator: [values]}}}}")
        for op, operand in conditions.items():
            if op not in OPERATORS:
                raise _bad(f"{where}: unknown operator {op!r}")
            if op not in _NO_OPERAND and (operand is None or operand == []):
                raise _bad(f"{where}: {op} needs a value")


def read_path(view: Mapping[str, Any], path: str) -> Any:
    current: Any = view
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def filter_matches(filter: Mapping[str, Any], view: Mapping[str, Any]) -> bool:
    """Whether a customer (their API object, ``view``) satisfies the filter."""
    results = (
        all(
            OPERATORS[op](read_path(view, path), operand)
            for op, operand in rule["conditions"].items()
        )
        for path, rule in filter.items()
        if path != "junction"
    )
    return any(results) if filter.get("junction", "and") == "or" else all(results)


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    id: str
    project_id: str
    name: str
    type: SegmentType
    filter: Mapping[str, Any] | None = None
    initial_sync_status: SyncStatus = SyncStatus.DONE
    created_at: datetime
    updated_at: datetime | None = None

    @property
    def by_rules(self) -> bool:
        return self.type is not SegmentType.STATIC

    @property
    def announces(self) -> bool:
        """Only auto-update segments record entered and left events."""
        return self.type is SegmentType.AUTO_UPDATE


def segment_object(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.id,
        "name": segment.name,
        "created_at": iso(segment.created_at),
        "updated_at": iso_or_none(segment.updated_at),
        "type": segment.type.value,
        "filter": None if segment.filter is None else dict(segment.filter),
        "initial_sync_status": segment.initial_sync_status.value,
        "object": "segment",
    }


def simple_segment(segment: Segment) -> dict[str, Any]:
    """The ``segment`` of entered and left events, and of a customer's segment list."""
    return {"id": segment.id, "name": segment.name, "object": "segment"}


def check_static_customers(customers: Sequence[str]) -> None:
    if not customers:
        raise _bad("a static segment lists at least one customer")
    if len(customers) > MAX_STATIC_CUSTOMERS:
        raise _bad(f"a static segment lists at most {MAX_STATIC_CUSTOMERS} customers")
