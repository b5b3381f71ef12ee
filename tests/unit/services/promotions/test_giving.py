"""Giving a customer something from a campaign (as rewards do), on the in-memory stores."""

from __future__ import annotations

from sendout.domain.campaigns import CampaignKind, CampaignType
from sendout.domain.events import EventType
from sendout.services.promotions.giving import give_from_campaign
from tests.unit.services.shop import Shop

SOURCE = {"source_type": "reward", "source_id": "rew_1"}


async def test_a_card_is_published_first_then_topped_up(shop: Shop) -> None:
    gifts = await shop.campaign("Gifts", CampaignType.GIFT_VOUCHERS, kind=CampaignKind.AUTO_UPDATE)
    ann = await shop.customer("ann")
    async with shop.factory() as uow:
        first = await give_from_campaign(
            uow, shop.ctx, gifts.id, CampaignType.GIFT_VOUCHERS, 500, ann, source=SOURCE, reason="r"
        )
        second = await give_from_campaign(
            uow, shop.ctx, gifts.id, CampaignType.GIFT_VOUCHERS, 500, ann, source=SOURCE, reason="r"
        )
        await uow.commit()
    assert first.publication is not None
    assert first.publication.metadata == SOURCE
    assert second.publication is None
    assert first.voucher.voucher.code == second.voucher.voucher.code
    assert second.added is not None
    assert second.voucher.gift is not None
    assert second.voucher.gift["balance"] == 11_000
    assert len(shop.events_of(EventType.GIFT_BALANCE_ADDED)) == 2


async def test_a_discount_campaign_gives_a_new_code_each_time(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1", "S2")
    ann = await shop.customer("ann")
    async with shop.factory() as uow:
        given = [
            await give_from_campaign(
                uow,
                shop.ctx,
                spring.id,
                CampaignType.DISCOUNT_COUPONS,
                None,
                ann,
                source=SOURCE,
                reason="r",
            )
            for _ in range(2)
        ]
        await uow.commit()
    assert [g.voucher.voucher.code for g in given] == ["S1", "S2"]
    assert all(g.added is None for g in given)
