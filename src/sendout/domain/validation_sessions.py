"""Validation sessions (Voucherify's ``session: {type: "LOCK", key, ttl, ttl_unit}``): a
validation that opens one holds back, until the session ends, one use of each code it
validated and the gift credits it would take. Other validations and redemptions see the code
with those held back (so a code with one use left, held by a session, is ``quantity_exceeded``
for everyone else); the session's own redemption (the same key) does not, and ends the hold.
A session ends when its time is up, when it redeems, or when it is released. Sending a key
again replaces what that session holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sendout.domain.vouchers import EffectiveVoucher

SESSION_TYPE = "LOCK"
#: Voucherify's default when the request gives no ttl
DEFAULT_TTL, DEFAULT_TTL_UNIT = 7, "DAYS"
#: the longest a session may hold a code: a year (Voucherify sets no limit; an unbounded
#: hold would keep a code out of use for good)
MAX_TTL = timedelta(days=366)
MAX_KEY_LENGTH = 200


class TtlUnit(StrEnum):
    DAYS = "DAYS"
    HOURS = "HOURS"
    MINUTES = "MINUTES"
    SECONDS = "SECONDS"
    MILLISECONDS = "MILLISECONDS"
    MICROSECONDS = "MICROSECONDS"
    NANOSECONDS = "NANOSECONDS"


_SECONDS = {
    TtlUnit.DAYS: 86_400.0,
    TtlUnit.HOURS: 3_600.0,
    TtlUnit.MINUTES: 60.0,
    TtlUnit.SECONDS: 1.0,
    TtlUnit.MILLISECONDS: 1e-3,
    TtlUnit.MICROSECONDS: 1e-6,
    TtlUnit.NANOSECONDS: 1e-9,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionRequest:
    """The ``session`` of a validation or redemption request (checked where it enters)."""

    key: str | None = None
    ttl: float = DEFAULT_TTL
    ttl_unit: TtlUnit = TtlUnit.DAYS

    def lasts(self) -> timedelta:
        return timedelta(seconds=self.ttl * _SECONDS[self.ttl_unit])


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionHold:
    """What one session holds back of one code until ``expires_at``."""

    project_id: str
    key: str
    voucher_id: str
    #: gift credits held (0 for a discount code)
    credits: int = 0
    ttl: float
    ttl_unit: TtlUnit
    created_at: datetime
    expires_at: datetime

    def session_object(self) -> dict[str, Any]:
        return session_object(self.key, self.ttl, self.ttl_unit)


def session_object(key: str, ttl: float, ttl_unit: TtlUnit) -> dict[str, Any]:
    """The ``session`` of an answer, as Voucherify gives it back."""
    whole = int(ttl) if float(ttl).is_integer() else ttl
    return {"key": key, "type": SESSION_TYPE, "ttl": whole, "ttl_unit": ttl_unit.value}


def held_back(voucher: EffectiveVoucher, holds: Iterable[SessionHold]) -> EffectiveVoucher:
    """``voucher`` as others see it while ``holds`` last: a use more redeemed per hold, and
    the held credits out of its gift balance. Only for checking and pricing: the stored
    code keeps its own counts."""
    mine = [h for h in holds if h.voucher_id == voucher.voucher.id]
    if not mine:
        return voucher
    own = voucher.voucher
    counted = replace(own, redeemed_quantity=own.redeemed_quantity + len(mine))
    gift = voucher.gift
    credits = sum(h.credits for h in mine)
    if gift is not None and credits:
        left = max(int(gift.get("balance") or 0) - credits, 0)
        counted = replace(counted, gift={**gift, "balance": left})
    return replace(voucher, voucher=counted)
