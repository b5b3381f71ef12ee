"""A circuit breaker per endpoint: stop calling an endpoint that is down (DESIGN.md §7).

Without it, a dead endpoint's send-outs keep taking delivery slots (each for up to the full
attempt timeout) and healthy endpoints wait behind them. After ``threshold`` failures in a
row the breaker opens: the endpoint's queue is held, untouched, for ``cooldown``. Then one
probe goes out (half-open): success closes the breaker and the queue flows again; failure
opens it for twice as long, up to ``max_cooldown``.

Held send-outs are not failed and use no retry: the breaker decides *when* to try, the
retry ladder decides *how often*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

DEFAULT_THRESHOLD = 5
DEFAULT_COOLDOWN = timedelta(seconds=30)
DEFAULT_MAX_COOLDOWN = timedelta(minutes=10)


class BreakerState(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakerPolicy:
    threshold: int = DEFAULT_THRESHOLD
    cooldown: timedelta = DEFAULT_COOLDOWN
    max_cooldown: timedelta = DEFAULT_MAX_COOLDOWN


class Breaker:
    """The state of one endpoint, as seen by one worker."""

    __slots__ = ("_cooldown", "_failures", "_open_until", "_policy", "_probing")

    def __init__(self, policy: BreakerPolicy) -> None:
        self._policy = policy
        self._failures = 0
        self._open_until: datetime | None = None
        self._cooldown = policy.cooldown
        self._probing = False

    def state(self, now: datetime) -> BreakerState:
        if self._open_until is None:
            return BreakerState.CLOSED
        return BreakerState.OPEN if now < self._open_until else BreakerState.HALF_OPEN

    def hold_until(self, now: datetime, probe: timedelta) -> datetime | None:
        """Until when the endpoint's queue waits: while open, until the probe may go out;
        while a probe is out, until ``probe`` from now (the probe's own lease); None when
        the endpoint may be sent to now."""
        state = self.state(now)
        if state is BreakerState.OPEN:
            return self._open_until
        if state is BreakerState.HALF_OPEN and self._probing:
            return now + probe
        return None

    def capacity(self, now: datetime, limit: int) -> int:
        """How many attempts may be in flight to this endpoint now (``limit`` when healthy)."""
        state = self.state(now)
        if state is BreakerState.CLOSED:
            return limit
        if state is BreakerState.HALF_OPEN and not self._probing:
            return 1
        return 0

    def started(self, now: datetime) -> None:
        if self.state(now) is BreakerState.HALF_OPEN:
            self._probing = True

    def succeeded(self) -> None:
        self._failures = 0
        self._open_until = None
        self._cooldown = self._policy.cooldown
        self._probing = False

    def failed(self, now: datetime) -> None:
        self._failures += 1
        if self._probing:
            # The probe failed: the endpoint is still down, wait longer this time.
            self._probing = False
            self._cooldown = min(self._cooldown * 2, self._policy.max_cooldown)
            self._open_until = now + self._cooldown
        elif self._open_until is None and self._failures >= self._policy.threshold:
            self._open_until = now + self._cooldown

    @property
    def idle(self) -> bool:
        """Nothing worth remembering: the entry can be dropped."""
        return self._failures == 0 and self._open_until is None
