"""The body of ``POST /v1/publications``: a code given to a customer."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from sendout.domain.publications import MAX_COUNT_PER_REQUEST
from sendout.entrypoints.api.bounds import Int64
from sendout.entrypoints.api.schemas.common import (
    NullMeansUnset,
)
from sendout.entrypoints.api.schemas.customers import CustomerBody
from sendout.services.promotions.publications import PublishRequest


class PublicationCampaignBody(NullMeansUnset):
    name: str = Field(min_length=1)
    count: Annotated[Int64, Field(ge=1, le=MAX_COUNT_PER_REQUEST)] = 1


class PublicationBody(NullMeansUnset):
    voucher: str | None = None
    campaign: PublicationCampaignBody | None = None
    customer: CustomerBody
    source_id: str | None = Field(default=None, min_length=1, max_length=255)
    metadata: dict[str, Any] | None = None
    channel: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _campaign_by_name(cls, data: Any) -> Any:
        """``"campaign": "Name"`` is short for ``{"name": "Name"}`` (Voucherify accepts both)."""
        if isinstance(data, dict) and isinstance(data.get("campaign"), str):
            return {**data, "campaign": {"name": data["campaign"]}}
        return data

    def to_request(self, join_once: bool) -> PublishRequest:
        campaign = self.campaign
        return PublishRequest(
            customer=self.customer.to_ref(),
            voucher_code=self.voucher,
            campaign=None if campaign is None else campaign.name,
            count=1 if campaign is None else campaign.count,
            source_id=self.source_id,
            metadata=self.metadata or {},
            join_once=join_once,
        )
