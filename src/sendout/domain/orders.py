"""Orders: what a customer bought, and the events distributions fire on (reference §1b).

Amounts are integers in minor units. Voucherify's ``OrderCalculated`` derives most of its
amounts: an item's ``amount`` is ``quantity * price`` unless given; the order's ``amount`` is
the items' sum unless given; discounts come from the order (``discount_amount``) and its items
(``items_discount_amount``); ``total_amount`` is what is left to pay. The ``applied_*``
amounts are the part of those discounts that redemptions applied (none until redemptions
exist).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.clock import iso, iso_or_none
from sendout.domain.errors import InvalidPayload, invalid_resource
from sendout.domain.events import EventType

MAX_ITEMS = 500
#: 10^13 minor units (100 billion in a 2-decimal currency): far beyond any real order, and
#: the sums of many such orders stay exact in a 64-bit integer.
MAX_AMOUNT = 10**13


class OrderStatus(StrEnum):
    CREATED = "CREATED"
    PAID = "PAID"
    CANCELED = "CANCELED"
    FULFILLED = "FULFILLED"


class OrderOrder(StrEnum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


def _bad(details: str) -> InvalidPayload:
    return invalid_resource("order", details)


def _amount(value: Any, where: str, *, allow_none: bool = True) -> int | None:
    if value is None and allow_none:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad(f"{where} must be an integer (minor units)")
    if not 0 <= value <= MAX_AMOUNT:
        raise _bad(f"{where} must be between 0 and {MAX_AMOUNT}")
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderItem:
    id: str
    quantity: int | None = None
    price: int | None = None
    amount: int | None = None
    discount_amount: int | None = None
    discount_quantity: int | None = None
    initial_quantity: int | None = None
    initial_amount: int | None = None
    sku_id: str | None = None
    product_id: str | None = None
    related_object: str | None = None
    source_id: str | None = None
    product: Mapping[str, Any] | None = None
    sku: Mapping[str, Any] | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    #: the part of ``discount_amount`` that redemptions applied
    applied_discount_amount: int = 0

    @property
    def subtotal(self) -> int:
        """The item's amount: as given, else quantity * price (0 when neither is known)."""
        if self.amount is not None:
            return self.amount
        if self.quantity is not None and self.price is not None:
            return self.quantity * self.price
        return 0

    def as_object(self) -> dict[str, Any]:
        discount = self.discount_amount or 0
        return {
            "id": self.id,
            "sku_id": self.sku_id,
            "product_id": self.product_id,
            "related_object": self.related_object,
            "source_id": self.source_id,
            "quantity": self.quantity,
            "discount_quantity": self.discount_quantity,
            "initial_quantity": self.initial_quantity,
            "amount": self.subtotal,
            "discount_amount": discount,
            "applied_discount_amount": self.applied_discount_amount,
            "initial_amount": self.initial_amount,
            "price": self.price,
            "subtotal_amount": self.subtotal - discount,
            "product": None if self.product is None else dict(self.product),
            "sku": None if self.sku is None else dict(self.sku),
            "object": "order_item",
            "metadata": dict(self.metadata),
        }


