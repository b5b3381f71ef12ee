"""A member spending points on a reward, on the in-memory stores: offered, in stock and
affordable, or refused with nothing changed."""

from __future__ import annotations

import pytest

from sendout.domain.campaigns import Campaign, CampaignKind, CampaignType
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.domain.rewards import Reward
from sendout.services.loyalty import balances, loyalties, rewards
from sendout.services.loyalty.reward_redemptions import RewardRedemptionRequest, redeem_reward
from sendout.services.promotions.orders import OrderDraft
from tests.unit.services.shop import Shop


async def offered(
    shop: Shop, raw: dict[str, object], points: int | None
) -> tuple[Campaign, Reward]:
    club = await shop.program()
    reward = await rewards.create_reward(shop.factory, shop.ctx, raw)
    price = {} if points is None else {"parameters": {"loyalty": {"points": points}}}
    await rewards.assign(shop.factory, shop.ctx, reward.id, club.id, price)
    return club, reward


async def balance(shop: Shop, code: str) -> int:
    card = await loyalties.get_member(shop.factory, shop.ctx, code)
    return int((card.loyalty_card or {}).get("balance") or 0)


async def test_a_material_reward_costs_its_price_until_its_stock_is_out(shop: Shop) -> None:
    mug = {"name": "Mug", "parameters": {"product": {"id": "prod_mug"}}, "stock": 1}
    club, reward = await offered(shop, mug, 100)
    code = await shop.member(club)
    await balances.update_balance(shop.factory, shop.ctx, code, 250)
    done = await redeem_reward(
        shop.factory, shop.ctx, code, club.id, RewardRedemptionRequest(reward_id=reward.id)
    )
    assert (done.redemption.points, done.redemption.amount) == (100, 0)
    assert await balance(shop, code) == 150
    assert EventType.REWARD_REDEMPTION_COMPLETED in shop.event_types()
    assert EventType.REWARDED in shop.event_types()
    with pytest.raises(InvalidPayload) as out:
        await redeem_reward(
            shop.factory, shop.ctx, code, None, RewardRedemptionRequest(reward_id=reward.id)
        )
    assert out.value.key == "quantity_exceeded"
    assert await balance(shop, code) == 150  # nothing taken


async def test_a_reward_the_member_cannot_afford_or_is_not_offered_is_refused(shop: Shop) -> None:
    mug = {"name": "Mug", "parameters": {"product": {"id": "prod_mug"}}}
    club, reward = await offered(shop, mug, 100)
    code = await shop.member(club)
    with pytest.raises(InvalidPayload) as poor:
        await redeem_reward(
            shop.factory, shop.ctx, code, None, RewardRedemptionRequest(reward_id=reward.id)
        )
    assert poor.value.key == "loyalty_card_points_exceeded"
    with pytest.raises(NotFound):
        await redeem_reward(
            shop.factory, shop.ctx, code, None, RewardRedemptionRequest(reward_id="rew_nope")
        )


async def test_a_campaign_reward_tops_up_the_member_s_gift_card(shop: Shop) -> None:
    await shop.campaign("Gifts", CampaignType.GIFT_VOUCHERS, kind=CampaignKind.AUTO_UPDATE)
    credit = {"name": "Credit", "parameters": {"campaign": {"id": "Gifts", "balance": 500}}}
    club, reward = await offered(shop, credit, 50)
    code = await shop.member(club)
    await balances.update_balance(shop.factory, shop.ctx, code, 50)
    done = await redeem_reward(
        shop.factory, shop.ctx, code, None, RewardRedemptionRequest(reward_id=reward.id)
    )
    assert done.redemption.reward is not None
    assert await balance(shop, code) == 0
    assert len(shop.events_of(EventType.GIFT_BALANCE_ADDED)) == 1


async def test_coin_points_pay_part_of_an_order(shop: Shop) -> None:
    coin = {"name": "Coins", "parameters": {"coin": {"exchange_ratio": 1, "points_ratio": 1}}}
    club, reward = await offered(shop, coin, None)
    code = await shop.member(club)
    await balances.update_balance(shop.factory, shop.ctx, code, 300)
    order = OrderDraft(source_id="o1", amount=1000, sent=frozenset({"amount"}))
    done = await redeem_reward(
        shop.factory,
        shop.ctx,
        code,
        None,
        RewardRedemptionRequest(reward_id=reward.id, order=order),
    )
    assert done.order is not None
    assert done.redemption.amount == done.order.applied_discount_amount > 0
    assert await balance(shop, code) == 300 - (done.redemption.points or 0)
    with pytest.raises(InvalidPayload) as refused:
        await redeem_reward(
            shop.factory, shop.ctx, code, None, RewardRedemptionRequest(reward_id=reward.id)
        )
    assert refused.value.key == "missing_order"
