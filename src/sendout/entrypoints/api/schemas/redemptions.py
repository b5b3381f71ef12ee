"""Bodies of ``/v1/redemptions`` and ``/v1/validations``: what is redeemed, and rollbacks."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from sendout.domain.redemptions import MAX_REDEEMABLES
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

    def to_request(self) -> RedemptionRequest:
        return RedemptionRequest(
            redeemables=[r.to_ref() for r in self.redeemables],
            order=None if self.order is None else self.order.to_draft(),
            customer=None if self.customer is None else self.customer.to_ref(),
            tracking_id=self.tracking_id,
            metadata=self.metadata,
        )


class RollbackBody(NullMeansUnset):
    reason: str | None = Field(default=None, max_length=1000)
    tracking_id: str | None = None
    metadata: dict[str, Any] | None = None
