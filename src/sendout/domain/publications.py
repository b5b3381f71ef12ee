"""Publications: the assignment of codes to a customer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sendout.domain.clock import iso
from sendout.domain.list_filters import ListFilter

#: Channel of publications made through the API; the SDK accepts only this on create.
API_CHANNEL = "API"
#: Channel Voucherify gives publications made by a distribution.
AUTOMATION_CHANNEL = "Automation"
MAX_COUNT_PER_REQUEST = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class Publication:
    id: str
    project_id: str
    customer_id: str
    campaign_id: str | None
    voucher_ids: Sequence[str]
    codes: Sequence[str]
    source_id: str | None = None
    channel: str = API_CHANNEL
    metadata: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime


def publication_object(
    publication: Publication,
    *,
    customer: Mapping[str, Any],
    vouchers: Sequence[Mapping[str, Any]],
    for_create: bool,
) -> dict[str, Any]:
    """The publication object. ``for_create``: the create answer, whose ``channel`` the SDK
    pins to ``API`` (the stored channel shows in lists)."""
    body: dict[str, Any] = {
        "id": publication.id,
        "object": "publication",
        "created_at": iso(publication.created_at),
        "customer_id": publication.customer_id,
        "tracking_id": None,
        "metadata": dict(publication.metadata),
        "channel": API_CHANNEL if for_create else publication.channel,
        "source_id": publication.source_id,
        "result": "SUCCESS",
        "customer": dict(customer),
        "vouchers_id": list(publication.voucher_ids),
    }
    if len(vouchers) == 1:
        body["voucher"] = dict(vouchers[0])
    else:
        body["vouchers"] = list(publication.codes)
    return body


#: What ``GET /v1/publications`` can filter with ``filters[...]`` (reference §1b).
PUBLICATION_FILTER_FIELDS = frozenset(
    {
        "failure_code",
        "result",
        "customer_id",
        "campaign_name",
        "voucher_type",
        "is_referral_code",
        "parent_object_id",
        "related_object_id",
        "source_id",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicationQuery:
    limit: int = 10
    page: int = 1
    campaign_id: str | None = None
    customer_id: str | None = None
    source_id: str | None = None
    #: codes of campaigns whose codes are of this type (``DISCOUNT_VOUCHER``, ``LOYALTY_CARD``)
    voucher_type: str | None = None
    #: codes of referral programs only (True), or of other campaigns (False)
    is_referral_code: bool | None = None
    #: the advanced ``filters[...]`` (fields: ``PUBLICATION_FILTER_FIELDS``)
    filters: ListFilter = field(default_factory=ListFilter)
    #: ``created_at`` (creation order), ``customer_id``, ``channel`` or ``source_id``
    order: str = "created_at"
    descending: bool = True
