"""Earning rules on the in-memory stores: made, read, changed, enabled, deleted; tier and
segment rules name what exists."""

from __future__ import annotations

import pytest

from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.segments import Segment, SegmentType
from sendout.services.loyalty import earning_rules, loyalties
from tests.unit.services.shop import Shop

RULE = {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 10}}


async def test_rules_are_made_listed_changed_and_deleted(shop: Shop) -> None:
    club = await shop.program()
    made = await earning_rules.create_rules(shop.factory, shop.ctx, club.id, [RULE, RULE])
    listed = await earning_rules.list_rules(shop.factory, shop.ctx, "Club")
    assert sorted(r.id for r in listed) == sorted(r.id for r in made)  # one time: by id
    off = await earning_rules.set_active(shop.factory, shop.ctx, club.id, made[0].id, False)
    assert off.active is False
    changed = await earning_rules.update_rule(
        shop.factory, shop.ctx, club.id, made[0].id, {"loyalty": {"type": "FIXED", "points": 5}}
    )
    assert (changed.loyalty["points"], changed.active) == (5, False)
    read = await earning_rules.get_rule(shop.factory, shop.ctx, club.id, made[0].id)
    assert read == changed
    await earning_rules.delete_rule(shop.factory, shop.ctx, club.id, made[0].id)
    with pytest.raises(NotFound):
        await earning_rules.get_rule(shop.factory, shop.ctx, club.id, made[0].id)


async def test_rules_belong_to_a_loyalty_program(shop: Shop) -> None:
    await shop.campaign("Spring")
    with pytest.raises(NotFound):
        await earning_rules.create_rules(shop.factory, shop.ctx, "Spring", [RULE])
    club = await shop.program()
    with pytest.raises(InvalidPayload):
        await earning_rules.create_rules(shop.factory, shop.ctx, club.id, [])


async def test_tier_and_segment_rules_name_what_exists(shop: Shop) -> None:
    club = await shop.program()
    (gold,) = await loyalties.create_tiers(
        shop.factory, shop.ctx, club.id, [{"name": "Gold", "points": {"from": 100}}]
    )
    tier_rule = {"event": "customer.loyalty.tier.joined", "loyalty_tier": {"id": "ltr_nope"}}
    with pytest.raises(NotFound):
        await earning_rules.create_rules(shop.factory, shop.ctx, club.id, [{**RULE, **tier_rule}])
    tier_rule["loyalty_tier"] = {"id": gold.id}
    (made,) = await earning_rules.create_rules(
        shop.factory, shop.ctx, club.id, [{**RULE, **tier_rule}]
    )
    assert made.loyalty_tier_id == gold.id
    segment_rule = {**RULE, "event": "customer.segment.entered", "segment": {"id": "seg_x"}}
    with pytest.raises(NotFound):
        await earning_rules.create_rules(shop.factory, shop.ctx, club.id, [segment_rule])
    async with shop.factory() as uow:
        await uow.segments.add(
            Segment(
                id="seg_x",
                project_id=shop.ctx.project_id,
                name="Fixed",
                type=SegmentType.STATIC,
                created_at=shop.clock.now(),
            )
        )
        await uow.commit()
    with pytest.raises(InvalidPayload):
        await earning_rules.create_rules(shop.factory, shop.ctx, club.id, [segment_rule])


async def test_a_rules_banner_is_kept_and_changed(shop: Shop) -> None:
    club = await shop.program()
    (made,) = await earning_rules.create_rules(
        shop.factory, shop.ctx, club.id, [{**RULE, "source": {"banner": "10 points an order"}}]
    )
    read = await earning_rules.get_rule(shop.factory, shop.ctx, club.id, made.id)
    assert read.banner == "10 points an order"
    kept = await earning_rules.update_rule(
        shop.factory, shop.ctx, club.id, made.id, {"loyalty": {"type": "FIXED", "points": 5}}
    )
    assert kept.banner == "10 points an order"
    changed = await earning_rules.update_rule(
        shop.factory, shop.ctx, club.id, made.id, {"source": {"banner": "5 points"}}
    )
    assert changed.banner == "5 points"
    with pytest.raises(InvalidPayload):
        await earning_rules.create_rules(
            shop.factory, shop.ctx, club.id, [{**RULE, "source": {"banner": "x" * 1001}}]
        )
