"""The body of ``POST /v1/events``: a custom event of a customer."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from sendout.domain.custom_events import MAX_EVENT_NAME_LENGTH, LoyaltyRef, ReferralRef
from sendout.entrypoints.api.schemas.common import (
    Body,
)
from sendout.entrypoints.api.schemas.customers import CustomerBody


class ReferralBody(Body):
    code: str = Field(min_length=1)
    referrer_id: str | None = None

    def to_ref(self) -> ReferralRef:
        return ReferralRef(code=self.code, referrer_id=self.referrer_id)


class LoyaltyBody(Body):
    code: str = Field(min_length=1)

    def to_ref(self) -> LoyaltyRef:
        return LoyaltyRef(code=self.code)


class EventBody(Body):
    event: str = Field(min_length=1, max_length=MAX_EVENT_NAME_LENGTH)
    customer: CustomerBody
    referral: ReferralBody | None = None
    loyalty: LoyaltyBody | None = None
    metadata: dict[str, Any] | None = None
