"""Pending points on the in-memory stores: listed, adjusted, canceled and activated by hand;
the card's pending total follows."""

from __future__ import annotations

import pytest

from sendout.domain.campaigns import Campaign
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.services.loyalty import earning_rules, loyalties, pending_points
from tests.unit.services.shop import Shop, pending_rule


async def held_points(shop: Shop, *amounts: int) -> tuple[Campaign, str]:
    """A member whose paid orders hold ``amounts`` points (a rule per amount)."""
    club = await shop.program()
    rules = [pending_rule(points, 2) for points in amounts]
    await earning_rules.create_rules(shop.factory, shop.ctx, club.id, rules)
    code = await shop.member(club, "ann")
    await shop.pay("ann", 100)
    return club, code


async def state(shop: Shop, code: str) -> tuple[int, int]:
    card = (await loyalties.get_member(shop.factory, shop.ctx, code)).loyalty_card or {}
    return int(card.get("balance") or 0), int(card.get("pending_points") or 0)


async def test_pending_points_are_adjusted_canceled_and_activated(shop: Shop) -> None:
    club, code = await held_points(shop, 40, 60)
    page = await pending_points.list_pending(shop.factory, shop.ctx, member_id=code)
    assert sorted(p.points for p in page.items) == [40, 60]
    by_program = await pending_points.list_pending(shop.factory, shop.ctx, program_id=club.id)
    assert len(by_program.items) == 2
    forty, sixty = sorted(page.items, key=lambda p: p.points)
    balance = await pending_points.adjust(shop.factory, shop.ctx, code, forty.id, 10)
    assert (balance["points"], balance["total"]) == (10, 110)
    assert await state(shop, code) == (0, 110)
    with pytest.raises(InvalidPayload):
        await pending_points.adjust(shop.factory, shop.ctx, code, forty.id, -50)
    with pytest.raises(InvalidPayload):
        await pending_points.adjust(shop.factory, shop.ctx, code, forty.id, 0)
    await pending_points.cancel(shop.factory, shop.ctx, code, sixty.id)
    assert await state(shop, code) == (0, 50)
    update = await pending_points.activate(shop.factory, shop.ctx, code, forty.id)
    assert update.change.balance == 50
    assert await state(shop, code) == (50, 0)
    with pytest.raises(NotFound):
        await pending_points.activate(shop.factory, shop.ctx, code, forty.id)
    kinds = shop.event_types()
    for kind in ("UPDATED", "CANCELED", "ACTIVATED"):
        assert EventType[f"PENDING_POINTS_{kind}"] in kinds


async def test_another_member_s_pending_points_are_not_found(shop: Shop) -> None:
    club, code = await held_points(shop, 40)
    (pending,) = (await pending_points.list_pending(shop.factory, shop.ctx, member_id=code)).items
    other = await shop.member(club, "bob")
    with pytest.raises(NotFound):
        await pending_points.cancel(shop.factory, shop.ctx, other, pending.id)
