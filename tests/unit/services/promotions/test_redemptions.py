"""Redemptions on the in-memory stores: codes and promotion tiers used on an order, failures
recorded apart (the checks: ``test_redemption_checks.py``; rolling back: ``test_rollbacks.py``;
validations: ``test_validations.py``)."""

from __future__ import annotations

import pytest

from sendout.domain.errors import InvalidPayload
from sendout.domain.events import EventType
from sendout.domain.redemptions import RedemptionQuery, RedemptionStatus
from sendout.services.promotions import redemption_views, redemptions
from tests.unit.services.shop import Shop, code, on_order


async def test_a_code_is_used_on_an_order_once_per_redemption(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1", redemption={"quantity": 1})
    done = await redemptions.redeem(shop.factory, shop.ctx, on_order(code("S1")))
    (child,) = done.children
    assert (child.amount, child.status, child.voucher_code) == (
        500,
        RedemptionStatus.SUCCEEDED,
        "S1",
    )
    assert done.parent.amount == 500
    order = done.evaluation.order
    assert order is not None
    assert (order.discount_amount, order.total_amount) == (500, 1500)
    assert (await shop.voucher("S1")).voucher.redeemed_quantity == 1
    assert (await shop.customer("ann")).redemptions_summary["total_succeeded"] == 1
    assert EventType.REDEMPTION_SUCCEEDED in shop.event_types()
    with pytest.raises(InvalidPayload) as refused:
        await redemptions.redeem(shop.factory, shop.ctx, on_order(code("S1")))
    assert refused.value.key == "quantity_exceeded"
    failed = await redemption_views.list_redemptions(
        shop.factory, shop.ctx, RedemptionQuery(status=RedemptionStatus.FAILED)
    )
    assert [v.redemption.failure_code for v in failed.items] == ["quantity_exceeded"]
    summary = (await shop.customer("ann")).redemptions_summary
    assert (summary["total_succeeded"], summary["total_failed"]) == (1, 1)
