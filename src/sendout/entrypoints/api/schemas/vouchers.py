"""Bodies of ``/v1/vouchers``: a code and its credits or points balance."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from sendout.entrypoints.api.bounds import Int64
from sendout.entrypoints.api.schemas.common import (
    Body,
    NullMeansUnset,
    RedemptionBody,
    ValidityFields,
)


class VoucherUpdateBody(ValidityFields):
    NOT_CLEARABLE = frozenset({"active", "discount", "gift", "loyalty_card", "redemption"})

    category: str | None = None
    active: bool | None = None
    additional_info: str | None = None
    metadata: dict[str, Any] | None = None
    discount: dict[str, Any] | None = None
    gift: dict[str, Any] | None = None
    loyalty_card: dict[str, Any] | None = None
    redemption: RedemptionBody | None = None


class VoucherBody(VoucherUpdateBody, NullMeansUnset):
    type: str | None = None
    campaign: str | None = None
    campaign_id: str | None = None
    code_config: dict[str, Any] | None = None


class BalanceBody(Body):
    """``POST /v1/vouchers/{code}/balance``: a negative amount removes credits or points."""

    amount: Int64
    source_id: str | None = Field(default=None, max_length=255)
    reason: str | None = Field(default=None, max_length=1000)
