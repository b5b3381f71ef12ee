"""Points over time on real databases, with an injected clock: pending points activated when
their day comes, buckets expiring at the end of their last day, and both scheduled jobs doing
each item exactly once when two workers (two engines) race for them."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

from sendout.bootstrap import Container, bootstrap
from sendout.config import Settings
from sendout.domain.campaign_drafts import CampaignDraft
from sendout.domain.campaigns import CampaignKind, CampaignType, VoucherTemplate, VoucherType
from sendout.domain.codes import parse_code_config
from sendout.domain.customers import CustomerRef
from sendout.domain.loyalty_tiers import parse_tiers_expiration
from sendout.domain.points import BucketStatus, Expiration, ExpirationType
from sendout.services.accounts.projects import create_project
from sendout.services.context import Context
from sendout.services.customers.events import track_custom_event
from sendout.services.loyalty import balances, earning_rules, loyalties
from sendout.services.loyalty.member_tiers import TierScheduler
from sendout.services.loyalty.points_schedule import PointsScheduler
from sendout.testing import FakeClock, make_context


async def program_with(
    container: Container,
    clock: FakeClock,
    expiration_rules: dict[str, Any] | None = None,
    tiers_expiration: dict[str, Any] | None = None,
) -> tuple[Context, str]:
    issued = await create_project(container.uow_factory, clock, random.Random(1), "points")
    ctx = make_context(issued.project.id, clock=clock)
    card: dict[str, Any] = {"points": 0, "balance": 0}
    if expiration_rules is not None:
        card["expiration_rules"] = expiration_rules
    program = await loyalties.create_program(
        container.uow_factory,
        ctx,
        CampaignDraft(
            name="Club",
            campaign_type=CampaignType.LOYALTY_PROGRAM,
            kind=CampaignKind.AUTO_UPDATE,
            template=VoucherTemplate(
                type=VoucherType.LOYALTY_CARD,
                loyalty_card=card,
                code_config=parse_code_config({"length": 8}),
            ),
            loyalty_tiers_expiration=parse_tiers_expiration(tiers_expiration),
        ),
    )
    return ctx, program.id


async def member(container: Container, ctx: Context, program_id: str, who: str) -> str:
    card = await loyalties.add_member(
        container.uow_factory, ctx, program_id, CustomerRef(source_id=who)
    )
    return card.voucher.code


async def card_state(container: Container, ctx: Context, code: str) -> dict[str, Any]:
    card = await loyalties.get_member(container.uow_factory, ctx, code)
    return dict(card.loyalty_card or {})


async def recorded(container: Container) -> list[Any]:
    """The events recorded (nothing dispatches in an isolated database)."""
    async with container.uow_factory() as uow:
        return list(await uow.events.claim_undispatched(10_000))


async def event_types(container: Container, ctx: Context) -> list[str]:
    return [e.type for e in await recorded(container) if e.project_id == ctx.project_id]


async def test_points_expire_from_the_oldest_bucket_at_the_end_of_its_last_day(
    isolated_container: Container,
) -> None:
    container, clock = isolated_container, FakeClock()
    ctx, program_id = await program_with(
        container, clock, {"period_type": "DAY", "period_value": 30}
    )
    code = await member(container, ctx, program_id, "ann")
    jobs = PointsScheduler(container.uow_factory, clock, random.Random(2))

    await balances.update_balance(container.uow_factory, ctx, code, 100)  # day 0: until day 30
    clock.advance(timedelta(days=10))
    await balances.update_balance(container.uow_factory, ctx, code, 50)  # until day 40
    await balances.update_balance(
        container.uow_factory,
        ctx,
        code,
        5,
        expiration=Expiration(ExpirationType.NON_EXPIRING),
    )
    await balances.update_balance(container.uow_factory, ctx, code, -30)  # from the first
    state = await card_state(container, ctx, code)
    assert state["balance"] == 125
    assert (state["next_expiration_date"], state["next_expiration_points"]) == ("2026-01-31", 70)

    clock.advance(timedelta(days=20, hours=11))  # day 30, 23:00: the last day, still valid
    assert await jobs.expire_due() == 0
    clock.advance(timedelta(hours=2))  # day 31
    assert await jobs.expire_due() == 1
    assert await jobs.expire_due() == 0  # once only
    state = await card_state(container, ctx, code)
    assert (state["balance"], state["expired_points"]) == (55, 70)
    assert (state["next_expiration_date"], state["next_expiration_points"]) == ("2026-02-10", 50)

    buckets = await loyalties.points_expiration(container.uow_factory, ctx, program_id, code, 10, 1)
    assert [(b.status, b.points_left) for b in buckets.items] == [
        (BucketStatus.EXPIRED, 70),
        (BucketStatus.ACTIVE, 50),
    ]
    events = await recorded(container)
    (expired,) = [e for e in events if e.type == "customer.voucher.loyalty_card.points_expired"]
    assert expired.data["points"] == 70
    assert [b["bucket"]["total_points"] for b in expired.data["buckets"]] == [70]
    assert expired.data["transaction"]["type"] == "POINTS_EXPIRATION"


async def test_pending_points_wait_for_their_day(isolated_container: Container) -> None:
    container, clock = isolated_container, FakeClock()
    ctx, program_id = await program_with(container, clock)
    code = await member(container, ctx, program_id, "bob")
    await earning_rules.create_rules(
        container.uow_factory,
        ctx,
        program_id,
        [
            {
                "event": "custom_event",
                "custom_event": {"schema_id": "reviewed"},
                "loyalty": {"type": "FIXED", "points": 40},
                "pending_points": {"period_type": "DAY", "period_value": 3},
            }
        ],
    )
    jobs = PointsScheduler(container.uow_factory, clock, random.Random(3))
    await track_custom_event(
        container.uow_factory,
        ctx,
        name="reviewed",
        customer=CustomerRef(source_id="bob"),
        metadata={},
    )
    state = await card_state(container, ctx, code)
    assert (state["balance"], state["pending_points"]) == (0, 40)
    clock.advance(timedelta(days=2))
    assert await jobs.activate_due() == 0
    clock.advance(timedelta(days=1))
    assert await jobs.activate_due() == 1
    assert await jobs.activate_due() == 0
    state = await card_state(container, ctx, code)
    assert (state["balance"], state["pending_points"]) == (40, 0)
    types = await event_types(container, ctx)
    assert "customer.voucher.loyalty_card.pending_points.added" in types
    assert "customer.voucher.loyalty_card.pending_points.activated" in types


async def test_two_workers_activate_and_expire_each_item_once(
    isolated_container: Container,
) -> None:
    """On PostgreSQL the two engines really run side by side; on SQLite they take turns."""
    container, clock = isolated_container, FakeClock()
    ctx, program_id = await program_with(
        container, clock, {"period_type": "DAY", "period_value": 1}
    )
    await earning_rules.create_rules(
        container.uow_factory,
        ctx,
        program_id,
        [
            {
                "event": "custom_event",
                "custom_event": {"schema_id": "visited"},
                "loyalty": {"type": "FIXED", "points": 7},
                "pending_points": {"period_type": "DAY", "period_value": 1},
            }
        ],
    )
    codes = [await member(container, ctx, program_id, f"m{n}") for n in range(40)]
    for n in range(40):
        await balances.update_balance(container.uow_factory, ctx, codes[n], 10)  # expire day 2
        await track_custom_event(
            container.uow_factory,
            ctx,
            name="visited",
            customer=CustomerRef(source_id=f"m{n}"),
            metadata={},
        )
    clock.advance(timedelta(days=1))
    url = container.settings.database_url
    second = bootstrap(Settings(database_url=url))
    try:
        workers = [
            PointsScheduler(c.uow_factory, clock, random.Random(n))
            for n, c in enumerate((container, second))
        ]
        activated = await asyncio.gather(*(w.activate_due() for w in workers))
        assert sum(activated) == 40
        clock.advance(timedelta(days=2))  # the 10 added and the 7 activated have expired
        expired = await asyncio.gather(*(w.expire_due() for w in workers))
        assert sum(expired) == 40
    finally:
        await second.close()
    for code in codes:
        state = await card_state(container, ctx, code)
        assert (state["balance"], state["pending_points"], state["expired_points"]) == (0, 0, 17)
    types = await event_types(container, ctx)
    assert types.count("customer.voucher.loyalty_card.pending_points.activated") == 40
    assert types.count("customer.voucher.loyalty_card.points_expired") == 40


async def test_expiring_tiers_are_held_prolonged_and_settled_by_the_worker(
    isolated_container: Container,
) -> None:
    container, clock = isolated_container, FakeClock()  # 2026-01-01
    ctx, program_id = await program_with(
        container,
        clock,
        tiers_expiration={
            "qualification_period": "MONTH",
            "expiration_date": {"type": "END_OF_PERIOD"},
        },
    )
    await loyalties.create_tiers(
        container.uow_factory,
        ctx,
        program_id,
        [
            {"name": "Silver", "points": {"from": 0, "to": 99}},
            {"name": "Gold", "points": {"from": 100}},
        ],
    )
    slipping = await member(container, ctx, program_id, "slipping")
    steady = await member(container, ctx, program_id, "steady")
    for code in (slipping, steady):
        await balances.update_balance(container.uow_factory, ctx, code, 150)

    async def tier_of(code: str) -> tuple[str, str | None]:
        ((tier, held),) = await loyalties.member_tiers(container.uow_factory, ctx, code)
        assert held is not None
        expires = None if held.expiration_date is None else held.expiration_date.isoformat()
        return tier.name, expires

    assert await tier_of(slipping) == ("Gold", "2026-01-31")
    await balances.update_balance(container.uow_factory, ctx, slipping, -100)
    assert await tier_of(slipping) == ("Gold", "2026-01-31")  # held until it expires

    jobs = TierScheduler(container.uow_factory, clock, random.Random(4))
    clock.advance(timedelta(days=30))  # 2026-01-31: the last day
    assert await jobs.expire_due() == 0
    clock.advance(timedelta(days=1))
    assert await jobs.expire_due() == 2
    assert await jobs.expire_due() == 0
    assert await tier_of(slipping) == ("Silver", "2026-02-28")
    assert await tier_of(steady) == ("Gold", "2026-02-28")
    types = await event_types(container, ctx)
    assert types.count("customer.loyalty.tier.joined") == 2
    assert types.count("customer.loyalty.tier.downgraded") == 1
    assert types.count("customer.loyalty.tier.prolonged") == 1
