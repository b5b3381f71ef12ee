"""Voucher use cases on the in-memory stores: create (drawn or chosen code), read, change,
enable, delete and list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sendout.domain.campaigns import VoucherType
from sendout.domain.errors import Duplicate, InvalidPayload, NotFound
from sendout.domain.vouchers import VoucherQuery
from sendout.services.promotions import campaign_vouchers, vouchers
from tests.unit.services.shop import Shop


async def test_a_standalone_code_needs_its_type_s_value(shop: Shop) -> None:
    with pytest.raises(InvalidPayload) as refused:
        await vouchers.create_voucher(shop.factory, shop.ctx, "LONE", {"type": "GIFT_VOUCHER"})
    assert refused.value.key == "invalid_voucher"
    with pytest.raises(InvalidPayload):
        await vouchers.create_voucher(shop.factory, shop.ctx, "LONE", {"type": "COUPON"})
    made = await vouchers.create_voucher(
        shop.factory, shop.ctx, "LONE", {"type": "GIFT_VOUCHER", "gift": {"amount": 300}}
    )
    assert (made.type, made.gift) == (
        VoucherType.GIFT_VOUCHER,
        {"amount": 300, "balance": 300, "effect": "APPLY_TO_ORDER"},
    )
    assert made.campaign is None
    with pytest.raises(Duplicate):
        await vouchers.create_voucher(
            shop.factory, shop.ctx, "LONE", {"type": "GIFT_VOUCHER", "gift": {"amount": 1}}
        )


async def test_a_code_of_a_campaign_takes_its_type_and_counts_in_it(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    with pytest.raises(InvalidPayload):
        await vouchers.create_voucher(
            shop.factory, shop.ctx, None, {"campaign": "Spring", "type": "GIFT_VOUCHER"}
        )
    drawn = await vouchers.create_voucher(shop.factory, shop.ctx, None, {"campaign": "Spring"})
    assert drawn.voucher.campaign_id == spring.id
    assert len(drawn.voucher.code) == 4  # the campaign's code config
    assert drawn.discount == {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"}
    found = await vouchers.list_vouchers(shop.factory, shop.ctx, VoucherQuery(), campaign="Spring")
    assert [v.voucher.code for v in found.items] == [drawn.voucher.code]
    await vouchers.delete_voucher(shop.factory, shop.ctx, drawn.voucher.code)
    with pytest.raises(NotFound):
        await shop.voucher(drawn.voucher.code)
    async with shop.factory() as uow:
        counted = await uow.campaigns.get(shop.ctx.project_id, spring.id)
    assert counted is not None
    assert counted.vouchers_count == 0


async def test_an_update_merges_validity_and_refuses_bad_changes(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "SPRING-1", validity_hours={"daily": []})
    updated = await vouchers.update_voucher(
        shop.factory,
        shop.ctx,
        "SPRING-1",
        {"validity_day_of_week": [2, 1], "redemption": {"quantity": 3}, "category": "vip"},
    )
    assert updated.voucher.validity is not None
    assert updated.voucher.validity.day_of_week == (1, 2)
    assert updated.voucher.validity.hours == {"daily": []}
    assert (updated.redemption_quantity, updated.voucher.category) == (3, "vip")
    with pytest.raises(InvalidPayload):
        await vouchers.update_voucher(shop.factory, shop.ctx, "SPRING-1", {"code": "X"})
    with pytest.raises(InvalidPayload):
        await vouchers.update_voucher(
            shop.factory, shop.ctx, "SPRING-1", {"redemption": {"quantity": 0}}
        )
    start = shop.clock.now()
    with pytest.raises(InvalidPayload):
        await vouchers.update_voucher(
            shop.factory,
            shop.ctx,
            "SPRING-1",
            {"start_date": start, "expiration_date": start - timedelta(days=1)},
        )
    assert (await shop.voucher("SPRING-1")).voucher.category == "vip"


async def test_a_disabled_code_reads_disabled(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "SPRING-1")
    off = await vouchers.set_voucher_active(shop.factory, shop.ctx, "SPRING-1", False)
    assert off.active is False
    assert (await shop.voucher("SPRING-1")).active is False


async def test_codes_are_listed_by_campaign_or_holder_newest_first(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1", "S2", "S3")
    other = await shop.campaign("Other")
    await shop.codes(other, "O1")
    page = await vouchers.list_vouchers(
        shop.factory, shop.ctx, VoucherQuery(limit=2), campaign=spring.id
    )
    assert [v.voucher.code for v in page.items] == ["S3", "S2"]
    assert (page.total, page.has_more) == (3, True)
    by_code = await vouchers.list_vouchers(
        shop.factory, shop.ctx, VoucherQuery(order="code", descending=False)
    )
    assert [v.voucher.code for v in by_code.items] == ["O1", "S1", "S2", "S3"]
    unknown = await vouchers.list_vouchers(shop.factory, shop.ctx, VoucherQuery(), campaign="Nope")
    assert (unknown.items, unknown.total) == ([], 0)
    nobody = await vouchers.list_vouchers(shop.factory, shop.ctx, VoucherQuery(), customer="zed")
    assert nobody.total == 0


async def test_changing_one_validity_field_keeps_the_stored_days_of_week(shop: Shop) -> None:
    # The stored days come back as a tuple, merged with the change and checked again.
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "SPRING-1", validity_day_of_week=[5, 1])
    updated = await vouchers.update_voucher(
        shop.factory, shop.ctx, "SPRING-1", {"validity_hours": {"daily": []}}
    )
    assert updated.voucher.validity is not None
    assert updated.voucher.validity.day_of_week == (1, 5)
    assert updated.voucher.validity.hours == {"daily": []}


@pytest.mark.parametrize("code", ["import", "importCSV", "bulk", "metadata", "qualification"])
async def test_a_word_naming_a_route_is_never_a_code(shop: Shop, code: str) -> None:
    spring = await shop.campaign("Spring")
    body = {"type": "GIFT_VOUCHER", "gift": {"amount": 300}}
    with pytest.raises(InvalidPayload) as refused:
        await vouchers.create_voucher(shop.factory, shop.ctx, code, body)
    assert refused.value.key == "invalid_voucher"
    with pytest.raises(InvalidPayload):
        await shop.codes(spring, code)
    with pytest.raises(InvalidPayload):
        await campaign_vouchers.import_vouchers(shop.factory, shop.ctx, spring.id, [{"code": code}])
    assert not shop.factory.data.promotions.vouchers
