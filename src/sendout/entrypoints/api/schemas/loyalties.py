"""Bodies of ``/v1/loyalties``: members, their points, tiers and earning rules."""

from __future__ import annotations

from typing import Any

from pydantic import Field, RootModel

from sendout.domain.balances import MAX_TRANSFER_SOURCES, PointsTransfer
from sendout.entrypoints.api.bounds import Int64, PositiveInt64
from sendout.entrypoints.api.schemas.common import (
    NullMeansUnset,
)
from sendout.entrypoints.api.schemas.customers import CustomerBody


class MemberBody(NullMeansUnset):
    """``POST /v1/loyalties/{id}/members``: a card for a customer (a chosen code, or the next)."""

    customer: CustomerBody
    voucher: str | None = Field(default=None, min_length=1, max_length=128)
    source_id: str | None = Field(default=None, min_length=1, max_length=255)
    metadata: dict[str, Any] | None = None
    channel: str | None = None


class LoyaltyBalanceBody(NullMeansUnset):
    """``POST /v1/loyalties/members/{id}/balance``: negative points remove."""

    points: Int64
    reason: str | None = Field(default=None, max_length=1000)
    source_id: str | None = Field(default=None, max_length=255)
    #: PROGRAM_RULES (the default), NON_EXPIRING or CUSTOM_DATE (with ``expiration_date``)
    expiration_type: str | None = None
    expiration_date: str | None = None


class TiersBody(RootModel[list[dict[str, Any]]]):
    """``POST /v1/loyalties/{id}/tiers``: a JSON array of ``{name, points: {from, to},
    metadata}`` (checked by the domain)."""


class EarningRulesBody(RootModel[list[dict[str, Any]]]):
    """``POST /v1/loyalties/{id}/earning-rules``: a JSON array of ``{event, loyalty,
    custom_event, active, metadata}`` (checked by the domain)."""


class EarningRuleUpdateBody(RootModel[dict[str, Any]]):
    """``PUT /v1/loyalties/{id}/earning-rules/{rule id}``: the fields to change."""


class TransferItem(NullMeansUnset):
    """One source card of a transfer and the points it gives (``LoyaltiesTransferPoints``)."""

    code: str = Field(min_length=1, max_length=128)
    points: PositiveInt64
    reason: str | None = Field(default=None, max_length=1000)
    source_id: str | None = Field(default=None, max_length=255)


class TransfersBody(RootModel[list[TransferItem]]):
    """``POST /v1/loyalties/{id}/members/{code}/transfers``: a JSON array of source cards."""

    root: list[TransferItem] = Field(min_length=1, max_length=MAX_TRANSFER_SOURCES)

    def to_transfers(self) -> list[PointsTransfer]:
        return [
            PointsTransfer(
                code=item.code, points=item.points, reason=item.reason, source_id=item.source_id
            )
            for item in self.root
        ]
