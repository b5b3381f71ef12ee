"""Rewards and their assignments on the in-memory stores."""

from __future__ import annotations

import pytest

from sendout.domain.campaigns import CampaignType
from sendout.domain.errors import Duplicate, InvalidPayload, NotFound
from sendout.domain.rewards import RewardType
from sendout.services.loyalty import balances, rewards
from tests.unit.services.shop import Shop

MUG = {"name": "Mug", "parameters": {"product": {"id": "prod_mug"}}, "stock": 1}


async def test_a_reward_is_made_read_listed_changed_and_deleted(shop: Shop) -> None:
    mug = await rewards.create_reward(shop.factory, shop.ctx, MUG)
    assert (mug.type, mug.stock, mug.redeemed) == (RewardType.MATERIAL, 1, 0)
    cap = await rewards.create_reward(shop.factory, shop.ctx, {**MUG, "name": "Cap"})
    page = await rewards.list_rewards(shop.factory, shop.ctx, 1, 2)
    assert ([r.id for r in page.items], page.total) == ([cap.id], 2)
    changed = await rewards.update_reward(shop.factory, shop.ctx, mug.id, {"stock": 5})
    assert changed.stock == 5
    with pytest.raises(InvalidPayload):
        await rewards.update_reward(
            shop.factory, shop.ctx, mug.id, {"parameters": {"coin": {"exchange_ratio": 1}}}
        )
    await rewards.delete_reward(shop.factory, shop.ctx, mug.id)
    with pytest.raises(NotFound):
        await rewards.get_reward(shop.factory, shop.ctx, mug.id)


async def test_a_campaign_reward_names_a_campaign_that_can_give(shop: Shop) -> None:
    gifts = await shop.campaign("Gifts", CampaignType.GIFT_VOUCHERS)
    with pytest.raises(InvalidPayload):
        await rewards.create_reward(
            shop.factory,
            shop.ctx,
            {"name": "Credit", "parameters": {"campaign": {"id": gifts.id}}},
        )
    made = await rewards.create_reward(
        shop.factory,
        shop.ctx,
        {"name": "Credit", "parameters": {"campaign": {"id": "Gifts", "balance": 500}}},
    )
    assert made.parameters == {
        "campaign": {"id": gifts.id, "balance": 500, "type": "GIFT_VOUCHERS"}
    }
    with pytest.raises(NotFound):
        await rewards.create_reward(
            shop.factory, shop.ctx, {"name": "X", "parameters": {"campaign": {"id": "nope"}}}
        )


async def test_a_program_offers_a_reward_once_at_a_price(shop: Shop) -> None:
    club = await shop.program()
    mug = await rewards.create_reward(shop.factory, shop.ctx, MUG)
    price = {"parameters": {"loyalty": {"points": 100}}}
    (offer,) = await rewards.assign_many(
        shop.factory, shop.ctx, club.id, [{"reward": mug.id, **price}]
    )
    with pytest.raises(Duplicate):
        await rewards.assign(shop.factory, shop.ctx, mug.id, club.id, price)
    with pytest.raises(InvalidPayload):
        await rewards.assign_many(shop.factory, shop.ctx, club.id, [{"reward": ""}])
    dearer = await rewards.update_assignment(
        shop.factory, shop.ctx, offer.id, {"parameters": {"loyalty": {"points": 300}}}
    )
    assert dearer.points == 300
    listed = await rewards.list_assignments(shop.factory, shop.ctx, program_id=club.id)
    assert [a.points for a in listed.items] == [300]
    by_assignment = await rewards.list_rewards(shop.factory, shop.ctx, 10, 1, offer.id)
    assert [r.id for r in by_assignment.items] == [mug.id]
    assert await rewards.program_rewards(shop.factory, shop.ctx, club.id) == [(mug, dearer)]
    code = await shop.member(club)
    assert await rewards.member_rewards(shop.factory, shop.ctx, code, True) == []
    await balances.update_balance(shop.factory, shop.ctx, code, 300)
    assert await rewards.member_rewards(shop.factory, shop.ctx, code, True) == [(mug, dearer)]
    await rewards.unassign(shop.factory, shop.ctx, offer.id, program_id=club.id)
    with pytest.raises(NotFound):
        await rewards.get_assignment(shop.factory, shop.ctx, offer.id)
