"""Failed sign-ins counted per key, and the lockout they earn (issue 20, item 3).

A key is a client address or a sign-in target (an app id, the admin password). After
``threshold`` failures the key is locked out for ``lockout``; each further failure doubles
the lockout, up to ``max_lockout``. Attempts while locked out are refused without looking at
the credentials, so guessing is no faster than the lockouts allow, and they are not counted
(a refused attempt learns nothing). A key's failures are forgotten ``window`` after its last
failure or lockout, whichever ends later.

Memory is bounded: at most ``max_entries`` keys are kept, the one whose last failure is
oldest is dropped first, so an attacker cannot grow the table without bound (and can only
flush a record by failing from as many other keys, each of which is throttled in turn).

Pure: the caller passes ``now`` (from the injected clock).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

DEFAULT_THRESHOLD = 5
DEFAULT_LOCKOUT = timedelta(seconds=1)
DEFAULT_MAX_LOCKOUT = timedelta(minutes=15)
DEFAULT_WINDOW = timedelta(minutes=15)
DEFAULT_MAX_ENTRIES = 10_000
#: a longer target (an app id is up to a few dozen characters) is cut, so a huge header
#: cannot make one entry large
MAX_KEY_LENGTH = 128
#: IPv6 clients are counted by /64: one host usually holds a whole /64 of addresses
IPV6_PREFIX = 64
UNKNOWN_ADDRESS = "unknown"


class TargetKind(StrEnum):
    """What a sign-in attempt tries to open."""

    ADMIN = "admin password"
    APP = "app id"


@dataclass(frozen=True, slots=True, kw_only=True)
class ThrottlePolicy:
    threshold: int = DEFAULT_THRESHOLD
    lockout: timedelta = DEFAULT_LOCKOUT
    max_lockout: timedelta = DEFAULT_MAX_LOCKOUT
    window: timedelta = DEFAULT_WINDOW
    max_entries: int = DEFAULT_MAX_ENTRIES

    def lockout_after(self, failures: int) -> timedelta | None:
        """The lockout ``failures`` failures in a row earn (None below the threshold)."""
        if failures < self.threshold:
            return None
        # Capped before multiplying: 2**n of a long siege must not overflow timedelta.
        doublings: int = min(failures - self.threshold, 40)
        return min(self.lockout * (1 << doublings), self.max_lockout)


@dataclass(slots=True)
class _Record:
    failures: int
    forget_at: datetime


class Throttle:
    """The failures and lockouts of one kind of key (addresses, or targets)."""

    __slots__ = ("_latest_unlock", "_locked", "_policy", "_records")

    def __init__(self, policy: ThrottlePolicy) -> None:
        self._policy = policy
        #: oldest last failure first (a key that fails again moves to the end)
        self._records: dict[str, _Record] = {}
        #: keys locked out, until when; emptied once every lockout has ended, so the common
        #: case (nobody locked out) is one truthiness test
        self._locked: dict[str, datetime] = {}
        self._latest_unlock: datetime | None = None

    @property
    def locking(self) -> bool:
        """Whether some key may be locked out (False: no need to look any key up)."""
        return bool(self._locked)

    @property
    def counting(self) -> bool:
        """Whether any failure is remembered (False: a success has nothing to clear)."""
        return bool(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def retry_after(self, key: str, now: datetime) -> timedelta | None:
        """How long ``key`` is still locked out; None when it may try now."""
        if not self._locked:
            return None
        if self._latest_unlock is not None and now >= self._latest_unlock:
            self._locked.clear()
            self._latest_unlock = None
            return None
        until = self._locked.get(key[:MAX_KEY_LENGTH])
        return None if until is None or now >= until else until - now

    def failed(self, key: str, now: datetime) -> timedelta | None:
        """Counts one failure of ``key``; the lockout it starts, if it starts one."""
        key = key[:MAX_KEY_LENGTH]
        record = self._records.pop(key, None)
        if record is None or now >= record.forget_at:
            record = _Record(failures=0, forget_at=now)
        record.failures += 1
        lockout = self._policy.lockout_after(record.failures)
        end = now if lockout is None else now + lockout
        record.forget_at = end + self._policy.window
        self._forget_old(now)
        self._records[key] = record
        if lockout is not None:
            self._locked[key] = end
            if self._latest_unlock is None or end > self._latest_unlock:
                self._latest_unlock = end
        return lockout

    def succeeded(self, key: str) -> None:
        """Forgets ``key``'s failures (the right credentials were given)."""
        if self._records:
            key = key[:MAX_KEY_LENGTH]
            self._records.pop(key, None)
            self._locked.pop(key, None)

    def _forget_old(self, now: datetime) -> None:
        """Drops forgotten records from the front, then the oldest beyond the cap."""
        records = self._records
        while records:
            oldest = next(iter(records))
            if now < records[oldest].forget_at and len(records) < self._policy.max_entries:
                return
            del records[oldest]
            self._locked.pop(oldest, None)


def client_key(host: str | None) -> str:
    """The key of a client address: IPv4 as is, IPv6 by its /64 network."""
    if not host:
        return UNKNOWN_ADDRESS
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:MAX_KEY_LENGTH]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:1.2.3.4 is the IPv4 client 1.2.3.4
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


def target_key(kind: TargetKind, name: str) -> str:
    return f"{kind.value}:{name}"
