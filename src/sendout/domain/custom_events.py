"""Custom events (``POST /v1/events``): their schema registry entry and their ``data`` objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sendout.domain.clock import iso
from sendout.domain.customers import Customer, simple_customer

MAX_EVENT_NAME_LENGTH = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomEventSchema:
    """A custom event name known to a project (``event_schema`` of the event's data).

    Voucherify requires names to be declared first; Sendout declares a name the first time it
    is tracked, so the ``event_schema`` object is always real and stable per name.
    """

    id: str
    project_id: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralRef:
    code: str
    referrer_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LoyaltyRef:
    code: str


def custom_event_object(
    *,
    event_id: str,
    name: str,
    customer: Customer,
    metadata: Mapping[str, Any],
    referral: ReferralRef | None,
    loyalty: LoyaltyRef | None,
    created_at: datetime,
) -> dict[str, Any]:
    """The ``CustomEvent`` object (``data.event`` of ``customer.custom_event``)."""
    return {
        "id": event_id,
        "object": "event",
        "type": name,
        "customer": simple_customer(customer),
        "referral": (
            None
            if referral is None
            else {"referrer_id": referral.referrer_id, "code": referral.code, "id": None}
        ),
        "loyalty": None if loyalty is None else {"code": loyalty.code},
        "metadata": dict(metadata),
        "created_at": iso(created_at),
    }


def custom_event_data(
    *,
    event: dict[str, Any],
    schema: CustomEventSchema,
    customer: Customer,
    referrer: Customer | None,
    referral: ReferralRef | None,
    loyalty: LoyaltyRef | None,
) -> dict[str, Any]:
    """The ``data`` objects of ``customer.custom_event`` (reference/event-schemas.json).

    ``referral.voucher``/``campaign`` and ``loyalty.voucher``/``campaign`` name the codes' objects;
    they stay null until a code resolves to a voucher of this project.
    """
    return {
        "event": event,
        "event_schema": {"id": schema.id, "name": schema.name},
        "customer": simple_customer(customer),
        "referral": (
            None
            if referral is None
            else {
                "referrer": None if referrer is None else simple_customer(referrer),
                "voucher": None,
                "campaign": None,
            }
        ),
        "loyalty": None if loyalty is None else {"voucher": None, "campaign": None},
    }
