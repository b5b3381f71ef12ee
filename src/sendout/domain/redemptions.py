"""Redemptions: a customer uses codes (and promotion tiers) on an order (reference §1b).

Each redeemable is checked in the order given (active, dates, validity days and hours,
quantity, gift balance, an order where the discount needs one), then applied to what is left
of the order: AMOUNT (``amount_off``), PERCENT (``percent_off``, capped by ``amount_limit``),
FIXED (the order or item costs ``fixed_amount``), UNIT (``unit_off`` free units of
``unit_type``), on the whole order or on each item (``APPLY_TO_ITEMS``), and gift credits.
One failing redeemable fails the whole request, as Voucherify's stacking (application mode
ALL) does; the failure is recorded with Voucherify's key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.campaigns import Validity, VoucherType
from sendout.domain.clock import iso
from sendout.domain.orders import Order
from sendout.domain.vouchers import EffectiveVoucher

MAX_REDEEMABLES = 30
#: The related object type of a stacked request's parent row (it groups the others).
STACK_PARENT = "redemption"


class RedemptionStatus(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ROLLED_BACK = "ROLLED_BACK"


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a redeemable cannot be used: Voucherify's key, a sentence, and the status its
    error carries (404 for a code that does not exist, in a validation's answer)."""

    key: str
    message: str
    status: int = 400


@dataclass(frozen=True, slots=True, kw_only=True)
class Applied:
    """What one redeemable takes off the order."""

    order_discount: int = 0
    #: per item index, for discounts on items
    item_discounts: Mapping[int, int] = field(default_factory=dict)
    gift_credits: int = 0

    @property
    def total(self) -> int:
        return self.order_discount + sum(self.item_discounts.values()) + self.gift_credits


def _allowed_now(validity: Validity, now: datetime) -> bool:
    """Validity days (0 = Sunday … 6 = Saturday) and daily hours, in UTC."""
    weekday = (now.weekday() + 1) % 7
    if validity.day_of_week is not None and weekday not in validity.day_of_week:
        return False
    daily = (validity.hours or {}).get("daily") or []
    if not daily:
        return True
    clock = now.strftime("%H:%M")
    return any(
        weekday in (slot.get("days_of_week") or range(7))
        and str(slot.get("start_time", "00:00"))
        <= clock
        < str(slot.get("expiration_time", "24:00"))
        for slot in daily
    )


def check_voucher(
    voucher: EffectiveVoucher, now: datetime, order: Order | None, credits: int | None
) -> Failure | None:
    """Whether ``voucher`` can be redeemed now (``credits``: gift credits asked for)."""
    code = voucher.voucher.code
    if not voucher.active:
        return Failure("voucher_disabled", f"Voucher {code} is disabled")
    if voucher.start_date is not None and now < voucher.start_date:
        return Failure("voucher_not_active", f"Voucher {code} is not active yet")
    if voucher.expiration_date is not None and now > voucher.expiration_date:
        return Failure("voucher_expired", f"Voucher {code} has expired")
    if not _allowed_now(voucher.validity, now):
        return Failure("voucher_not_active_now", f"Voucher {code} is not valid at this time")
    quantity = voucher.redemption_quantity
    if quantity is not None and voucher.voucher.redeemed_quantity >= quantity:
        return Failure("quantity_exceeded", f"Voucher {code} has been redeemed {quantity} times")
    kind = voucher.type
    if kind is VoucherType.GIFT_VOUCHER:
        balance = int((voucher.gift or {}).get("balance") or 0)
        if order is None:
            return Failure("missing_order", "A gift card is redeemed on an order")
        if credits is not None and credits > balance:
            return Failure("gift_amount_exceeded", f"Voucher {code} has {balance} credits left")
        if balance <= 0:
            return Failure("gift_amount_exceeded", f"Voucher {code} has no credits left")
    elif kind is VoucherType.LOYALTY_CARD:
        return Failure("invalid_voucher", f"Voucher {code} is a loyalty card: redeem a reward")
    else:
        discount = voucher.discount or {}
        if order is None and discount.get("type") != "AMOUNT":
            return Failure("missing_order", f"A {discount.get('type')} discount needs an order")
    return None


def _percent(amount: int, percent: Any, limit: Any) -> int:
    off = round(amount * float(percent) / 100)
    return min(off, int(limit)) if limit else off


def _on(amount: int, discount: Mapping[str, Any]) -> int:
    """A discount's value on ``amount`` (an order's or an item's)."""
    kind = discount.get("type")
    if kind == "AMOUNT":
        return min(int(discount.get("amount_off") or 0), amount)
    if kind == "PERCENT":
        return min(
            _percent(amount, discount.get("percent_off") or 0, discount.get("amount_limit")), amount
        )
    if kind == "FIXED":
        return max(amount - int(discount.get("fixed_amount") or 0), 0)
    return 0


