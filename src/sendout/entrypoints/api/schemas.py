"""Request bodies: the only place pydantic lives. Each model converts to domain values.

Models are strict (a number where a string belongs is a 400, not a silent conversion) and
ignore unknown keys, as Voucherify does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sendout.domain.custom_events import MAX_EVENT_NAME_LENGTH, LoyaltyRef, ReferralRef
from sendout.domain.customers import EDITABLE_FIELDS, CustomerRef


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class AddressBody(_Body):
    city: str | None = None
    state: str | None = None
    line_1: str | None = None
    line_2: str | None = None
    country: str | None = None
    postal_code: str | None = None


class CustomerUpdateBody(_Body):
    """The editable customer fields; only those sent are changed."""

    name: str | None = Field(default=None, max_length=1000)
    description: str | None = Field(default=None, max_length=10_000)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    # JSON has no date type: dates arrive as "YYYY-MM-DD" text, which strict mode refuses.
    birthdate: date | None = Field(default=None, strict=False)
    birthday: date | None = Field(
        default=None, strict=False, description="Deprecated: use birthdate."
    )
    address: AddressBody | None = None
    metadata: dict[str, Any] | None = None

    def changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name in self.model_fields_set & set(EDITABLE_FIELDS):
            value = getattr(self, name)
            if name == "address" and value is not None:
                value = value.model_dump(exclude_unset=True)
            elif name == "metadata" and value is None:
                value = {}
            changes[name] = value
        return changes


class CustomerBody(CustomerUpdateBody):
    """A customer by ``id`` or ``source_id``, with fields to create or update."""

    id: str | None = Field(default=None, min_length=1, max_length=64)
    source_id: str | None = Field(default=None, min_length=1, max_length=255)

    def to_ref(self) -> CustomerRef:
        return CustomerRef(id=self.id, source_id=self.source_id, fields=self.changes())


class ReferralBody(_Body):
    code: str = Field(min_length=1)
    referrer_id: str | None = None

    def to_ref(self) -> ReferralRef:
        return ReferralRef(code=self.code, referrer_id=self.referrer_id)


class LoyaltyBody(_Body):
    code: str = Field(min_length=1)

    def to_ref(self) -> LoyaltyRef:
        return LoyaltyRef(code=self.code)


class EventBody(_Body):
    event: str = Field(min_length=1, max_length=MAX_EVENT_NAME_LENGTH)
    customer: CustomerBody
    referral: ReferralBody | None = None
    loyalty: LoyaltyBody | None = None
    metadata: dict[str, Any] | None = None