def parse_item(raw: Mapping[str, Any], n: int, item_id: str) -> OrderItem:
    where = f"items[{n}]"
    quantity = raw.get("quantity")
    if quantity is not None and (
        not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0
    ):
        raise _bad(f"{where}.quantity must be a whole number, 0 or more")
    related = raw.get("related_object")
    if related is not None and related not in ("product", "sku"):
        raise _bad(f"{where}.related_object must be product or sku")
    item = OrderItem(
        id=item_id,
        quantity=quantity,
        price=_amount(raw.get("price"), f"{where}.price"),
        amount=_amount(raw.get("amount"), f"{where}.amount"),
        discount_amount=_amount(raw.get("discount_amount"), f"{where}.discount_amount"),
        discount_quantity=raw.get("discount_quantity"),
        initial_quantity=raw.get("initial_quantity"),
        initial_amount=_amount(raw.get("initial_amount"), f"{where}.initial_amount"),
        sku_id=raw.get("sku_id"),
        product_id=raw.get("product_id"),
        related_object=related,
        source_id=raw.get("source_id"),
        product=raw.get("product"),
        sku=raw.get("sku"),
        metadata=raw.get("metadata") or {},
    )
    if item.subtotal > MAX_AMOUNT:
        raise _bad(f"{where}: quantity * price is over {MAX_AMOUNT}")
    if (item.discount_amount or 0) > item.subtotal:
        raise _bad(f"{where}.discount_amount is more than the item's amount")
    return item


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    id: str
    project_id: str
    source_id: str | None = None
    status: OrderStatus = OrderStatus.CREATED
    #: as sent; None: the items' sum
    amount: int | None = None
    initial_amount: int | None = None
    discount_amount: int | None = None
    items: tuple[OrderItem, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    customer_id: str | None = None
    referrer_id: str | None = None
    created_at: datetime
    updated_at: datetime | None = None
    #: the part of ``discount_amount`` that redemptions applied
    applied_discount_amount: int = 0
    #: ``{redemption id: {date, related_object_type, related_object_id, stacked}}``
    redemptions: Mapping[str, Any] = field(default_factory=dict)

    @property
    def items_applied_discount_amount(self) -> int:
        return sum(item.applied_discount_amount for item in self.items)

    @property
    def total_before_discounts(self) -> int:
        if self.amount is not None:
            return self.amount
        return sum(item.subtotal for item in self.items)

    @property
    def items_discount_amount(self) -> int:
        return sum(item.discount_amount or 0 for item in self.items)

    @property
    def total_discount_amount(self) -> int:
        return (self.discount_amount or 0) + self.items_discount_amount

    @property
    def total_amount(self) -> int:
        return max(self.total_before_discounts - self.total_discount_amount, 0)

    def check(self) -> None:
        for name in ("amount", "initial_amount", "discount_amount"):
            _amount(getattr(self, name), name)
        if self.total_discount_amount > self.total_before_discounts:
            raise _bad("the discounts are more than the order's amount")


def order_object(order: Order) -> dict[str, Any]:
    """``OrderCalculated``: the API's answer and the ``order`` of order events."""
    return {
        "id": order.id,
        "source_id": order.source_id,
        "created_at": iso(order.created_at),
        "updated_at": iso_or_none(order.updated_at),
        "status": order.status.value,
        "amount": order.total_before_discounts,
        "initial_amount": order.initial_amount,
        "discount_amount": order.discount_amount or 0,
        "items_discount_amount": order.items_discount_amount,
        "total_discount_amount": order.total_discount_amount,
        "total_amount": order.total_amount,
        "applied_discount_amount": order.applied_discount_amount,
        "items_applied_discount_amount": order.items_applied_discount_amount,
        "total_applied_discount_amount": (
            order.applied_discount_amount + order.items_applied_discount_amount
        ),
        "items": [item.as_object() for item in order.items],
        "metadata": dict(order.metadata),
        "customer_id": order.customer_id,
        "referrer_id": order.referrer_id,
        "object": "order",
        "redemptions": dict(order.redemptions),
        "customer": None
        if order.customer_id is None
        else {"id": order.customer_id, "object": "customer"},
        "referrer": None
        if order.referrer_id is None
        else {"id": order.referrer_id, "object": "customer"},
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderQuery:
    limit: int = 10
    page: int = 1
    order: OrderOrder = OrderOrder.CREATED_AT
    descending: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class OrdersSummary:
    """A customer's orders in the customer's ``summary.orders``."""

    total_count: int = 0
    total_amount: int = 0
    last_order_amount: int | None = None
    last_order_date: datetime | None = None

    def as_object(self) -> dict[str, Any]:
        return {
            "total_amount": self.total_amount,
            "total_count": self.total_count,
            "average_amount": self.total_amount // self.total_count if self.total_count else 0,
            "last_order_amount": self.last_order_amount,
            "last_order_date": iso_or_none(self.last_order_date),
        }


def status_events(before: OrderStatus | None, after: OrderStatus) -> Sequence[str]:
    """The status events an order's change records (besides created or updated)."""
    if before == after:
        return ()
    return {
        OrderStatus.PAID: (EventType.ORDER_PAID.value,),
        OrderStatus.CANCELED: (EventType.ORDER_CANCELED.value,),
    }.get(after, ())
