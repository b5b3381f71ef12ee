"""Point transfers on the in-memory stores: both sides logged and linked, all or nothing."""

from __future__ import annotations

import pytest

from sendout.domain.balances import MAX_TRANSFER_SOURCES, PointsTransfer, TransactionQuery
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.services.loyalty import balances
from sendout.services.loyalty.transfers import transfer_points
from tests.unit.services.shop import Shop


async def _points(shop: Shop, code: str) -> int:
    return int(((await shop.voucher(code)).loyalty_card or {}).get("balance") or 0)


async def _log(shop: Shop, code: str) -> list[str]:
    page = await balances.list_transactions(
        shop.factory, shop.ctx, code, TransactionQuery(limit=100)
    )
    return [t.type.value for t in page.items]


async def test_both_sides_are_logged_and_linked(shop: Shop) -> None:
    club = await shop.program()
    target, giver = await shop.member(club, "to"), await shop.member(club, "from")
    await balances.update_balance(shop.factory, shop.ctx, giver, 50)
    added_before = len(shop.events_of(EventType.LOYALTY_POINTS_ADDED))
    moved = await transfer_points(
        shop.factory, shop.ctx, club.id, target, [PointsTransfer(code=giver, points=30)]
    )
    assert (moved.voucher.code, (moved.loyalty_card or {})["balance"]) == (target, 30)
    assert await _points(shop, giver) == 20
    assert await _log(shop, giver) == ["POINTS_TRANSFER_OUT", "POINTS_ADDITION"]
    assert await _log(shop, target) == ["POINTS_TRANSFER_IN"]
    page = await balances.list_transactions(shop.factory, shop.ctx, target, TransactionQuery())
    (received,) = page.items
    out = (
        await balances.list_transactions(shop.factory, shop.ctx, giver, TransactionQuery(limit=1))
    ).items[0]
    assert received.related_transaction_id == out.id
    assert received.details["source_voucher"]["code"] == giver
    assert out.details["destination_voucher"]["code"] == target
    # the destination's addition is announced as any addition is
    assert len(shop.events_of(EventType.LOYALTY_POINTS_ADDED)) == added_before + 1


async def test_a_source_short_of_points_changes_nothing(shop: Shop) -> None:
    club = await shop.program()
    target, rich, poor = [await shop.member(club, n) for n in ("to", "rich", "poor")]
    await balances.update_balance(shop.factory, shop.ctx, rich, 100)
    await balances.update_balance(shop.factory, shop.ctx, poor, 5)
    with pytest.raises(InvalidPayload) as refused:
        await transfer_points(
            shop.factory,
            shop.ctx,
            club.id,
            target,
            [PointsTransfer(code=rich, points=80), PointsTransfer(code=poor, points=6)],
        )
    assert refused.value.key == "loyalty_card_points_exceeded"
    assert [await _points(shop, c) for c in (target, rich, poor)] == [0, 100, 5]
    assert await _log(shop, target) == []


@pytest.mark.parametrize(
    "sources",
    [
        [],
        [PointsTransfer(code="to", points=1)],
        [PointsTransfer(code="x", points=0)],
        [PointsTransfer(code="x", points=1), PointsTransfer(code="x", points=2)],
        [PointsTransfer(code=f"c{i}", points=1) for i in range(MAX_TRANSFER_SOURCES + 1)],
    ],
)
async def test_senseless_transfers_are_refused_before_reading(
    shop: Shop, sources: list[PointsTransfer]
) -> None:
    club = await shop.program()
    with pytest.raises(InvalidPayload):
        await transfer_points(shop.factory, shop.ctx, club.id, "to", sources)


async def test_cards_must_be_loyalty_cards_and_the_destination_the_programs(shop: Shop) -> None:
    club, other = await shop.program(), await shop.program("Other")
    target, giver = await shop.member(club, "to"), await shop.member(club, "from")
    await balances.update_balance(shop.factory, shop.ctx, giver, 10)
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1")
    one = [PointsTransfer(code=giver, points=1)]
    for program_id, destination, sources in (
        (other.id, target, one),
        (club.id, target, [PointsTransfer(code="S1", points=1)]),
        (club.id, "NOPE", one),
    ):
        with pytest.raises(NotFound):
            await transfer_points(shop.factory, shop.ctx, program_id, destination, sources)
    assert await _points(shop, giver) == 10
