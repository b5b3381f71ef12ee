"""Response schemas: referral code holders (documentation only, never validated per request)."""

from __future__ import annotations

from typing import Any, Literal

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict


class RedeemableHolder(TypedDict):
    """A customer holding a referral code (``rh_...``)."""

    id: str
    created_at: str
    redeemable_id: str
    redeemable_object: str
    customer_id: str
    holder_role: Literal["OWNER", "REFERRER", "REFEREE"]
    campaign_id: str
    campaign_type: Literal["REFERRAL_PROGRAM"]
    voucher_type: str
    metadata: dict[str, Any]
    object: Literal["redeemable_holder"]


class HoldersAdded(TypedDict):
    """The holders of ``POST …/holders``, one per customer given, in their order."""

    holders: list[RedeemableHolder]
