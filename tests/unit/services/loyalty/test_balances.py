"""Balances on the in-memory stores: credits and points added or removed by hand, logged as
voucher transactions, announced when a held card gains."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sendout.domain.balances import TransactionQuery, TransactionType, transaction_object
from sendout.domain.campaigns import CampaignType
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.services.loyalty import balances
from tests.unit.services.shop import Shop


async def test_points_move_and_every_move_is_logged(shop: Shop) -> None:
    club = await shop.program()
    code = await shop.member(club)
    added = await balances.update_balance(shop.factory, shop.ctx, code, 100, source_id="s1")
    removed = await balances.update_balance(shop.factory, shop.ctx, code, -30, reason="oops")
    assert (added.change.balance, removed.change.balance) == (100, 70)
    assert added.transaction.type is TransactionType.POINTS_ADDITION
    assert removed.transaction.type is TransactionType.POINTS_REMOVAL
    page = await balances.list_transactions(shop.factory, shop.ctx, code, TransactionQuery(limit=1))
    assert [t.reason for t in page.items] == ["oops"]
    assert page.has_more is True
    rest = await balances.list_transactions(
        shop.factory, shop.ctx, code, TransactionQuery(starting_after_id=page.items[0].id)
    )
    assert [t.source_id for t in rest.items] == ["s1"]
    assert len(shop.events_of(EventType.LOYALTY_POINTS_ADDED)) == 1  # additions only


async def test_a_cards_transactions_name_the_change_as_its_type_does(shop: Shop) -> None:
    club = await shop.program()
    code = await shop.member(club)
    points = await balances.update_balance(shop.factory, shop.ctx, code, 100)
    assert transaction_object(points.transaction)["details"]["balance"]["points"] == 100
    gifts = await shop.campaign("Gifts", CampaignType.GIFT_VOUCHERS)
    await shop.codes(gifts, "G1")
    credits = await balances.update_balance(shop.factory, shop.ctx, "G1", 250)
    assert transaction_object(credits.transaction)["details"]["balance"]["amount"] == 250
    # A loyalty card's change recorded as ``amount`` (before issue 25) reads as points.
    legacy = {**points.transaction.details["balance"], "amount": 100}
    del legacy["points"]
    old = replace(points.transaction, details={"balance": legacy})
    assert transaction_object(old)["details"]["balance"]["points"] == 100
    assert "amount" not in transaction_object(old)["details"]["balance"]


async def test_a_balance_never_goes_below_zero(shop: Shop) -> None:
    club = await shop.program()
    code = await shop.member(club)
    with pytest.raises(InvalidPayload):
        await balances.update_balance(shop.factory, shop.ctx, code, -1)
    with pytest.raises(NotFound):
        await balances.update_balance(shop.factory, shop.ctx, "NOPE", 1)


async def test_an_unheld_gift_card_gains_credits_silently(shop: Shop) -> None:
    gifts = await shop.campaign("Gifts", CampaignType.GIFT_VOUCHERS)
    await shop.codes(gifts, "G1")
    update = await balances.update_balance(shop.factory, shop.ctx, "G1", 250)
    assert update.change.balance == 10_250
    assert update.transaction.type is TransactionType.CREDITS_ADDITION
    assert shop.events_of(EventType.GIFT_BALANCE_ADDED) == []
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1")
    with pytest.raises(InvalidPayload):
        await balances.update_balance(shop.factory, shop.ctx, "S1", 10)  # no balance
