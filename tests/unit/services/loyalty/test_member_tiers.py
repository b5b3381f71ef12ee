"""Member tiers on the in-memory stores: a balance crossing a bound moves the member, expiring
tiers are held until the worker settles them."""

from __future__ import annotations

from datetime import timedelta

from sendout.domain.events import EventType
from sendout.domain.loyalty_tiers import parse_tiers_expiration
from sendout.services.loyalty import balances, earning_rules, loyalties
from sendout.services.loyalty.member_tiers import TierScheduler
from sendout.testing import seeded_rng
from tests.unit.services.shop import Shop

TIERS = [
    {"name": "Silver", "points": {"from": 100, "to": 499}},
    {"name": "Gold", "points": {"from": 500}},
]


async def test_tiers_follow_the_balance_up_and_down(shop: Shop) -> None:
    club = await shop.program()
    _, gold = await loyalties.create_tiers(shop.factory, shop.ctx, club.id, TIERS)
    await earning_rules.create_rules(
        shop.factory,
        shop.ctx,
        club.id,
        [
            {
                "event": "customer.loyalty.tier.upgraded",
                "loyalty_tier": {"id": gold.id},
                "loyalty": {"type": "FIXED", "points": 7},
            }
        ],
    )
    code = await shop.member(club)
    await balances.update_balance(shop.factory, shop.ctx, code, 150)  # joins Silver
    await balances.update_balance(shop.factory, shop.ctx, code, 400)  # up to Gold: +7
    await balances.update_balance(shop.factory, shop.ctx, code, -300)  # down to Silver
    await balances.update_balance(shop.factory, shop.ctx, code, -200)  # out
    moves = [t for t in shop.event_types() if t.startswith("customer.loyalty.tier.")]
    assert moves == [
        EventType.TIER_JOINED,
        EventType.TIER_UPGRADED,
        EventType.TIER_DOWNGRADED,
        EventType.TIER_LEFT,
    ]
    card = await loyalties.get_member(shop.factory, shop.ctx, code)
    assert card.loyalty_card is not None
    assert card.loyalty_card["balance"] == 57  # 150 + 400 + 7 - 300 - 200
    assert len(shop.events_of(EventType.REWARDED_LOYALTY_POINTS)) == 1


async def test_an_expiring_tier_is_held_then_settled_by_the_worker(shop: Shop) -> None:
    club = await shop.program(
        loyalty_tiers_expiration=parse_tiers_expiration(
            {"expiration_date": {"type": "CUSTOM", "extend": "P10D"}}
        )
    )
    silver, _ = await loyalties.create_tiers(shop.factory, shop.ctx, club.id, TIERS)
    code = await shop.member(club)
    await balances.update_balance(shop.factory, shop.ctx, code, 150)
    await balances.update_balance(shop.factory, shop.ctx, code, -100)  # below, but held
    ((tier, held),) = await loyalties.member_tiers(shop.factory, shop.ctx, code)
    assert tier == silver
    assert held is not None
    assert held.expiration_date is not None
    jobs = TierScheduler(shop.factory, shop.clock, seeded_rng(5))
    assert await jobs.expire_due() == 0
    shop.clock.advance(timedelta(days=40))
    assert await jobs.expire_due() == 1
    assert await jobs.expire_due() == 0
    assert await loyalties.member_tiers(shop.factory, shop.ctx, code) == []
    assert EventType.TIER_LEFT in shop.event_types()
