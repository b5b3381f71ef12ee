"""How values travel between Python and SQLite in the statements run straight through its
driver (``DriverStatement``): SQLite keeps datetimes and JSON as text, booleans as 0 or 1."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from sendout.adapters.db.types import json_dumps, kind_of


def sqlite_value(value: Any) -> Any:
    """What UTCDateTime stores on SQLite: naive UTC text, which sorts chronologically.

    Always with six digits of microseconds, as SQLAlchemy writes it: text comparison would put
    ``10:00:00`` before ``10:00:00.000000``, the same instant."""
    if isinstance(value, datetime):
        return _sqlite_text(value)
    return value


# Cached both ways: a batch's rows mostly share an instant or two (the batch's "now").
@functools.lru_cache(maxsize=1024)
def _sqlite_text(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def sqlite_params(params: Sequence[Any]) -> list[Any]:
    return [_SQLITE_PARAMS[type(v)](v) if type(v) in _SQLITE_PARAMS else v for v in params]


#: How the hot statements' parameters of other types than SQLite's own are passed to it
_SQLITE_PARAMS: dict[type, Callable[[Any], Any]] = {
    datetime: sqlite_value,
    list: json_dumps,
    tuple: json_dumps,
}


@functools.lru_cache(maxsize=1024)
def _sqlite_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def sqlite_reader(column: sa.Column[Any]) -> Callable[[Any], Any] | None:
    kind = kind_of(column)
    if isinstance(kind, sa.DateTime):
        return _sqlite_datetime
    if isinstance(kind, sa.Date):
        return date.fromisoformat
    if isinstance(kind, sa.JSON):
        return orjson.loads
    if isinstance(kind, sa.Boolean):
        return bool  # stored as 0 or 1
    return None
