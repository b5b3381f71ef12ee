"""The pending ledger on the in-memory stores: points an earning rule holds wait on the card,
announced with the card's pending total (activating them: ``test_pending_activation.py``)."""

from __future__ import annotations

from datetime import date

from sendout.domain.earning_rules import EarningRule
from sendout.domain.events import EventType
from sendout.domain.points import PendingPoints
from sendout.services.loyalty import loyalties, pending_ledger
from tests.unit.services.shop import Shop, held_rule


async def hold(shop: Shop, code: str, rule: EarningRule, points: int) -> PendingPoints:
    """``points`` held on the card ``code`` of the customer "ann", committed."""
    ann = await shop.customer("ann")
    async with shop.factory() as uow:
        card = await uow.vouchers.get_by_code(shop.ctx.project_id, code)
        assert card is not None
        held = await pending_ledger.hold(uow, shop.ctx, card, ann, rule, points, None)
        await uow.commit()
    return held


async def test_held_points_are_announced_with_the_card_s_pending_total(shop: Shop) -> None:
    club = await shop.program()
    code = await shop.member(club, "ann")
    rule = held_rule(shop, club, days=3)
    first = await hold(shop, code, rule, 25)
    second = await hold(shop, code, rule, 15)
    assert (first.activates_at, first.customer_id) == (date(2026, 1, 4), (await shop.customer()).id)
    assert first.details["earning_rule"]["id"] == rule.id
    async with shop.factory() as uow:
        assert await pending_ledger.pending_total(uow, shop.ctx, first.voucher_id) == 40
        card = await pending_ledger.card_of(uow, shop.ctx, second)
    assert card is not None
    assert card.code == code
    member = await loyalties.get_member(shop.factory, shop.ctx, code)
    assert member.loyalty_card is not None
    assert (member.loyalty_card["balance"], member.loyalty_card["pending_points"]) == (0, 40)
    added = shop.events_of(EventType.PENDING_POINTS_ADDED)
    assert [e.entity_id for e in added] == [first.id, second.id]
    assert [
        (
            e.data["voucher_pending_points_balance"]["points"],
            e.data["voucher_pending_points_balance"]["total"],
        )
        for e in added
    ] == [(25, 25), (15, 40)]
    assert added[1].data["pending_points"]["points"] == 15
    assert added[1].data["voucher"]["code"] == code


async def test_an_announcement_for_a_card_that_is_gone_records_nothing(shop: Shop) -> None:
    club = await shop.program()
    code = await shop.member(club, "ann")
    held = await hold(shop, code, held_rule(shop, club, days=3), 25)
    before = len(shop.events)
    async with shop.factory() as uow:
        await uow.vouchers.remove(shop.ctx.project_id, held.voucher_id)
        await pending_ledger.announce(
            uow, shop.ctx, EventType.PENDING_POINTS_CANCELED, held, -held.points
        )
        await uow.commit()
    assert len(shop.events) == before
