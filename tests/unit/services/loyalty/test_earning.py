"""Earning on the in-memory stores: an order paid grants the points of the rules listening to
it, to the customer's card of each rule's program."""

from __future__ import annotations

from sendout.domain.events import EventType
from sendout.services.loyalty import earning_rules, loyalties
from tests.unit.services.shop import Shop, pending_rule


async def test_a_paid_order_earns_points_for_members_only(shop: Shop) -> None:
    club = await shop.program()
    await earning_rules.create_rules(
        shop.factory,
        shop.ctx,
        club.id,
        [
            {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 10}},
            {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 99}, "active": False},
        ],
    )
    code = await shop.member(club, "ann")
    await shop.pay("ann")
    await shop.pay("bob")  # not a member: nothing
    card = await loyalties.get_member(shop.factory, shop.ctx, code)
    assert card.loyalty_card is not None
    assert card.loyalty_card["balance"] == 10
    (rewarded,) = shop.events_of(EventType.REWARDED_LOYALTY_POINTS)
    assert rewarded.data["balance"]["points"] == 10
    assert rewarded.data["order"]["amount"] == 1000


async def test_a_rule_with_a_pending_period_holds_the_points(shop: Shop) -> None:
    club = await shop.program()
    await earning_rules.create_rules(
        shop.factory,
        shop.ctx,
        club.id,
        [pending_rule(40, 3)],
    )
    code = await shop.member(club, "ann")
    await shop.pay("ann")
    card = await loyalties.get_member(shop.factory, shop.ctx, code)
    assert card.loyalty_card is not None
    assert (card.loyalty_card["balance"], card.loyalty_card["pending_points"]) == (0, 40)
    assert len(shop.events_of(EventType.PENDING_POINTS_ADDED)) == 1
