"""Customers: the value, partial updates, and the Voucherify object shapes built from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sendout.domain.clock import iso, iso_date_or_none
from sendout.domain.orders import OrdersSummary

#: Fields a client may set on a customer (``POST``/``PUT /v1/customers``, inline customers).
EDITABLE_FIELDS: tuple[str, ...] = (
    "name",
    "description",
    "email",
    "phone",
    "birthdate",
    "birthday",
    "address",
    "metadata",
)
ADDRESS_FIELDS: tuple[str, ...] = ("city", "state", "line_1", "line_2", "country", "postal_code")


@dataclass(frozen=True, slots=True, kw_only=True)
class Customer:
    id: str
    project_id: str
    source_id: str | None = None
    name: str | None = None
    description: str | None = None
    email: str | None = None
    phone: str | None = None
    birthdate: date | None = None
    birthday: date | None = None
    address: Mapping[str, Any] | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    system_metadata: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime
    updated_at: datetime | None = None
    orders_summary: OrdersSummary = field(default_factory=OrdersSummary)
    #: ``summary.redemptions`` (None: nothing redeemed yet)
    redemptions_summary: Mapping[str, Any] | None = None
    #: ``referrals``: the referral programs that converted this customer as a referee
    referrals: Mapping[str, Any] | None = None
    #: ``loyalty.referred_customers``: referees this customer's codes converted
    referred_customers: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerRef:
    """A customer named inline in a request: by ``id``, by ``source_id``, or both, plus fields.

    ``fields`` holds only the editable fields the client actually sent.
    """

    id: str | None = None
    source_id: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)

    @property
    def identifier(self) -> str | None:
        return self.id or self.source_id


def apply_changes(customer: Customer, changes: Mapping[str, Any], now: datetime) -> Customer:
    """The customer with ``changes`` applied; the same object when nothing differs.

    Omitted fields stay unchanged (Voucherify's partial update); a field sent as ``null``
    is cleared.
    """
    updates = {name: value for name, value in changes.items() if getattr(customer, name) != value}
    if not updates:
        return customer
    return replace(customer, **updates, updated_at=now)


class CustomerOrder(StrEnum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    SOURCE_ID = "source_id"


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerQuery:
    """Filters, ordering and paging of ``GET /v1/customers``."""

    limit: int = 10
    page: int = 1
    email: str | None = None
    city: str | None = None
    name: str | None = None
    created_before: datetime | None = None
    created_after: datetime | None = None
    segment_id: str | None = None
    updated_before: datetime | None = None
    updated_after: datetime | None = None
    order: CustomerOrder = CustomerOrder.CREATED_AT
    descending: bool = True
    #: ``starting_after``: a ``created_at`` cursor; customers created strictly after (or before,
    #: when descending) this moment.
    starting_after: datetime | None = None


def empty_summary() -> dict[str, Any]:
    """The customer summary before any order or redemption: complete, never ``{}``.

    The SDK requires both ``redemptions`` and ``orders`` whenever ``summary`` is not null.
    """
    return {
        "redemptions": {
            "total_redeemed": 0,
            "total_failed": 0,
            "total_succeeded": 0,
            "total_rolled_back": 0,
            "total_rollback_failed": 0,
            "total_rollback_succeeded": 0,
            "gift": {"redeemed_amount": 0, "amount_to_go": 0},
            "loyalty_card": {"redeemed_points": 0, "points_to_go": 0},
        },
        "orders": {
            "total_amount": 0,
            "total_count": 0,
            "average_amount": 0,
            "last_order_amount": None,
            "last_order_date": None,
        },
    }


def _summary(customer: Customer) -> dict[str, Any]:
    summary = empty_summary()
    summary["orders"] = customer.orders_summary.as_object()
    if customer.redemptions_summary is not None:
        summary["redemptions"] = dict(customer.redemptions_summary)
    return summary


def customer_object(customer: Customer) -> dict[str, Any]:
    """The full Voucherify customer object (create, get, update, list, publication.customer)."""
    return {
        "id": customer.id,
        "source_id": customer.source_id,
        "name": customer.name,
        "description": customer.description,
        "email": customer.email,
        "phone": customer.phone,
        "birthday": iso_date_or_none(customer.birthday),
        "birthdate": iso_date_or_none(customer.birthdate),
        "address": dict(customer.address) if customer.address is not None else None,
        "summary": _summary(customer),
        "loyalty": {
            "points": 0,
            "referred_customers": customer.referred_customers,
            "campaigns": {},
        },
        "referrals": dict(customer.referrals or {"total": 0, "campaigns": []}),
        "metadata": dict(customer.metadata),
        "system_metadata": dict(customer.system_metadata),
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at) if customer.updated_at else None,
        "object": "customer",
    }


def simple_customer(customer: Customer) -> dict[str, Any]:
    """``SimpleCustomer``: the customer in event ``data`` and the ``POST /v1/events`` answer."""
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "source_id": customer.source_id,
        "metadata": dict(customer.metadata),
        "object": "customer",
    }
