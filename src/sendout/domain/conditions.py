"""Trigger conditions: which events of the trigger's type fire the distribution.

``{"dotted.path": value}`` holds when the event's data has that value there;
``{"dotted.path": {"$op": operand, ...}}`` when every operator holds:

- ``$eq``, ``$ne``: equal, not equal;
- ``$in``, ``$nin``: among, not among a list;
- ``$gt``, ``$gte``, ``$lt``, ``$lte``: ordered comparison of two numbers or two strings
  (ISO timestamps compare as text); anything else does not hold;
- ``$exists``: the path holds a value (true) or nothing (false);
- ``$contains``: a string containing a substring, or a list containing an element.

Paths are checked against the trigger's data objects when the distribution is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

MAX_CONDITIONS = 20
MAX_IN_VALUES = 1000

Check = Callable[[Any, Any], bool]


def _ordered(compare: Callable[[Any, Any], bool]) -> Check:
    def check(actual: Any, operand: Any) -> bool:
        if _is_number(actual) and _is_number(operand):
            return compare(actual, operand)
        if isinstance(actual, str) and isinstance(operand, str):
            return compare(actual, operand)
        return False

    return check


def _contains(actual: Any, operand: Any) -> bool:
    if isinstance(actual, str):
        return isinstance(operand, str) and operand in actual
    return isinstance(actual, list) and operand in actual


OPERATORS: dict[str, Check] = {
    "$eq": lambda actual, operand: actual == operand,
    "$ne": lambda actual, operand: actual != operand,
    "$in": lambda actual, operand: actual in operand,
    "$nin": lambda actual, operand: actual not in operand,
    "$gt": _ordered(lambda a, b: a > b),
    "$gte": _ordered(lambda a, b: a >= b),
    "$lt": _ordered(lambda a, b: a < b),
    "$lte": _ordered(lambda a, b: a <= b),
    "$exists": lambda actual, operand: (actual is not None) == operand,
    "$contains": _contains,
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_operators(expected: Any) -> bool:
    return isinstance(expected, Mapping) and any(str(k).startswith("$") for k in expected)


def holds(actual: Any, expected: Any) -> bool:
    """Whether the value found in the event satisfies one condition."""
    if not _is_operators(expected):
        return bool(actual == expected)
    return all(OPERATORS[op](actual, operand) for op, operand in expected.items())


def operand_problem(expected: Any) -> str | None:
    """What is wrong with a condition's expected value, or None."""
    if not _is_operators(expected):
        return None
    for op, operand in expected.items():
        if op not in OPERATORS:
            return f"unknown operator {op!r} (use {', '.join(OPERATORS)})"
        if op in ("$in", "$nin") and (
            not isinstance(operand, list) or len(operand) > MAX_IN_VALUES
        ):
            return f"{op} takes a list of at most {MAX_IN_VALUES} values"
        if op in ("$gt", "$gte", "$lt", "$lte") and not (
            _is_number(operand) or isinstance(operand, str)
        ):
            return f"{op} takes a number or a string"
        if op == "$exists" and not isinstance(operand, bool):
            return "$exists takes true or false"
    return None
