"""Pending points activated on the in-memory stores: moved from the card's ledger into its
balance, with their event and transaction."""

from __future__ import annotations

from datetime import date

from sendout.domain.earning_rules import EarningEvent, EarningRule
from sendout.domain.events import EventType
from sendout.services.loyalty import loyalties, pending_activation, pending_ledger
from tests.unit.services.shop import Shop, held_rule


async def test_points_held_then_activated_move_into_the_balance(shop: Shop) -> None:
    club = await shop.program()
    code = await shop.member(club, "ann")
    ann = await shop.customer("ann")
    rule = EarningRule(
        id="ern_1",
        project_id=shop.ctx.project_id,
        campaign_id=club.id,
        event=EarningEvent.ORDER_PAID,
        loyalty={"type": "FIXED", "points": 25},
        pending_points={"period_type": "DAY", "period_value": 5},
        created_at=shop.clock.now(),
    )
    async with shop.factory() as uow:
        card = await uow.vouchers.get_by_code(shop.ctx.project_id, code)
        assert card is not None
        held = await pending_ledger.hold(uow, shop.ctx, card, ann, rule, 25, None)
        assert await pending_ledger.pending_total(uow, shop.ctx, card.id) == 25
        await uow.commit()
    assert held.activates_at == date(2026, 1, 6)
    async with shop.factory() as uow:
        update = await pending_activation.activate_in(uow, shop.ctx, held)
        await uow.commit()
    assert update.change.balance == 25
    member = await loyalties.get_member(shop.factory, shop.ctx, code)
    assert member.loyalty_card is not None
    assert (member.loyalty_card["balance"], member.loyalty_card["pending_points"]) == (25, 0)
    (activated,) = shop.events_of(EventType.PENDING_POINTS_ACTIVATED)
    assert activated.data["transaction"]["type"] == "PENDING_POINTS_ACTIVATION"


async def test_activating_one_hold_leaves_the_other_pending(shop: Shop) -> None:
    club = await shop.program()
    code = await shop.member(club, "ann")
    ann = await shop.customer("ann")
    rule = held_rule(shop, club)
    async with shop.factory() as uow:
        card = await uow.vouchers.get_by_code(shop.ctx.project_id, code)
        assert card is not None
        first = await pending_ledger.hold(uow, shop.ctx, card, ann, rule, 25, None)
        await pending_ledger.hold(uow, shop.ctx, card, ann, rule, 10, None)
        await pending_activation.activate_in(uow, shop.ctx, first)
        assert await uow.points.get_pending(shop.ctx.project_id, first.id) is None
        await uow.commit()
    member = await loyalties.get_member(shop.factory, shop.ctx, code)
    assert member.loyalty_card is not None
    assert (member.loyalty_card["balance"], member.loyalty_card["pending_points"]) == (25, 10)
    (activated,) = shop.events_of(EventType.PENDING_POINTS_ACTIVATED)
    balance = activated.data["voucher_pending_points_balance"]
    assert (balance["points"], balance["total"]) == (-25, 10)
    assert activated.data["balance"]["balance"] == 25
    assert activated.data["pending_points"]["id"] == first.id
