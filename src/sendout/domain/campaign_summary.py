"""A campaign's figures over a period (``GET /v1/campaigns/{id}/summary``), computed from what
is stored: redemptions (and their rollbacks), the orders they were made on, codes, publications,
voucher transactions and referrals.

What Sendout does not store counts as 0: validations (never kept), failed publications and
failed rollbacks (answered as errors, never kept), deleted codes (gone from the table) and the
pending points' moves other than activations (a pending entry is changed in place).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sendout.domain.balances import TransactionType as T
from sendout.domain.redemptions import RedemptionStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class SummaryWindow:
    """From ``after`` on and before ``before`` (each when given): the summary's dates."""

    after: datetime | None = None
    before: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RedemptionTally:
    count: int = 0
    #: what the redemptions took off their orders, gift credits included
    amount: int = 0
    gift_credits: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignFigures:
    """The raw tallies a store counts for one campaign in a window."""

    #: by redemption status (a rolled-back redemption counts once, under ROLLED_BACK)
    redemptions: Mapping[RedemptionStatus, RedemptionTally] = field(default_factory=dict)
    #: the orders redeemed on, each counted once, and those whose redemption was rolled back
    orders_amount: int = 0
    orders_rolledback_amount: int = 0
    vouchers_created: int = 0
    publications: int = 0
    #: by transaction type: the sum of the moves (``details.balance.amount``), signed
    transactions: Mapping[T, int] = field(default_factory=dict)
    referred_customers: int = 0


def summary_object(
    campaign: Mapping[str, Any], template: Mapping[str, Any], figures: CampaignFigures
) -> dict[str, Any]:
    """``CampaignsSummaryGetResponseBody``. ``template`` is the campaign's code template: a new
    gift card starts with its ``gift.amount``, a new loyalty card with its ``loyalty_card``
    points."""
    tally = figures.redemptions
    succeeded = tally.get(RedemptionStatus.SUCCEEDED, RedemptionTally())
    failed = tally.get(RedemptionStatus.FAILED, RedemptionTally())
    rolled = tally.get(RedemptionStatus.ROLLED_BACK, RedemptionTally())
    moved = figures.transactions

    def total(*types: T) -> int:
        return abs(sum(moved.get(t, 0) for t in types))

    created = figures.vouchers_created
    gift = int((template.get("gift") or {}).get("amount") or 0)
    points = int((template.get("loyalty_card") or {}).get("points") or 0)
    return {
        "object": "campaign_summary",
        "campaign": dict(campaign),
        "redemptions": succeeded.count + rolled.count + failed.count,
        "redemptions_succeeded": succeeded.count + rolled.count,
        "redemptions_failed": failed.count,
        "rollbacks": rolled.count,
        "rollbacks_succeeded": rolled.count,
        "rollbacks_failed": 0,
        "validations": 0,
        "validations_succeeded": 0,
        "validations_failed": 0,
        "orders_amount": figures.orders_amount,
        "orders_rolledback_amount": figures.orders_rolledback_amount,
        "vouchers_created": created,
        "vouchers_deleted": 0,
        "publications": figures.publications,
        "publications_succeeded": figures.publications,
        "publications_failed": 0,
        "discounted_amount": succeeded.amount
        + rolled.amount
        - succeeded.gift_credits
        - rolled.gift_credits,
        "rolledback_discounted_amount": rolled.amount - rolled.gift_credits,
        "created_vouchers_amount": created * gift,
        "amount_added": total(T.CREDITS_ADDITION),
        "amount_deleted": 0,
        "amount_redeemed": succeeded.gift_credits + rolled.gift_credits,
        "amount_rolledback": rolled.gift_credits,
        "amount_subtracted": total(T.CREDITS_REMOVAL),
        "created_vouchers_points": created * points,
        "points_deleted": 0,
        "points_subtracted": total(T.POINTS_REMOVAL),
        "points_added": total(T.POINTS_ADDITION),
        "points_rewarded": total(T.POINTS_ACCRUAL, T.PENDING_POINTS_ACTIVATION),
        "points_redeemed": total(T.POINTS_REDEMPTION),
        "points_rolledback": 0,
        "points_expired": total(T.POINTS_EXPIRATION),
        "points_transferred_out": total(T.POINTS_TRANSFER_OUT),
        "points_transferred_in": total(T.POINTS_TRANSFER_IN),
        "pending_points_added": 0,
        "pending_points_subtracted": 0,
        "pending_points_activated": total(T.PENDING_POINTS_ACTIVATION),
        "pending_points_canceled": 0,
        "referred_customers": figures.referred_customers,
    }
