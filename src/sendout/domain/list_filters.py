"""Voucherify's advanced list filters: ``filters[<field>][conditions][$<op>]=value`` and
``filters[junction]=and|or`` (reference §1a), read into plain values a store can translate.

The official SDK sends every unset operator as the literal ``None`` (dropped before this
module sees it) and lists as Python reprs (already split by the query parser).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sendout.domain.errors import InvalidQuery


class Op(StrEnum):
    IS = "$is"
    IS_NOT = "$is_not"
    IN = "$in"
    NOT_IN = "$not_in"
    HAS_VALUE = "$has_value"
    IS_UNKNOWN = "$is_unknown"
    STARTS_WITH = "$starts_with"
    ENDS_WITH = "$ends_with"
    CONTAINS = "$contains"
    NOT_CONTAIN = "$not_contain"


#: Operators that take no value (any value sent is ignored).
UNARY = frozenset({Op.HAS_VALUE, Op.IS_UNKNOWN})


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    op: Op
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ListFilter:
    conditions: tuple[Condition, ...] = ()
    any_of: bool = False  # junction "or"

    def __bool__(self) -> bool:
        return bool(self.conditions)


def parse_list_filter(raw: Any, fields: Collection[str]) -> ListFilter:
    """``raw`` is the nested ``filters`` object of the query; ``fields`` what may be filtered."""
    if raw is None:
        return ListFilter()
    if not isinstance(raw, Mapping):
        raise InvalidQuery(details="filters must be filters[<field>][conditions][$<op>]=value")
    junction = raw.get("junction", "and")
    if junction not in ("and", "or"):
        raise InvalidQuery(details="filters[junction] must be and or or")
    conditions: list[Condition] = []
    for name, rule in raw.items():
        if name == "junction":
            continue
        if name not in fields:
            raise InvalidQuery(
                details=f"filters[{name}]: unknown field (use {', '.join(sorted(fields))})"
            )
        ops = rule.get("conditions") if isinstance(rule, Mapping) else None
        if not isinstance(ops, Mapping):
            raise InvalidQuery(details=f"filters[{name}] must hold [conditions][$<op>]")
        for op_name, value in ops.items():
            try:
                op = Op(op_name)
            except ValueError:
                raise InvalidQuery(
                    details=f"filters[{name}]: unknown operator {op_name!r} "
                    f"(use {', '.join(o.value for o in Op)})"
                ) from None
            values = _values(value)
            if op not in UNARY and not values:
                raise InvalidQuery(details=f"filters[{name}][conditions][{op_name}] needs a value")
            conditions.append(Condition(name, op, values))
    return ListFilter(tuple(conditions), any_of=junction == "or")


def _values(value: Any) -> tuple[str, ...]:
    if isinstance(value, Mapping):  # $in[0]=a&$in[1]=b
        return tuple(str(v) for _, v in sorted(value.items()))
    if isinstance(value, Sequence) and not isinstance(value, str):
        return tuple(str(v) for v in value)
    return () if value in (None, "") else (str(value),)


def holds_constant(condition: Condition, actual: str | None) -> bool:
    """A condition on a field every row has the same value for (e.g. ``result``)."""
    op, values = condition.op, condition.values
    if op is Op.HAS_VALUE:
        return actual is not None
    if op is Op.IS_UNKNOWN:
        return actual is None
    if actual is None:
        return op in (Op.IS_NOT, Op.NOT_IN, Op.NOT_CONTAIN)
    if op in (Op.IS, Op.IN):
        return actual in values
    if op in (Op.IS_NOT, Op.NOT_IN):
        return actual not in values
    if op is Op.STARTS_WITH:
        return any(actual.startswith(v) for v in values)
    if op is Op.ENDS_WITH:
        return any(actual.endswith(v) for v in values)
    contains = any(v in actual for v in values)
    return contains if op is Op.CONTAINS else not contains
