"""``X-App-Id`` + ``X-App-Token`` on every ``/v1`` route, turned into the call's ``Context``."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from starlette.requests import Request

from sendout.domain.clock import Clock
from sendout.domain.errors import Unauthorized
from sendout.domain.events import EventChannel, EventSource
from sendout.domain.ports import UnitOfWorkFactory
from sendout.domain.projects import ApiKey
from sendout.services.context import Context
from sendout.services.projects import authenticate

MAX_CACHED_KEYS = 10_000


@dataclass(frozen=True, slots=True)
class _Cached:
    key: ApiKey
    expires: float


class Authenticator:
    """Checks key pairs, keeping verified keys (hashes only) for a few seconds.

    Each request still compares its token against the stored hash in constant time; the cache
    only saves the database lookup, so a revoked key stops working within ``ttl`` seconds.
    """

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, rng: random.Random, ttl: float
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rng = rng
        self._ttl = ttl
        self._cache: dict[str, _Cached] = {}

    async def key_for(self, app_id: str | None, app_token: str | None) -> ApiKey:
        if not app_id or not app_token:
            raise Unauthorized(details="Missing X-App-Id or X-App-Token header")
        now = time.monotonic()
        cached = self._cache.get(app_id)
        if cached is not None and cached.expires > now:
            if not cached.key.accepts(app_token):
                raise Unauthorized(details="Invalid X-App-Id or X-App-Token")
            return cached.key
        key = await authenticate(self._uow_factory, app_id, app_token)
        if len(self._cache) >= MAX_CACHED_KEYS:
            self._cache.clear()
        self._cache[app_id] = _Cached(key, now + self._ttl)
        return key

    async def context(self, request: Request) -> Context:
        headers = request.headers
        key = await self.key_for(headers.get("x-app-id"), headers.get("x-app-token"))
        return Context(
            project_id=key.project_id,
            request_id=request.state.request_id,
            source=EventSource(channel=EventChannel.API, api_key_name=key.name, app_id=key.app_id),
            clock=self._clock,
            rng=self._rng,
        )
