"""Throttled sign-in: the API's key pairs and the dashboard's sign-in share one guard, so a
client address or a target (an app id, the admin password) earns its lockout wherever it
guesses.

Two counts, because they stop different attacks: per target, a distributed guesser (many
addresses, one app id or the admin password) is locked out after a few failures; per client
address, one guesser spraying many targets is. The address gets a larger allowance, since
many honest clients can share one (an office NAT), and a success does not clear it (else one
valid key pair would reset the count between guesses at other targets); a success clears its
target's count.

A target's lockout does not apply to the addresses that recently signed in to it with the
right credential. App ids are not secret (webhook envelopes carry them in
``event.event_source``), so without this anyone who saw one could keep its project's own
clients locked out with a wrong token every few minutes. Those addresses still count their
own failures, and a distributed guesser comes from addresses that never succeeded.

The state is in this process's memory: several API processes each keep their own, so a
guesser spread over N processes gets N times the attempts. That is acceptable as defence in
depth (tokens are 32 random bytes; the admin password has at least 16 characters) and keeps
the API's success path free of any database round trip.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sendout.domain.clock import Clock
from sendout.domain.errors import TooManyRequests, Unauthorized
from sendout.domain.throttle import (
    DEFAULT_LOCKOUT,
    TargetKind,
    Throttle,
    ThrottlePolicy,
    target_key,
)

log = logging.getLogger("sendout.auth")

TARGET_THRESHOLD = 5
ADDRESS_THRESHOLD = 20
#: targets whose good addresses are remembered, and addresses remembered per target (both
#: bounded, oldest first out: an attacker cannot grow them, only a correct credential adds)
KNOWN_TARGETS = 10_000
KNOWN_ADDRESSES_PER_TARGET = 16


class SignInGuard:
    def __init__(self, clock: Clock, lockout: timedelta = DEFAULT_LOCKOUT) -> None:
        self._clock = clock
        self._targets = Throttle(ThrottlePolicy(threshold=TARGET_THRESHOLD, lockout=lockout))
        self._addresses = Throttle(ThrottlePolicy(threshold=ADDRESS_THRESHOLD, lockout=lockout))
        # (kind, name) -> the client hosts that signed in to it (dicts keep insertion order)
        self._known: dict[tuple[TargetKind, str], dict[str, None]] = {}

    @property
    def locking(self) -> bool:
        """False while nobody is locked out: ``check`` would pass, so callers on a hot path
        may skip it (and working out the client's address)."""
        return self._targets.locking or self._addresses.locking

    def check(self, kind: TargetKind, name: str, address: str, host: str | None = None) -> None:
        """Raises ``TooManyRequests`` while the target or the address is locked out; ``host``
        (the client's own address) is spared the target's lockout when it signed in before."""
        if not self.locking:
            return
        now = self._clock.now()
        known = host is not None and host in self._known.get((kind, name), ())
        waits = [
            wait
            for wait in (
                None if known else self._targets.retry_after(target_key(kind, name), now),
                self._addresses.retry_after(address, now),
            )
            if wait is not None
        ]
        if waits:
            raise TooManyRequests(retry_after=max(1, math.ceil(max(waits).total_seconds())))

    def failed(self, kind: TargetKind, name: str, address: str) -> None:
        """Counts a wrong credential; a lockout it starts is logged (once per lockout; never
        the credential, nor the name, which may be a secret typed in the wrong field)."""
        now = self._clock.now()
        for throttled, throttle, key in (
            ("target", self._targets, target_key(kind, name)),
            ("client address", self._addresses, address),
        ):
            lockout = throttle.failed(key, now)
            if lockout is not None:
                log.warning(
                    "sign-in locked out for %ds by its %s: failed %s from client %s",
                    math.ceil(lockout.total_seconds()),
                    throttled,
                    kind.value,
                    address,
                )

    def succeeded(self, kind: TargetKind, name: str, host: str | None = None) -> None:
        """A right credential: clears the target's count and remembers ``host`` for it."""
        if self._targets.counting:
            self._targets.succeeded(target_key(kind, name))
        if host is None:
            return
        target = (kind, name)
        hosts = self._known.get(target)
        if hosts is None:
            if len(self._known) >= KNOWN_TARGETS:
                del self._known[next(iter(self._known))]
            hosts = self._known[target] = {}
        elif host in hosts:
            return
        if len(hosts) >= KNOWN_ADDRESSES_PER_TARGET:
            del hosts[next(iter(hosts))]
        hosts[host] = None

    @contextmanager
    def attempt(
        self, kind: TargetKind, name: str, address: str, host: str | None = None
    ) -> Iterator[None]:
        """A sign-in attempt: refused while locked out, counted when ``Unauthorized`` leaves
        the block, clearing the target's count (and remembering ``host``) when it completes."""
        self.check(kind, name, address, host)
        try:
            yield
        except Unauthorized:
            self.failed(kind, name, address)
            raise
        self.succeeded(kind, name, host)
