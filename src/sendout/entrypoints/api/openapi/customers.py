"""Response schemas: customers (documentation only, never validated per request)."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict


class Customer(TypedDict):
    """A customer (``cust_...``), with its redemption, order, loyalty and referral summaries."""

    id: str
    source_id: NotRequired[str | None]
    name: NotRequired[str | None]
    description: NotRequired[str | None]
    email: NotRequired[str | None]
    phone: NotRequired[str | None]
    birthday: NotRequired[str | None]
    birthdate: NotRequired[str | None]
    address: NotRequired[dict[str, Any] | None]
    summary: NotRequired[dict[str, Any] | None]
    loyalty: NotRequired[dict[str, Any] | None]
    referrals: NotRequired[dict[str, Any] | None]
    metadata: NotRequired[dict[str, Any] | None]
    system_metadata: NotRequired[dict[str, Any] | None]
    created_at: NotRequired[str]
    updated_at: NotRequired[str | None]
    object: Literal["customer"]


class CustomerRedeemable(TypedDict):
    """A code, card or promotion a customer holds (``GET /v1/customers/{id}/redeemables``)."""

    id: str
    created_at: str
    redeemable_id: str | None
    redeemable_object: str | None
    customer_id: str | None
    holder_role: str | None
    campaign_id: str | None
    campaign_type: str | None
    voucher_type: str | None
    redeemable: dict[str, Any] | None
    object: Literal["customer_redeemable"]


class CustomerActivity(TypedDict):
    """One entry of a customer's activity: an event recorded for them (``evcus_...``)."""

    id: str
    type: str | None
    data: dict[str, Any] | None
    created_at: str
    group_id: str | None


class PermanentDeletion(TypedDict):
    """The receipt of a customer's permanent deletion."""

    id: str
    created_at: str
    related_object_id: str | None
    related_object: str | None
    status: str | None
    data_json: dict[str, Any] | None
    object: Literal["pernament_deletion"]


class Segment(TypedDict):
    """A customer segment (``seg_...``): static (a list) or auto-update (a filter)."""

    id: str
    name: str | None
    object: Literal["segment"]
    created_at: NotRequired[str]
    updated_at: NotRequired[str | None]
    type: NotRequired[str | None]
    filter: NotRequired[dict[str, Any] | None]
    initial_sync_status: NotRequired[str | None]


class TrackedEvent(TypedDict):
    """A custom event as recorded by ``POST /v1/events``."""

    id: NotRequired[str]
    object: Literal["event"]
    type: str | None
    customer: dict[str, Any] | None
    referral: dict[str, Any] | None
    loyalty: dict[str, Any] | None
    metadata: dict[str, Any] | None
    created_at: NotRequired[str]
