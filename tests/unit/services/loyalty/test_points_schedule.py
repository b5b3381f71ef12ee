"""The worker's points jobs on the in-memory stores: pending points activate on their day,
buckets expire after their last day, each once."""

from __future__ import annotations

from datetime import timedelta

from sendout.domain.events import EventType
from sendout.services.loyalty import balances, earning_rules, loyalties
from sendout.services.loyalty.points_schedule import PointsScheduler
from sendout.testing import seeded_rng
from tests.unit.services.shop import Shop, pending_rule

EXPIRING = {
    "loyalty_card": {"points": 0, "expiration_rules": {"period_type": "DAY", "period_value": 1}}
}


async def card(shop: Shop, code: str) -> dict[str, int]:
    return dict((await loyalties.get_member(shop.factory, shop.ctx, code)).loyalty_card or {})


async def test_pending_points_activate_on_their_day_once(shop: Shop) -> None:
    club = await shop.program()
    await earning_rules.create_rules(
        shop.factory,
        shop.ctx,
        club.id,
        [pending_rule(40, 3)],
    )
    code = await shop.member(club, "bob")
    await shop.pay("bob", 10)
    jobs = PointsScheduler(shop.factory, shop.clock, seeded_rng(3))
    shop.clock.advance(timedelta(days=2))
    assert await jobs.activate_due() == 0
    shop.clock.advance(timedelta(days=1))
    assert await jobs.activate_due() == 1
    assert await jobs.activate_due() == 0
    state = await card(shop, code)
    assert (state["balance"], state["pending_points"]) == (40, 0)


async def test_buckets_expire_after_their_last_day_once(shop: Shop) -> None:
    club = await shop.program(voucher=EXPIRING)
    code = await shop.member(club, "ann")
    await balances.update_balance(shop.factory, shop.ctx, code, 10)
    jobs = PointsScheduler(shop.factory, shop.clock, seeded_rng(4))
    shop.clock.advance(timedelta(days=1))
    assert await jobs.expire_due() == 0  # the last day is still valid
    shop.clock.advance(timedelta(days=1))
    assert await jobs.expire_due() == 1
    assert await jobs.expire_due() == 0
    state = await card(shop, code)
    assert (state["balance"], state["expired_points"]) == (0, 10)
    (expired,) = shop.events_of(EventType.LOYALTY_POINTS_EXPIRED)
    assert expired.data["points"] == 10
    assert expired.data["transaction"]["type"] == "POINTS_EXPIRATION"
