"""Query-string parsing tolerant of the official SDK's habits (reference §2, checklist 8).

The SDK sends nested parameters in bracket notation (``customer[source_id]=s1``), unset
filter fields as the literal ``None``, lists as Python repr (``['a', 'b']``), and datetimes in
two formats (``2024-01-01T00:00:00.000000+0000`` and ``…+00:00``). Everything here maps those
to plain values or raises ``InvalidQuery`` naming the parameter.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel

from sendout.domain.activity import ActivityQuery
from sendout.domain.bounds import MAX_PAGE
from sendout.domain.errors import InvalidQuery

MAX_LIMIT = 100
DEFAULT_LIMIT = 10
_ABSENT = {"", "None", "null"}

#: a route's query parameter, taken as text: the ``parse_*`` helpers here read it
Q = Annotated[str | None, Query()]
_BRACKETS = re.compile(r"\[([^\]]*)\]")

E = TypeVar("E", bound=StrEnum)


def present(value: str | None) -> str | None:
    """The value, or None when the SDK meant "not set"."""
    return None if value is None or value in _ABSENT else value


def parse_datetime(name: str, value: str | None) -> datetime | None:
    value = present(value)
    if value is None:
        return None
    # A literal "+" in an unencoded query string arrives as a space.
    text = value.strip().replace(" ", "+")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidQuery(details=f"{name} must be an ISO 8601 date or datetime") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_int(name: str, value: str | None, default: int, low: int, high: int) -> int:
    """An integer in [low, high]: every integer parameter is bounded (storage stops at 64
    bits, and offsets computed from it must too)."""
    value = present(value)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise InvalidQuery(details=f"{name} must be an integer") from None
    if not low <= number <= high:
        raise InvalidQuery(details=f"{name} must be between {low} and {high}")
    return number


def parse_limit(value: str | None) -> int:
    return parse_int("limit", value, DEFAULT_LIMIT, 1, MAX_LIMIT)


def parse_page(value: str | None) -> int:
    return parse_int("page", value, 1, 1, MAX_PAGE)


def parse_order(value: str | None, allowed: type[E], default: E) -> tuple[E, bool]:
    """``created_at`` / ``-created_at`` → (field, descending). Without ``order``: the default,
    descending (Voucherify lists newest first)."""
    value = present(value)
    if value is None:
        return default, True
    descending = value.startswith("-")
    try:
        return allowed(value.removeprefix("-")), descending
    except ValueError:
        choices = ", ".join(f"{v.value}, -{v.value}" for v in allowed)
        raise InvalidQuery(details=f"order must be one of {choices}") from None


def parse_enum(name: str, value: str | None, allowed: type[E]) -> E | None:
    value = present(value)
    if value is None:
        return None
    try:
        return allowed(value)
    except ValueError:
        raise InvalidQuery(details=f"{name} must be one of {', '.join(allowed)}") from None


def parse_bool(name: str, value: str | None) -> bool | None:
    value = present(value)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise InvalidQuery(details=f"{name} must be true or false")
    return value.lower() == "true"


def parse_list(values: Iterable[str]) -> list[str]:
    """Repeated keys, comma lists and the SDK's Python-repr lists, flattened."""
    items: list[str] = []
    for value in values:
        value = value.strip()
        if value in _ABSENT:
            continue
        if value.startswith("[") and value.endswith("]"):
            try:
                parsed = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                raise InvalidQuery(details=f"Cannot read the list {value!r}") from None
            items.extend(str(item) for item in parsed)
        else:
            items.extend(part.strip() for part in value.split(",") if part.strip())
    return items


