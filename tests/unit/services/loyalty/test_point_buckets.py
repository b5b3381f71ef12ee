"""Expiring points on the in-memory stores: each addition that expires makes a bucket, a
removal takes from the bucket that expires first, the card shows the next expiration."""

from __future__ import annotations

from datetime import timedelta

from sendout.domain.points import BucketStatus
from sendout.services.loyalty import balances, loyalties
from tests.unit.services.shop import Shop

THIRTY_DAYS = {
    "loyalty_card": {"points": 0, "expiration_rules": {"period_type": "DAY", "period_value": 30}}
}


async def test_removals_take_from_the_soonest_bucket(shop: Shop) -> None:
    club = await shop.program(voucher=THIRTY_DAYS)
    code = await shop.member(club)
    await balances.update_balance(shop.factory, shop.ctx, code, 100)
    shop.clock.advance(timedelta(days=10))
    await balances.update_balance(shop.factory, shop.ctx, code, 50)
    await balances.update_balance(shop.factory, shop.ctx, code, -30)
    card = (await loyalties.get_member(shop.factory, shop.ctx, code)).loyalty_card or {}
    assert (card["next_expiration_date"], card["next_expiration_points"]) == ("2026-01-31", 70)
    buckets = await loyalties.points_expiration(shop.factory, shop.ctx, club.id, code, 10, 1)
    assert [(b.total_points, b.points_left, b.status) for b in buckets.items] == [
        (100, 70, BucketStatus.ACTIVE),
        (50, 50, BucketStatus.ACTIVE),
    ]
    await balances.update_balance(shop.factory, shop.ctx, code, -100)
    card = (await loyalties.get_member(shop.factory, shop.ctx, code)).loyalty_card or {}
    assert (card["next_expiration_date"], card["next_expiration_points"]) == ("2026-02-10", 20)
    second = await loyalties.points_expiration(shop.factory, shop.ctx, club.id, code, 1, 2)
    assert [b.points_left for b in second.items] == [20]
    assert (second.total, second.has_more) == (2, False)
