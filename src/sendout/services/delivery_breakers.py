"""Isolation of endpoints (DESIGN.md §7: a slow or dead endpoint must not delay healthy ones).

Each worker keeps a breaker per endpoint (URL) that failed: while it is open, the worker
claims none of the endpoint's send-outs, so a timing-out endpoint cannot fill the worker with
attempts that wait ten seconds each. While a breaker is open, the endpoint's due send-outs
are deferred to the breaker's probe time, and while its probe is out, to the probe's lease
end (again every ``DEFER_EVERY`` for those that came due since): left due, every claim would
read past all of them, oldest first, before reaching a healthy endpoint's, and an outage of
hours makes that hundreds of thousands of rows per claim.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sendout.domain.breaker import Breaker, BreakerPolicy
from sendout.domain.clock import Clock
from sendout.domain.deliveries import SendResult
from sendout.domain.ports import UnitOfWork

DEFER_EVERY = timedelta(seconds=1)  # how often an open breaker's new due send-outs are deferred


class EndpointBreakers:
    """The breakers of the endpoints this worker saw fail (a healthy endpoint has none)."""

    def __init__(self, policy: BreakerPolicy, probe_lease: timedelta, clock: Clock) -> None:
        self._policy = policy
        self._clock = clock
        #: how long a probe holds its endpoint's queue (the attempt's lease)
        self._probe_lease = probe_lease
        self._breakers: dict[str, Breaker] = {}
        self._deferred: dict[str, datetime] = {}  # per URL, when its send-outs were last deferred

    @property
    def urls(self) -> Collection[str]:
        return self._breakers.keys()

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
                    self._deferred.pop(url, None)
            return
        if result.final:
            return  # refused before sending: says nothing about the endpoint's health
        if breaker is None:
            breaker = self._breakers[url] = Breaker(self._policy)
        breaker.failed(self._clock.now())

    async def defer_held(self, uow: UnitOfWork, now: datetime) -> bool:
        """Out of the claim's way: the due send-outs of endpoints whose breaker is open, to
        when the breaker lets a probe through (see the module's docstring). True if it
        wrote anything."""
        wrote = False
        for url, breaker in self._breakers.items():
            until = breaker.hold_until(now, self._probe_lease)
            last = self._deferred.get(url)
            if until is None or (last is not None and now - last < DEFER_EVERY):
                continue
            await uow.deliveries.defer(url, now, until)
            self._deferred[url] = now
            wrote = True
        return wrote