def nested(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Bracket notation to nested dicts: ``a[b][c]=v`` → ``{"a": {"b": {"c": "v"}}}``.

    ``None`` values are dropped; a key repeated collects its values in a list.
    """
    result: dict[str, Any] = {}
    for key, value in pairs:
        if value in _ABSENT:
            continue
        head, _, rest = key.partition("[")
        path = [head, *_BRACKETS.findall("[" + rest)] if rest else [head]
        node = result
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        leaf = path[-1]
        if leaf in node:
            previous = node[leaf]
            node[leaf] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            node[leaf] = value
    return result


_LIST_OPERATORS = frozenset({"$in", "$not_in"})


def filters_param(pairs: Iterable[tuple[str, str]], *, bare_operators: bool = False) -> Any:
    """The ``filters[...]`` part of a query string, nested, with ``$in`` and ``$not_in``
    values read as lists (repeated keys, comma lists or the SDK's Python-repr lists).
    ``bare_operators``: a field may also hold its operators with no ``[conditions]`` between
    (``filters[voucher_id][$in]``), as the SDK sends some lists' filters."""
    raw = nested((k, v) for k, v in pairs if k.startswith("filters[")).get("filters")
    if not isinstance(raw, dict):
        return raw
    if bare_operators:
        for name, rule in raw.items():
            if isinstance(rule, dict) and "conditions" not in rule:
                raw[name] = {"conditions": rule}
    for rule in raw.values():
        conditions = rule.get("conditions") if isinstance(rule, dict) else None
        if not isinstance(conditions, dict):
            continue
        for op, value in conditions.items():
            if op in _LIST_OPERATORS and not isinstance(value, dict):
                conditions[op] = parse_list(value if isinstance(value, list) else [value])
    return raw


def parse_cursor(
    limit: str | None, order: str | None, starting_after_id: str | None
) -> tuple[int, bool, str | None]:
    """A cursor list's ``limit``, ``order`` (``id`` or ``-id``: newest first, the default)
    and ``starting_after_id``: (limit, newest first, after)."""
    ordering = present(order) or "-id"
    if ordering not in ("id", "-id"):
        raise InvalidQuery(details="order must be id or -id")
    return parse_limit(limit), ordering == "-id", present(starting_after_id)


class CursorQuery(BaseModel):
    """A cursor listing's query parameters, declared once: FastAPI documents them as the
    three parameters they are, and ``parse`` reads them as ``parse_cursor`` does."""

    limit: str | None = None
    order: str | None = None
    starting_after_id: str | None = None

    def parse(self) -> tuple[int, bool, str | None]:
        """(limit, newest first, after), or ``InvalidQuery`` naming the parameter."""
        return parse_cursor(self.limit, self.order, self.starting_after_id)


#: a route parameter standing for a cursor listing's ``limit``, ``order`` and
#: ``starting_after_id``
Cursor = Annotated[CursorQuery, Query()]


def parse_activity(
    limit: str | None,
    order: str | None,
    starting_after_id: str | None,
    start_date: str | None = None,
    end_date: str | None = None,
    type: str | None = None,
) -> ActivityQuery:
    """An activity listing's query (a customer's, a loyalty card's): ``order`` is
    ``created_at`` or ``-created_at`` (newest first, the default)."""
    ordering = present(order)
    if ordering not in (None, "created_at", "-created_at"):
        raise InvalidQuery(details="order must be created_at or -created_at")
    return ActivityQuery(
        limit=parse_limit(limit),
        descending=ordering != "created_at",
        starting_after_id=present(starting_after_id),
        start_date=parse_datetime("start_date", start_date),
        end_date=parse_datetime("end_date", end_date),
        type=present(type),
    )


class ActivityCursor(BaseModel):
    """An activity listing's cursor parameters, declared once (a loyalty card's two paths);
    ``parse`` reads them as ``parse_activity`` does."""

    limit: str | None = None
    order: str | None = None
    starting_after_id: str | None = None

    def parse(self) -> ActivityQuery:
        return parse_activity(self.limit, self.order, self.starting_after_id)


#: a route parameter standing for an activity listing's ``limit``, ``order`` (``created_at``
#: or ``-created_at``) and ``starting_after_id``
Activity = Annotated[ActivityCursor, Query()]