def apply_discount(discount: Mapping[str, Any], order: Order | None, left: int) -> Applied:
    """What a discount takes off an order of which ``left`` remains to pay."""
    if order is None:
        return Applied(order_discount=int(discount.get("amount_off") or 0))
    if discount.get("type") == "UNIT":
        return _units(discount, order, left)
    if discount.get("effect") == "APPLY_TO_ITEMS":
        taken: dict[int, int] = {}
        for n, item in enumerate(order.items):
            remaining = item.subtotal - (item.discount_amount or 0)
            off = _on(max(remaining, 0), discount)
            if off:
                taken[n] = off
        total = sum(taken.values())
        if total > left:  # never more than what is left to pay
            return Applied(order_discount=left)
        return Applied(item_discounts=taken)
    return Applied(order_discount=min(_on(left, discount), left))


def _units(discount: Mapping[str, Any], order: Order, left: int) -> Applied:
    wanted = discount.get("unit_type")
    units = int(discount.get("unit_off") or 0)
    for n, item in enumerate(order.items):
        if wanted in (item.product_id, item.sku_id, item.source_id) and item.price:
            free = min(units, item.quantity or 0) * item.price
            return Applied(item_discounts={n: min(free, left)})
    return Applied()


def apply_gift(voucher: EffectiveVoucher, credits: int | None, left: int) -> Applied:
    balance = int((voucher.gift or {}).get("balance") or 0)
    wanted = balance if credits is None else credits
    return Applied(gift_credits=min(wanted, balance, left))


@dataclass(frozen=True, slots=True, kw_only=True)
class Redemption:
    id: str
    project_id: str
    #: the stacked request's parent redemption (None for the parent itself)
    parent_id: str | None = None
    customer_id: str | None = None
    tracking_id: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    amount: int = 0
    status: RedemptionStatus
    failure_code: str | None = None
    failure_message: str | None = None
    order_id: str | None = None
    #: ``voucher``, ``promotion_tier``, or ``redemption`` (the parent)
    related_object_type: str
    related_object_id: str
    voucher_id: str | None = None
    voucher_code: str | None = None
    campaign_id: str | None = None
    #: gift credits taken (0 for discounts)
    gift_amount: int = 0
    #: the discount a promotion tier or a voucher brought
    discount: Mapping[str, Any] | None = None
    rollback_id: str | None = None
    #: a reward bought with the loyalty card's points (``SimpleRedemptionRewardResult``)
    reward: Mapping[str, Any] | None = None
    #: the points it cost
    points: int | None = None
    created_at: datetime

    @property
    def is_parent(self) -> bool:
        return self.related_object_type == STACK_PARENT

    @property
    def result(self) -> str:
        return "FAILURE" if self.status is RedemptionStatus.FAILED else "SUCCESS"


def redemption_object(
    redemption: Redemption,
    *,
    order: Mapping[str, Any] | None,
    customer: Mapping[str, Any] | None,
    voucher: Mapping[str, Any] | None = None,
    promotion_tier: Mapping[str, Any] | None = None,
    children: Sequence[str] = (),
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": redemption.id,
        "object": "redemption",
        "date": iso(redemption.created_at),
        "customer_id": redemption.customer_id,
        "tracking_id": redemption.tracking_id,
        "metadata": dict(redemption.metadata),
        "amount": redemption.amount,
        "redemption": redemption.parent_id,
        "result": redemption.result,
        "status": redemption.status.value,
        "related_redemptions": {
            "rollbacks": (
                []
                if redemption.rollback_id is None
                else [{"id": redemption.rollback_id, "date": iso(redemption.created_at)}]
            ),
            "redemptions": [
                {"id": child, "date": iso(redemption.created_at)} for child in children
            ],
        },
        "failure_code": redemption.failure_code,
        "failure_message": redemption.failure_message,
        "order": None if order is None else dict(order),
        "channel": {"channel_id": None, "channel_type": "API"},
        "customer": None if customer is None else dict(customer),
        "related_object_type": redemption.related_object_type,
        "related_object_id": redemption.related_object_id,
    }
    if voucher is not None:
        body["voucher"] = dict(voucher)
    if promotion_tier is not None:
        body["promotion_tier"] = dict(promotion_tier)
    if redemption.gift_amount:
        body["gift"] = {"amount": redemption.gift_amount}
    if redemption.reward is not None:
        body["reward"] = dict(redemption.reward)
        body["loyalty_card"] = {"points": redemption.points}
    return body


@dataclass(frozen=True, slots=True, kw_only=True)
class RedemptionQuery:
    limit: int = 10
    page: int = 1
    customer_id: str | None = None
    status: RedemptionStatus | None = None
    voucher_id: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
