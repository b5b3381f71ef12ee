"""Reading codes with their campaigns' templates."""

from __future__ import annotations

import pytest

from sendout.domain.errors import NotFound
from sendout.services.promotions import campaigns
from sendout.services.promotions.voucher_lookup import effective, require_voucher
from tests.unit.services.shop import Shop


async def test_codes_come_with_their_campaign_even_a_deleted_one(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1")
    await campaigns.delete_campaign(shop.factory, shop.ctx, spring.id)
    async with shop.factory() as uow:
        code = await require_voucher(uow, shop.ctx, "S1")
        (found,) = await effective(uow, shop.ctx, [code])
        with pytest.raises(NotFound):
            await require_voucher(uow, shop.ctx, "S2")
    assert found.campaign is not None
    assert found.campaign.id == spring.id
    assert found.campaign.deleted_at is not None
    assert found.discount == {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"}
