"""Codes by the thousand on the in-memory stores: standalone imports, a campaign's CSV
import and metadata set on many codes, applied by the worker row by row, with each row that
cannot be applied reported in the action's result."""

from __future__ import annotations

from sendout.domain.async_actions import AsyncAction, AsyncActionType, AsyncStatus
from sendout.services.async_jobs import AsyncActionRunner
from sendout.services.promotions import voucher_bulk
from sendout.services.row_jobs import rows
from sendout.testing import seeded_rng
from tests.unit.services.shop import Shop

GIFT = {"type": "GIFT_VOUCHER", "gift": {"amount": 300}}


async def run(shop: Shop, started: AsyncAction) -> AsyncAction:
    assert await AsyncActionRunner(shop.factory, shop.clock, seeded_rng(1)).run_next() == 1
    return shop.factory.data.async_actions[started.id]


async def test_an_import_makes_standalone_codes_and_reports_the_rows_it_refused(
    shop: Shop,
) -> None:
    await shop.campaign("Spring")
    items = rows(
        [
            {"code": "NEW-1", **GIFT, "start_date": "2026-01-01T00:00:00+00:00"},
            {"code": "import", **GIFT},  # a route's word
            {"code": "NEW-1", **GIFT},  # made by the first row already
            {"code": "NEW-2", "type": "DISCOUNT_VOUCHER"},  # no discount
            {"code": "NEW-3", "campaign": "Spring", **GIFT},  # standalone all the same
        ]
    )
    started = await voucher_bulk.import_vouchers(shop.factory, shop.ctx, items)
    done = await run(shop, started)
    assert (done.type, done.status, done.progress) == (
        AsyncActionType.STANDALONE_VOUCHERS_IMPORT,
        AsyncStatus.DONE,
        100,
    )
    assert done.result is not None
    assert (done.result["done_count"], done.result["failed_count"]) == (2, 3)
    assert [(f["row"], f["code"]) for f in done.result["failed"]] == [
        (2, "import"),
        (3, "NEW-1"),
        (4, "NEW-2"),
    ]
    made = await shop.voucher("NEW-1")
    assert made.gift is not None
    assert made.gift["amount"] == 300
    assert made.voucher.start_date is not None
    assert made.voucher.start_date.year == 2026
    assert (await shop.voucher("NEW-3")).voucher.campaign_id is None


async def test_a_row_refused_where_it_entered_is_reported_as_such(shop: Shop) -> None:
    items = [{"row": 1, "data": {"code": "BAD"}, "error": "Redemption Limit: not a number"}]
    started = await voucher_bulk.import_vouchers(
        shop.factory, shop.ctx, items, AsyncActionType.STANDALONE_VOUCHERS_IMPORT_CSV
    )
    done = await run(shop, started)
    assert done.status is AsyncStatus.FAILED  # every row failed
    assert done.result is not None
    assert done.result["failed"] == [
        {"row": 1, "code": "BAD", "reason": "Redemption Limit: not a number"}
    ]


async def test_a_campaign_csv_import_adds_its_codes(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "TAKEN")
    items = rows([{"code": "CSV-1", "category": "csv"}, {"code": "TAKEN"}, {"code": "bulk"}])
    started = await voucher_bulk.import_campaign_vouchers(shop.factory, shop.ctx, "Spring", items)
    done = await run(shop, started)
    assert done.result is not None
    assert [f["code"] for f in done.result["failed"]] == ["TAKEN", "bulk"]
    made = await shop.voucher("CSV-1")
    assert (made.voucher.campaign_id, made.voucher.category) == (spring.id, "csv")
    async with shop.factory() as uow:
        counted = await uow.campaigns.get(shop.ctx.project_id, spring.id)
    assert counted is not None
    assert counted.vouchers_count == 2


async def test_metadata_is_merged_into_each_code(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "A-1", metadata={"keep": 1, "n": 0})
    await shop.codes(spring, "A-2")
    started = await voucher_bulk.update_vouchers(
        shop.factory, shop.ctx, [{"code": "A-1", "metadata": {"n": 1}}, {"code": "NOPE"}]
    )
    done = await run(shop, started)
    assert done.result is not None
    assert [f["code"] for f in done.result["failed"]] == ["NOPE"]
    assert (await shop.voucher("A-1")).voucher.metadata == {"keep": 1, "n": 1}
    started = await voucher_bulk.update_vouchers_metadata(
        shop.factory, shop.ctx, ["A-1", "A-2"], {"m": 2}
    )
    done = await run(shop, started)
    assert done.result == {"done_count": 2, "failed_count": 0, "failed": []}
    assert (await shop.voucher("A-1")).voucher.metadata == {"keep": 1, "n": 1, "m": 2}
    assert (await shop.voucher("A-2")).voucher.metadata == {"m": 2}
