"""When to try a delivery again (DESIGN.md §7).

Voucherify's ladder by default: up to 12 retries, the n-th after 2^(n-1) minutes (1, 2, 4, …
minutes), capped at 24 hours, each delay spread by ±``jitter`` so failed deliveries to one
endpoint do not come back in a burst. ``Retry-After`` on 429 and 503 replaces the ladder's
delay (capped the same). 410 Gone means the endpoint is gone: no retry.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

DEFAULT_RETRIES = 12
DEFAULT_FIRST_DELAY = timedelta(minutes=1)
DEFAULT_MAX_DELAY = timedelta(hours=24)
DEFAULT_JITTER = 0.1  # ± 10 %
_RETRY_AFTER_CODES = frozenset({429, 503})
_GONE = 410


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    retries: int = DEFAULT_RETRIES
    first_delay: timedelta = DEFAULT_FIRST_DELAY
    max_delay: timedelta = DEFAULT_MAX_DELAY
    jitter: float = DEFAULT_JITTER

    def delay(self, retry: int, rng: random.Random) -> timedelta:
        """The wait before retry number ``retry`` (1-based), jitter included."""
        base = min(self.first_delay * 2 ** (retry - 1), self.max_delay)
        spread = 1 + rng.uniform(-self.jitter, self.jitter)
        delay: timedelta = min(base * spread, self.max_delay)
        return delay

    def next_attempt(
        self,
        *,
        attempts: int,
        status_code: int | None,
        retry_after: timedelta | None,
        now: datetime,
        rng: random.Random,
    ) -> datetime | None:
        """After ``attempts`` failed attempts, when to try again, or None to give up."""
        if status_code == _GONE or attempts > self.retries:
            return None
        if retry_after is not None and status_code in _RETRY_AFTER_CODES:
            return now + min(max(retry_after, timedelta(0)), self.max_delay)
        return now + self.delay(attempts, rng)


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as seconds, or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment - now if moment.tzinfo else None


def retry_object(policy: RetryPolicy) -> dict[str, int]:
    """A channel's retry ladder as the API shows it."""
    return {
        "max_retries": policy.retries,
        "initial_delay_seconds": int(policy.first_delay.total_seconds()),
        "max_delay_seconds": int(policy.max_delay.total_seconds()),
    }
