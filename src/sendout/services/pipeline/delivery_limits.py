"""Each endpoint's limit of attempts in flight, adapting to its answers
(``domain/endpoint_limits.py``): the worker's view of how much each endpoint can take."""

from __future__ import annotations

from sendout.domain.deliveries import SendResult
from sendout.domain.endpoint_limits import EndpointLimit, LimitPolicy

#: endpoints remembered at most; past it, those with nothing learned are forgotten
REMEMBERED = 10_000


class EndpointLimits:
    def __init__(self, policy: LimitPolicy) -> None:
        self._policy = policy
        self._limits: dict[str, EndpointLimit] = {}

    def limit(self, url: str) -> int:
        """How many attempts may be in flight to ``url`` (before its breaker has its say)."""
        known = self._limits.get(url)
        return self._policy.initial if known is None else known.limit

    def judge(self, url: str, result: SendResult, in_flight: int) -> None:
        """What an attempt's result says about the load its endpoint can take; ``in_flight``:
        the attempts to it still out besides this one."""
        if result.final:
            return  # refused before sending: says nothing about the endpoint
        known = self._limits.get(url)
        if known is None:
            if len(self._limits) >= REMEMBERED:
                self._forget_settled()
            known = self._limits[url] = EndpointLimit(self._policy)
        code = result.status_code
        if code is None or code == 429 or code >= 500:
            known.overloaded()
        else:
            known.answered(result.duration_ms, in_flight)

    def _forget_settled(self) -> None:
        for url in [url for url, known in self._limits.items() if known.settled]:
            del self._limits[url]
        if len(self._limits) >= REMEMBERED:  # all of them learned something: the oldest go
            for url in list(self._limits)[: REMEMBERED // 10]:
                del self._limits[url]
