"""Redemption checks and discount arithmetic (domain only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sendout.domain.campaigns import Validity, VoucherType
from sendout.domain.orders import Order, OrderItem
from sendout.domain.redemptions import apply_discount, apply_gift, check_voucher
from sendout.domain.vouchers import EffectiveVoucher, Voucher

# A Wednesday (weekday 3 in Voucherify's 0 = Sunday numbering), 12:30 UTC.
NOON = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
ORDER = Order(
    id="ord_1",
    project_id="p",
    items=(
        OrderItem(id="i1", product_id="shoe", quantity=2, price=3_000),
        OrderItem(id="i2", product_id="sock", quantity=4, price=1_000),
    ),
    created_at=NOON,
)


def voucher(**fields: Any) -> EffectiveVoucher:
    values: dict[str, Any] = {
        "id": "v_1",
        "project_id": "p",
        "code": "C",
        "type": VoucherType.DISCOUNT_VOUCHER,
        "discount": {"type": "AMOUNT", "amount_off": 100},
        "created_at": NOON,
        **fields,
    }
    return EffectiveVoucher(voucher=Voucher(**values), campaign=None)


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({}, None),
        ({"active": False}, "voucher_disabled"),
        ({"start_date": datetime(2027, 1, 1, tzinfo=UTC)}, "voucher_not_active"),
        ({"expiration_date": datetime(2026, 1, 1, tzinfo=UTC)}, "voucher_expired"),
        ({"validity": Validity(day_of_week=(1, 2))}, "voucher_not_active_now"),
        ({"validity": Validity(day_of_week=(3,))}, None),
        (
            {
                "validity": Validity(
                    hours={"daily": [{"start_time": "09:00", "expiration_time": "12:00"}]}
                )
            },
            "voucher_not_active_now",
        ),
        (
            {
                "validity": Validity(
                    hours={
                        "daily": [
                            {"start_time": "12:00", "expiration_time": "13:00", "days_of_week": [3]}
                        ]
                    }
                )
            },
            None,
        ),
        ({"redemption_quantity": 2, "redeemed_quantity": 2}, "quantity_exceeded"),
        ({"redemption_quantity": 2, "redeemed_quantity": 1}, None),
        ({"discount": {"type": "PERCENT", "percent_off": 10}}, None),
    ],
)
def test_checks(fields: dict[str, Any], key: str | None) -> None:
    failure = check_voucher(voucher(**fields), NOON, ORDER, None)
    assert (failure.key if failure else None) == key


def key_of(candidate: EffectiveVoucher, order: Order | None, credits: int | None) -> str | None:
    failure = check_voucher(candidate, NOON, order, credits)
    return None if failure is None else failure.key


def test_orders_and_gift_balances_are_checked() -> None:
    percent = voucher(discount={"type": "PERCENT", "percent_off": 10})
    assert key_of(percent, None, None) == "missing_order"
    gift = voucher(
        type=VoucherType.GIFT_VOUCHER, discount=None, gift={"amount": 500, "balance": 500}
    )
    assert key_of(gift, ORDER, 600) == "gift_amount_exceeded"
    assert key_of(gift, ORDER, 500) is None
    assert key_of(gift, None, 100) == "missing_order"
    assert apply_gift(gift, None, 300).gift_credits == 300  # never more than is left to pay


@pytest.mark.parametrize(
    ("discount", "left", "taken"),
    [
        ({"type": "AMOUNT", "amount_off": 1_500}, 10_000, 1_500),
        ({"type": "AMOUNT", "amount_off": 1_500}, 1_000, 1_000),
        ({"type": "PERCENT", "percent_off": 15}, 10_000, 1_500),
        ({"type": "PERCENT", "percent_off": 15, "amount_limit": 1_000}, 10_000, 1_000),
        ({"type": "PERCENT", "percent_off": 33.3}, 1_000, 333),
        ({"type": "FIXED", "fixed_amount": 8_000}, 10_000, 2_000),
        ({"type": "FIXED", "fixed_amount": 12_000}, 10_000, 0),
        ({"type": "UNIT", "unit_off": 1, "unit_type": "shoe"}, 10_000, 3_000),
        ({"type": "UNIT", "unit_off": 5, "unit_type": "sock"}, 10_000, 4_000),
        ({"type": "UNIT", "unit_off": 1, "unit_type": "hat"}, 10_000, 0),
        ({"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ITEMS"}, 10_000, 1_000),
        ({"type": "PERCENT", "percent_off": 50, "effect": "APPLY_TO_ITEMS"}, 10_000, 5_000),
    ],
)
def test_discounts(discount: dict[str, Any], left: int, taken: int) -> None:
    assert apply_discount(discount, ORDER, left).total == taken
