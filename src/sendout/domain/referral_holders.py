"""Referral code holders (reference §1b Referrals, "Holders"): customers added to a referral
code besides the customer it was published to (its owner). The holders API adds them as
``REFEREE``s, as Voucherify does (a referrer is added by publishing the code): a holder who
converts with the code rewards its owner, and REFERRER holders, should a code have any, are
rewarded beside the owner (``services/promotions/referrals.py``). The ``OWNER`` stays the
voucher's ``holder_id``; it is not a row here, so the code's publication and its holders
cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.clock import iso

#: customers one request may add (Voucherify takes the whole list or none of it)
MAX_HOLDERS_PER_REQUEST = 100
#: holders one code may have: conversions read them all, so they stay few
MAX_HOLDERS_PER_CODE = 1000


class HolderRole(StrEnum):
    OWNER = "OWNER"
    REFERRER = "REFERRER"
    REFEREE = "REFEREE"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralHolder:
    """One customer holding one referral code (``rh_…``), once per code."""

    id: str
    project_id: str
    voucher_id: str
    campaign_id: str
    customer_id: str
    role: HolderRole
    #: the voucher's type (``DISCOUNT_VOUCHER`` for every referral code Sendout makes)
    voucher_type: str
    metadata: Mapping[str, Any]
    created_at: datetime


def holder_object(holder: ReferralHolder) -> dict[str, Any]:
    """Voucherify's ``RedeemableHolder``."""
    return {
        "id": holder.id,
        "created_at": iso(holder.created_at),
        "redeemable_id": holder.voucher_id,
        "redeemable_object": "voucher",
        "customer_id": holder.customer_id,
        "holder_role": holder.role.value,
        "campaign_id": holder.campaign_id,
        "campaign_type": "REFERRAL_PROGRAM",
        "voucher_type": holder.voucher_type,
        "metadata": dict(holder.metadata),
        "object": "redeemable_holder",
    }
