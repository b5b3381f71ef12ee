"""Redemptions read back on the in-memory stores: one with its children, a page of them, a
code's own."""

from __future__ import annotations

from sendout.services.promotions import redemption_views, redemptions
from tests.unit.services.shop import Shop, code, on_order


async def test_a_code_s_redemptions_are_read_newest_first(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1")
    first = await redemptions.redeem(shop.factory, shop.ctx, on_order(code("S1")))
    second = await redemptions.redeem(shop.factory, shop.ctx, on_order(code("S1")))
    voucher, found = await redemption_views.voucher_redemptions(shop.factory, shop.ctx, "S1")
    assert voucher.voucher.code == "S1"
    assert [r.id for r in found] == [second.children[0].id, first.children[0].id]
