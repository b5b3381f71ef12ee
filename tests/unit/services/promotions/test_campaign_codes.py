"""A campaign's codes one by one: the per-code values a request may set, checked; the code
config a campaign draws from; a chosen code's shape; a fresh code drawn free of the
project's codes (the use cases adding codes: ``test_campaign_vouchers.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sendout.domain.campaigns import CampaignType, Validity
from sendout.domain.codes import CodeConfig, CodeGenerator
from sendout.domain.errors import InvalidPayload
from sendout.services.promotions import campaign_codes
from tests.unit.services.shop import Shop

NOON = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_overrides_keep_what_a_code_may_set_and_drop_the_rest() -> None:
    body = {
        "category": "vip",
        "metadata": {"a": 1},
        "start_date": NOON,
        "active": 0,
        "gift": {"amount": 300},
        "validity_day_of_week": [3, 1],
        "redemption": {"quantity": 2},
        "code": "IGNORED",
        "additional_info": None,
    }
    assert campaign_codes.voucher_overrides(body) == {
        "category": "vip",
        "metadata": {"a": 1},
        "start_date": NOON,
        "active": False,
        "gift": {"amount": 300, "balance": 300, "effect": "APPLY_TO_ORDER"},
        "validity_day_of_week": [3, 1],
        "redemption_quantity": 2,
    }
    assert campaign_codes.voucher_overrides({}) == {}


@pytest.mark.parametrize(
    "body",
    [
        {"redemption": {"quantity": 0}},
        {"redemption": {"quantity": True}},
        {"redemption": {"quantity": "2"}},
        {"validity_day_of_week": [7]},
        {"discount": {"type": "FREE"}},
        {"gift": "lots"},
    ],
)
def test_overrides_refuse_bad_values(body: dict[str, object]) -> None:
    with pytest.raises(InvalidPayload):
        campaign_codes.voucher_overrides(body)


def test_jsonable_writes_dates_as_iso_and_leaves_the_rest() -> None:
    assert campaign_codes.jsonable({"start_date": NOON, "category": "vip", "n": 2}) == {
        "start_date": "2026-03-01T12:00:00+00:00",
        "category": "vip",
        "n": 2,
    }


@pytest.mark.parametrize("code", ["", " A", "A ", "X" * 129])
def test_a_chosen_code_has_1_to_128_characters_without_surrounding_spaces(code: str) -> None:
    with pytest.raises(InvalidPayload) as refused:
        campaign_codes.check_code(code)
    assert refused.value.key == "invalid_voucher"
    campaign_codes.check_code("X" * 128)
    campaign_codes.check_code("IN SIDE")


def test_validity_is_built_from_its_three_fields_with_days_sorted() -> None:
    hours: dict[str, list[object]] = {"daily": []}
    assert campaign_codes.validity_from(None, (5, 1, 5), hours) == Validity(
        day_of_week=(1, 5), hours=hours
    )
    assert campaign_codes.validity_from({"interval": "P1D"}, None, None) == Validity(
        timeframe={"interval": "P1D"}
    )


async def test_codes_are_drawn_from_the_campaign_s_config_unless_the_request_gives_one(
    shop: Shop,
) -> None:
    spring = await shop.campaign("Spring")
    assert campaign_codes.code_config_for(spring, None) == CodeConfig(pattern="####")
    assert campaign_codes.code_config_for(spring, {"length": 2, "charset": "AB"}) == CodeConfig(
        pattern="##", charset="AB"
    )
    sale = await shop.campaign("Sale", CampaignType.PROMOTION)
    with pytest.raises(InvalidPayload) as refused:
        campaign_codes.code_config_for(sale, None)
    assert refused.value.key == "invalid_campaign_params"


async def test_a_new_code_carries_its_overrides_and_its_validity(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    overrides = campaign_codes.voucher_overrides(
        {"category": "vip", "validity_day_of_week": [2], "redemption": {"quantity": 3}}
    )
    made = campaign_codes.new_campaign_voucher(shop.ctx, spring, "S-1", overrides)
    assert (made.code, made.campaign_id, made.category, made.redemption_quantity) == (
        "S-1",
        spring.id,
        "vip",
        3,
    )
    assert made.validity == Validity(day_of_week=(2,))
    assert made.id.startswith("v_")
    with pytest.raises(InvalidPayload) as refused:
        campaign_codes.new_campaign_voucher(
            shop.ctx, spring, "S-2", campaign_codes.voucher_overrides({"gift": {"amount": 1}})
        )
    assert refused.value.key == "invalid_voucher"


async def test_a_drawn_code_is_free_in_the_project_and_counted_in_its_campaign(
    shop: Shop,
) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "A")
    config = CodeConfig(pattern="#", charset="AB")
    async with shop.factory() as uow:
        drawn = await campaign_codes.generate_one(uow, shop.ctx, spring, config, {})
        await uow.commit()
    assert drawn.code == "B"
    async with shop.factory() as uow:
        counted = await uow.campaigns.get(shop.ctx.project_id, spring.id)
        assert counted is not None
        assert counted.vouchers_count == 2
        with pytest.raises(InvalidPayload) as full:
            await campaign_codes.draw_free_code(uow, shop.ctx, CodeGenerator(config, shop.ctx.rng))
    assert full.value.key == "invalid_code_config"
