"""The body of ``/v1/orders`` (and the order a redemption names)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, RootModel

from sendout.domain.customers import CustomerRef
from sendout.domain.orders import MAX_ITEMS, OrderStatus
from sendout.entrypoints.api.bounds import Int64
from sendout.entrypoints.api.schemas.common import (
    NullMeansUnset,
    Timestamp,
)
from sendout.entrypoints.api.schemas.customers import CustomerBody
from sendout.services.promotions.order_import import MAX_IMPORT_ORDERS
from sendout.services.promotions.orders import OrderDraft


class OrderBody(NullMeansUnset):
    """``POST /v1/orders`` and ``PUT /v1/orders/{id}``; items are checked by the domain."""

    id: str | None = Field(default=None, min_length=1, max_length=64)
    source_id: str | None = Field(default=None, min_length=1, max_length=255)
    status: OrderStatus | None = Field(default=None, strict=False)
    amount: Int64 | None = None
    initial_amount: Int64 | None = None
    discount_amount: Int64 | None = None
    items: list[dict[str, Any]] | None = Field(default=None, max_length=MAX_ITEMS)
    metadata: dict[str, Any] | None = None
    customer: CustomerBody | None = None
    referrer: CustomerBody | None = None
    referrer_id: str | None = None
    created_at: Timestamp | None = None

    def to_draft(self) -> OrderDraft:
        referrer = self.referrer.to_ref() if self.referrer is not None else None
        if referrer is None and self.referrer_id is not None:
            referrer = CustomerRef(id=self.referrer_id)
        return OrderDraft(
            id=self.id,
            source_id=self.source_id,
            status=self.status,
            amount=self.amount,
            initial_amount=self.initial_amount,
            discount_amount=self.discount_amount,
            items=self.items,
            metadata=self.metadata,
            customer=None if self.customer is None else self.customer.to_ref(),
            referrer=referrer,
            created_at=self.created_at,
            sent=frozenset(self.model_fields_set),
        )


class OrdersImportBody(RootModel[list[OrderBody]]):
    """``POST /v1/orders/import``: a JSON array of orders, as ``POST /v1/orders`` takes them."""

    root: list[OrderBody] = Field(min_length=1, max_length=MAX_IMPORT_ORDERS)

    def to_drafts(self) -> list[OrderDraft]:
        return [order.to_draft() for order in self.root]
