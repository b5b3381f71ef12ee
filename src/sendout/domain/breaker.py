"""A circuit breaker per endpoint: stop calling an endpoint that is down (DESIGN.md §7).

Without it, a dead endpoint's send-outs keep taking delivery slots (each for up to the full
attempt timeout) and healthy endpoints wait behind them. After ``threshold`` failures in a
row the breaker opens: no connection is made to the endpoint for ``cooldown``. Then one
probe goes out (half-open): success closes the breaker and the queue flows again; failure
opens it for twice as long, up to ``max_cooldown``.

While it is open, the endpoint's due send-outs fail fast, as attempts that made no
connection (``BREAKER_OPEN``), each on its own retry ladder: the breaker saves connections
and slots, it does not rewrite a channel's ladder (a short ladder runs out in its own time
and pauses its distribution; issue 21 §3).

A person saying "try now" (set live, enabling a project webhook, resend, recover) closes
it: ``reset`` with the time of that action, which applies only to a breaker that was
failing before it (an endpoint still dead after the action opens it again as usual).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sendout.domain.deliveries import SendResult

DEFAULT_THRESHOLD = 5
DEFAULT_COOLDOWN = timedelta(seconds=30)
DEFAULT_MAX_COOLDOWN = timedelta(minutes=10)

#: what a due send-out's attempt is while its endpoint's breaker is open: no connection made
BREAKER_OPEN = SendResult(
    status_code=None, duration_ms=0, error="EndpointUnavailable: breaker open"
)


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

    __slots__ = ("_cooldown", "_failing_since", "_failures", "_open_until", "_policy", "_probing")

    def __init__(self, policy: BreakerPolicy) -> None:
        self._policy = policy
        self._failures = 0
        self._open_until: datetime | None = None
        self._cooldown = policy.cooldown
        self._probing = False
        #: the first failure of the current run of failures (None: none since the last success)
        self._failing_since: datetime | None = None

    def state(self, now: datetime) -> BreakerState:
        if self._open_until is None:
            return BreakerState.CLOSED
        return BreakerState.OPEN if now < self._open_until else BreakerState.HALF_OPEN

    def blocks(self, now: datetime) -> bool:
        """Whether the endpoint is out of bounds now (open, or half-open: only the probe
        goes, see ``capacity``): its other due send-outs fail fast (``BREAKER_OPEN``)."""
        return self.state(now) is not BreakerState.CLOSED

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
        self._failing_since = None

    def reset(self, at: datetime) -> bool:
        """A person said "try now" at ``at``: closed (as by a success) if it was failing
        before then; answers whether it closed. A reset from before the failures began says
        nothing about them (the endpoint failed after the person acted)."""
        if self._failing_since is None or at < self._failing_since:
            return False
        self.succeeded()
        return True

    def failed(self, now: datetime) -> None:
        self._failures += 1
        if self._failing_since is None:
            self._failing_since = now
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
