"""How many attempts may be in flight to one endpoint: a limit that adapts to how the
endpoint answers, rather than a fixed number.

A fixed limit is wrong both ways: too high for an endpoint that slows down under load (its
answers get slower, then time out, and the worker's slots wait on it), too low for a fast one
(a team's own system answering in a millisecond could take everything the worker can send, yet
would get 16 attempts at a time, and the claims that feed it would read rows they cannot take).

The rule is TCP's, applied to answers instead of packets (additive increase, multiplicative
decrease, at most one decrease per window):

- a fast answer (within ``LimitPolicy.fast_ms``) while the limit is in use (at least half of
  it in flight) raises the limit by one: a fast endpoint doubles its limit with each round of
  answers, up to ``maximum`` (TCP's slow start). Once the limit has been cut, it grows past
  the point it was cut to by one per round only (congestion avoidance): an endpoint that could
  not take a doubling (a small listen backlog dropping connections, a rate limit) is
  approached gently the next time instead of overrun again each time it recovers. An
  answer slower than that but in the endpoint's usual time (within ``slowdown`` x it) raises
  it up to ``initial`` only: an endpoint that takes seconds
  to answer never holds more than the starting number of the worker's slots;
- an overload signal (a 429, a 5xx, a timeout, a refused or reset connection) multiplies it by
  ``backoff``; so does a slow answer of an endpoint that had been fast, down to ``initial``;
  an answer slower than ``slowdown`` x the endpoint's usual time by ``slowdown_backoff``.
  A cut happens once per window (as many answers as the limit allowed when it was cut), so
  the answers already in flight when an endpoint began to struggle do not cut it to nothing;
- answers that say nothing of the endpoint's load (refused before sending) change nothing.

The circuit breaker (``domain/breaker.py``) stays the answer to an endpoint that is down: it
takes the limit to 0 while open. This limit is for an endpoint that is up.

Answer times are measured by the worker, so they include its own queueing: with the worker
busy, every answer looks slower, and a limit of a fast endpoint could fall for the worker's
reasons. ``fast_ms`` is why that does not happen: answers within it always count as good.
"""

from __future__ import annotations

from dataclasses import dataclass

#: how fast the usual answer time follows new answers (an exponential moving average)
USUAL_WEIGHT = 0.05


@dataclass(frozen=True, slots=True)
class LimitPolicy:
    """The bounds and reactions of every endpoint's limit."""

    initial: int = 16
    minimum: int = 1
    maximum: int = 256
    #: answers within this many milliseconds are always in good time
    fast_ms: float = 250.0
    #: an answer slower than this x the endpoint's usual answer time is a sign of load
    slowdown: float = 2.0
    #: the limit after an overload signal (429, 5xx, timeout, connection refused or reset)
    backoff: float = 0.5
    #: the limit after an answer that came too slowly
    slowdown_backoff: float = 0.9

    def __post_init__(self) -> None:
        if not 1 <= self.minimum <= self.initial <= self.maximum:
            raise ValueError("an endpoint limit needs 1 <= minimum <= initial <= maximum")


class EndpointLimit:
    """One endpoint's limit (mutable, like its breaker: it changes with every answer)."""

    __slots__ = ("_limit", "_policy", "_quiet", "_threshold", "_toward_next", "_usual_ms")

    def __init__(self, policy: LimitPolicy) -> None:
        self._policy = policy
        self._limit = float(policy.initial)
        self._usual_ms: float | None = None
        #: answers still to come before the limit may be cut again (one cut per window)
        self._quiet = 0
        #: where doubling stops and growth turns to one per round: the limit after the last
        #: cut (no cut yet: doubling all the way)
        self._threshold = float(policy.maximum)
        #: fast answers counted towards the next step past the threshold
        self._toward_next = 0

    @property
    def limit(self) -> int:
        return int(self._limit)

    @property
    def settled(self) -> bool:
        """At its starting point with nothing learned that a new entry would not know."""
        policy = self._policy
        return (
            self._limit == policy.initial and self._quiet == 0 and self._threshold == policy.maximum
        )

    def answered(self, duration_ms: float, in_flight: int) -> None:
        """The endpoint answered (any status but 429 and 5xx) in ``duration_ms``, with
        ``in_flight`` attempts to it still out besides this one."""
        policy = self._policy
        usual = self._usual_ms
        self._usual_ms = (
            duration_ms if usual is None else usual + (duration_ms - usual) * USUAL_WEIGHT
        )
        if self._quiet:
            self._quiet -= 1
        if duration_ms <= policy.fast_ms:
            self._grow(policy.maximum, in_flight)
        elif self._limit > policy.initial:
            # A fast endpoint turned slow: back towards its starting share at once, before
            # the slots it was given fill with slow attempts.
            self._cut(policy.backoff, floor=policy.initial)
        elif usual is None or duration_ms <= policy.slowdown * usual:
            # Slow, but in its usual time: a slow endpoint keeps its starting limit at most,
            # so one that answers in seconds cannot take every slot of the worker.
            self._grow(policy.initial, in_flight)
        else:
            self._cut(policy.slowdown_backoff)

    def overloaded(self) -> None:
        """The endpoint said it is overloaded, or did not answer (429, 5xx, a timeout, a
        refused or reset connection)."""
        if self._quiet:
            self._quiet -= 1
        self._cut(self._policy.backoff)

    def _grow(self, ceiling: int, in_flight: int) -> None:
        if in_flight + 1 >= self._limit / 2 and self._limit < ceiling:
            if self._limit < self._threshold:
                self._limit = min(float(ceiling), self._limit + 1)
                return
            # counted, not added as 1/limit fractions: those sum to just under one per round
            self._toward_next += 1
            if self._toward_next >= int(self._limit):
                self._toward_next = 0
                self._limit = min(float(ceiling), self._limit + 1)

    def _cut(self, factor: float, floor: int | None = None) -> None:
        if self._quiet:
            return
        self._quiet = max(1, int(self._limit))
        lowest = self._policy.minimum if floor is None else floor
        self._limit = max(float(lowest), self._limit * factor)
        self._threshold = self._limit
        self._toward_next = 0
