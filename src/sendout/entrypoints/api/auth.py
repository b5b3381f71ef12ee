"""``X-App-Id`` + ``X-App-Token`` on every ``/v1`` route, turned into the call's ``Context``.

Wrong tokens are throttled by app id and by client address (``SignInGuard``): a locked-out
caller gets 429 ``too_many_requests`` with ``Retry-After`` before its token is looked at. The
client address is the connection's peer; uvicorn replaces it with ``X-Forwarded-For`` only
for the proxies it trusts (``FORWARDED_ALLOW_IPS``, by default a proxy on this machine).
"""

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
from sendout.domain.throttle import TargetKind, client_key
from sendout.log_context import bind_log_fields
from sendout.services.accounts.projects import authenticate
from sendout.services.accounts.sign_in_guard import SignInGuard
from sendout.services.context import Context

MAX_CACHED_KEYS = 10_000


@dataclass(frozen=True, slots=True)
class _Cached:
    key: ApiKey
    expires: float


class Authenticator:
    """Checks key pairs, keeping verified keys (hashes only) for a few seconds.

    Each request still compares its token against the stored hash in constant time; the cache
    only saves the database lookup, so a revoked key stops working within ``ttl`` seconds.
    While nobody is locked out, throttling costs a success two truthiness tests.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        rng: random.Random,
        ttl: float,
        guard: SignInGuard,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rng = rng
        self._ttl = ttl
        self._guard = guard
        self._cache: dict[str, _Cached] = {}

    async def key_for(
        self, app_id: str | None, app_token: str | None, client: tuple[str, int] | None = None
    ) -> ApiKey:
        """The key pair's key; ``client`` is the ASGI client (host, port) it comes from."""
        if not app_id or not app_token:
            raise Unauthorized(details="Missing X-App-Id or X-App-Token header")
        guard = self._guard
        host = None if client is None else client[0]
        if guard.locking:
            guard.check(TargetKind.APP, app_id, _address(client), host)
        now = time.monotonic()
        cached = self._cache.get(app_id)
        if cached is not None and cached.expires > now:
            if not cached.key.accepts(app_token):
                guard.failed(TargetKind.APP, app_id, _address(client))
                raise Unauthorized(details="Invalid X-App-Id or X-App-Token")
            guard.succeeded(TargetKind.APP, app_id, host)
            return cached.key
        try:
            key = await authenticate(self._uow_factory, app_id, app_token)
        except Unauthorized:
            guard.failed(TargetKind.APP, app_id, _address(client))
            raise
        guard.succeeded(TargetKind.APP, app_id, host)
        if len(self._cache) >= MAX_CACHED_KEYS:
            self._cache.clear()
        self._cache[app_id] = _Cached(key, now + self._ttl)
        return key

    async def context(self, request: Request) -> Context:
        headers = request.headers
        key = await self.key_for(
            headers.get("x-app-id"), headers.get("x-app-token"), request.scope.get("client")
        )
        bind_log_fields(project_id=key.project_id)
        return Context(
            project_id=key.project_id,
            request_id=request.state.request_id,
            source=EventSource(channel=EventChannel.API, api_key_name=key.name, app_id=key.app_id),
            clock=self._clock,
            rng=self._rng,
        )


def _address(client: tuple[str, int] | None) -> str:
    return client_key(None if client is None else client[0])
