"""Bodies of ``/v1/redemptions`` and ``/v1/validations``: what is redeemed (or validated, in a
session), and rollbacks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from sendout.domain.errors import InvalidPayload
from sendout.domain.redemptions import MAX_REDEEMABLES
from sendout.domain.validation_sessions import (
    DEFAULT_TTL,
    DEFAULT_TTL_UNIT,
    MAX_KEY_LENGTH,
    MAX_TTL,
    SessionRequest,
    TtlUnit,
)
from sendout.entrypoints.api.bounds import Int64
from sendout.entrypoints.api.schemas.common import (
    Body,
    NullMeansUnset,
)
from sendout.entrypoints.api.schemas.customers import CustomerBody
from sendout.entrypoints.api.schemas.orders import OrderBody
from sendout.services.promotions.redemption_checks import RedemptionRequest
from sendout.services.promotions.redemption_records import RedeemableRef


class GiftCreditsBody(Body):
    credits: Int64 | None = None


class SessionBody(NullMeansUnset):
    """``session``: ``{type: "LOCK", key, ttl, ttl_unit}`` (Voucherify's default: 7 days)."""

    type: Literal["LOCK"] = "LOCK"
    key: str | None = Field(default=None, min_length=1, max_length=MAX_KEY_LENGTH)
    ttl: Annotated[float, Field(gt=0, allow_inf_nan=False)] = DEFAULT_TTL
    ttl_unit: TtlUnit = Field(default=TtlUnit(DEFAULT_TTL_UNIT), strict=False)

    def to_request(self) -> SessionRequest:
        session = SessionRequest(key=self.key, ttl=self.ttl, ttl_unit=self.ttl_unit)
        if session.lasts() > MAX_TTL:
            raise InvalidPayload(details=f"session: ttl at most {MAX_TTL.days} days")
        return session


class RedeemableBody(NullMeansUnset):
    object: str = "voucher"
    id: str = Field(min_length=1, max_length=128)
    gift: GiftCreditsBody | None = None

    def to_ref(self) -> RedeemableRef:
        credits = None if self.gift is None else self.gift.credits
        return RedeemableRef(object=self.object, id=self.id, credits=credits)


class RedeemBody(NullMeansUnset):
    """``POST /v1/redemptions`` and ``POST /v1/validations``."""

    redeemables: list[RedeemableBody] = Field(min_length=1, max_length=MAX_REDEEMABLES)
    order: OrderBody | None = None
    customer: CustomerBody | None = None
    tracking_id: str | None = Field(default=None, max_length=255)
    metadata: dict[str, Any] | None = None
    session: SessionBody | None = None

    def to_request(self) -> RedemptionRequest:
        return RedemptionRequest(
            redeemables=[r.to_ref() for r in self.redeemables],
            order=None if self.order is None else self.order.to_draft(),
            customer=None if self.customer is None else self.customer.to_ref(),
            tracking_id=self.tracking_id,
            metadata=self.metadata,
            session=None if self.session is None else self.session.to_request(),
        )


class RollbackBody(NullMeansUnset):
    reason: str | None = Field(default=None, max_length=1000)
    tracking_id: str | None = None
    metadata: dict[str, Any] | None = None
