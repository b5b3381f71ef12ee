"""A redemption request checked and priced on the in-memory stores: what is refused before
anything is looked at, what is not found, what fails its checks, and what each redeemable
takes off the order."""

from __future__ import annotations

import pytest

from sendout.domain.errors import InvalidPayload, NotFound
from sendout.services.promotions import redemptions
from sendout.services.promotions.redemption_checks import RedemptionRequest
from sendout.services.promotions.redemption_records import RedeemableRef
from tests.unit.services.shop import Shop, code, on_order


async def test_unknown_or_malformed_redeemables_are_refused(shop: Shop) -> None:
    with pytest.raises(NotFound):
        await redemptions.redeem(shop.factory, shop.ctx, on_order(code("NOPE")))
    with pytest.raises(NotFound):
        await redemptions.redeem(
            shop.factory, shop.ctx, on_order(RedeemableRef(object="promotion_tier", id="promo_x"))
        )
    with pytest.raises(InvalidPayload):
        await redemptions.redeem(
            shop.factory, shop.ctx, on_order(RedeemableRef(object="x", id="y"))
        )
    with pytest.raises(InvalidPayload):
        await redemptions.redeem(shop.factory, shop.ctx, RedemptionRequest(redeemables=()))
