"""Codes added to a campaign on the in-memory stores: one now or many by the worker, within
the code config and a standalone campaign's one code, a chosen code, an import."""

from __future__ import annotations

import pytest

from sendout.domain.async_actions import AsyncActionType
from sendout.domain.campaigns import CampaignKind, CampaignType, GenerationStatus
from sendout.domain.errors import Duplicate, InvalidPayload
from sendout.domain.vouchers import Voucher
from sendout.services.promotions import campaign_vouchers, campaigns
from tests.unit.services.shop import Shop


async def test_one_code_is_made_now_and_many_by_the_worker(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    one = await campaign_vouchers.add_vouchers(
        shop.factory, shop.ctx, "Spring", 1, {"category": "new", "redemption": {"quantity": 2}}
    )
    assert isinstance(one, Voucher)
    assert (one.campaign_id, one.category, one.redemption_quantity) == (spring.id, "new", 2)
    assert len(one.code) == 4
    many = await campaign_vouchers.add_vouchers(shop.factory, shop.ctx, "Spring", 5, {})
    assert not isinstance(many, Voucher)
    assert many.request == {"campaign_id": spring.id, "count": 5}
    read, _ = await campaigns.get_campaign(shop.factory, shop.ctx, spring.id)
    assert read.vouchers_count == 1
    assert read.vouchers_generation_status is GenerationStatus.IN_PROGRESS


async def test_codes_cannot_outgrow_their_config_or_a_standalone_campaign(shop: Shop) -> None:
    await shop.campaign("Solo", kind=CampaignKind.STANDALONE)
    await campaign_vouchers.add_vouchers(shop.factory, shop.ctx, "Solo", 1, {})
    with pytest.raises(InvalidPayload):
        await campaign_vouchers.add_vouchers(shop.factory, shop.ctx, "Solo", 1, {})
    await shop.campaign("Tiny")
    with pytest.raises(InvalidPayload):
        await campaign_vouchers.add_vouchers(
            shop.factory, shop.ctx, "Tiny", 3, {"code_config": {"pattern": "#", "charset": "AB"}}
        )


async def test_a_drawn_code_avoids_the_project_s_codes_and_gives_up_when_none_is_free(
    shop: Shop,
) -> None:
    taken = await shop.campaign("Taken")
    await shop.codes(taken, "A")
    await shop.campaign("Pair")
    config = {"code_config": {"pattern": "#", "charset": "AB"}}
    drawn = await campaign_vouchers.add_vouchers(shop.factory, shop.ctx, "Pair", 1, config)
    assert isinstance(drawn, Voucher)
    assert drawn.code == "B"
    await shop.campaign("Other")
    with pytest.raises(InvalidPayload) as refused:
        await campaign_vouchers.add_vouchers(shop.factory, shop.ctx, "Other", 1, config)
    assert refused.value.key == "invalid_code_config"


async def test_a_chosen_code_is_unique_in_the_project(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "SPRING-1")
    with pytest.raises(Duplicate):
        await shop.codes(spring, "SPRING-1")
    with pytest.raises(InvalidPayload):
        await shop.codes(spring, " padded ")
    promo = await shop.campaign("Sale", CampaignType.PROMOTION)
    with pytest.raises(InvalidPayload):
        await shop.codes(promo, "NOCODES")


async def test_an_override_of_another_code_type_is_refused(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    with pytest.raises(InvalidPayload) as refused:
        await shop.codes(spring, "GIFT-1", gift={"amount": 100})
    assert refused.value.key == "invalid_voucher"


async def test_an_import_checks_its_codes_before_the_worker_adds_them(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "TAKEN")
    with pytest.raises(Duplicate):
        await campaign_vouchers.import_vouchers(
            shop.factory, shop.ctx, "Spring", [{"code": "TAKEN"}]
        )
    with pytest.raises(InvalidPayload):
        await campaign_vouchers.import_vouchers(
            shop.factory, shop.ctx, "Spring", [{"code": "X"}, {"code": "X"}]
        )
    with pytest.raises(InvalidPayload):
        await campaign_vouchers.import_vouchers(shop.factory, shop.ctx, "Spring", [{"nocode": 1}])
    action = await campaign_vouchers.import_vouchers(
        shop.factory, shop.ctx, "Spring", [{"code": "NEW1", "category": "vip"}]
    )
    assert action.type is AsyncActionType.VOUCHERS_IMPORT
    assert action.request["items"] == [{"code": "NEW1", "category": "vip"}]
