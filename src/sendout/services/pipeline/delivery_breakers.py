"""Isolation of endpoints (DESIGN.md §7: a slow or dead endpoint must not delay healthy ones).

Each worker keeps a breaker per endpoint (URL) that failed: while it is open, the worker calls
none of the endpoint's send-outs (the deliverer fails them fast on their own ladder, see
``services/pipeline/deliver.py``),
so a timing-out endpoint cannot fill the worker with attempts that
wait ten seconds each; one probe goes out per cool-down. A person's "try now" closes it
(``services/pipeline/endpoint_resets.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sendout.domain.breaker import Breaker, BreakerPolicy
from sendout.domain.clock import Clock
from sendout.domain.deliveries import SendResult
from sendout.domain.ports import UnitOfWork
from sendout.services.pipeline.endpoint_resets import close_reset_breakers


class EndpointBreakers:
    """The breakers of the endpoints this worker saw fail (a healthy endpoint has none)."""

    def __init__(self, policy: BreakerPolicy, clock: Clock) -> None:
        self._policy = policy
        self._clock = clock
        self._breakers: dict[str, Breaker] = {}

    @property
    def urls(self) -> Collection[str]:
        return self._breakers.keys()

    def blocking(self, now: datetime) -> int:
        """How many endpoints' breakers refuse attempts now (the metrics)."""
        return sum(1 for breaker in self._breakers.values() if breaker.blocks(now))

    def blocked(self, url: str, now: datetime) -> bool:
        """Whether ``url``'s breaker refuses attempts now (open, or its probe is out)."""
        breaker = self._breakers.get(url)
        return breaker is not None and breaker.blocks(now)

    async def close_reset(self, uow: UnitOfWork, now: datetime) -> int:
        """Close the open breakers a person reset since their failures began (no query while
        none is open). Answers how many closed."""
        return await close_reset_breakers(uow, self._breakers, now)

    def capacity(self, url: str, now: datetime, limit: int) -> int:
        """How many attempts may be in flight to ``url`` now (``limit`` when healthy)."""
        breaker = self._breakers.get(url)
        return limit if breaker is None else breaker.capacity(now, limit)

    def started(self, url: str, now: datetime) -> None:
        """An attempt to ``url`` went out (while half-open: the probe)."""
        breaker = self._breakers.get(url)
        if breaker is not None:
            breaker.started(now)

    def judge(self, url: str, result: SendResult) -> None:
        """What an attempt's result says about its endpoint's health."""
        breaker = self._breakers.get(url)
        if result.delivered or (result.status_code is not None and result.status_code < 500):
            # The endpoint answered: it is up, whatever it thought of the request.
            if breaker is not None:
                breaker.succeeded()
                if breaker.idle:
                    del self._breakers[url]
            return
        if result.final:
            return  # refused before sending: says nothing about the endpoint's health
        if breaker is None:
            breaker = self._breakers[url] = Breaker(self._policy)
        breaker.failed(self._clock.now())
