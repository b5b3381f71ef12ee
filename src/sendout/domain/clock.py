"""Time as the domain sees it: always UTC, always to the millisecond.

Voucherify timestamps carry milliseconds (``2024-01-01T11:11:11.111Z``). Truncating once,
where time enters, keeps stored values, cursors and API output consistent.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC, truncated to milliseconds."""
        ...


def truncate_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


# Cached: a batch's objects share an instant or two (its "now"), rendered once per object.
@functools.lru_cache(maxsize=4096)
def iso(moment: datetime) -> str:
    """``2024-01-01T11:11:11.111Z``: the one timestamp format of the API."""
    m = moment.astimezone(UTC)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        f".{m.microsecond // 1000:03d}Z"
    )


def iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)


def iso_date_or_none(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def parse_iso(text: str) -> datetime:
    """The inverse of ``iso`` (any ISO 8601 form with a zone; ``Z`` included)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment.astimezone(UTC)
