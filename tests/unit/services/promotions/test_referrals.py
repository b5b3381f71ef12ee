"""Referral conversions on the in-memory stores: a referee redeeming a referrer's code
converts once per program, both sides rewarded."""

from __future__ import annotations

import pytest

from sendout.domain.errors import InvalidPayload
from sendout.domain.events import EventType
from sendout.domain.referrals import ConversionEvent
from sendout.services.promotions import redemptions, referrals
from sendout.services.promotions.voucher_lookup import effective
from tests.unit.services.shop import Shop, points_of, redeem_by, referral_program, referrer_code


async def test_a_referee_converts_once_and_both_sides_are_rewarded(shop: Shop) -> None:
    friends, club = await referral_program(shop)
    assert friends.referral_program is not None
    assert friends.referral_program["referee_reward"]["related_object_parent"]["name"] == "Club"
    code = await referrer_code(shop)
    await redemptions.redeem(shop.factory, shop.ctx, redeem_by("bob", code))
    await redemptions.redeem(shop.factory, shop.ctx, redeem_by("bob", code))
    assert await points_of(shop, club, "bob") == 50
    assert await points_of(shop, club, "ref") == 100
    assert len(shop.events_of(EventType.CUSTOMER_REFERRED)) == 1
    assert len(shop.events_of(EventType.REWARDED)) == 2
    referrer = await shop.customer("ref")
    referee = await shop.customer("bob")
    assert referrer.referred_customers == 1
    assert referee.referrals is not None
    assert referee.referrals["total"] == 1
    async with shop.factory() as uow:
        (made,) = await uow.referrals.of_referrer(shop.ctx.project_id, referrer.id)
    assert (made.referee_id, made.source_type) == (referee.id, ConversionEvent.REDEMPTION)


async def test_a_referrer_cannot_redeem_their_own_code(shop: Shop) -> None:
    await referral_program(shop)
    code = await referrer_code(shop)
    with pytest.raises(InvalidPayload) as refused:
        await redemptions.redeem(shop.factory, shop.ctx, redeem_by("ref", code))
    assert refused.value.key == "referrer_not_permitted_to_redeem"


async def test_a_custom_event_program_converts_only_on_its_event(shop: Shop) -> None:
    await referral_program(
        shop, conversion_event_type="custom_event", custom_event={"name": "signed_up"}
    )
    code = await referrer_code(shop)
    await redemptions.redeem(shop.factory, shop.ctx, redeem_by("bob", code))
    assert shop.events_of(EventType.CUSTOMER_REFERRED) == []
    bob = await shop.customer("bob")
    async with shop.factory() as uow:
        card = await uow.vouchers.get_by_code(shop.ctx.project_id, code)
        assert card is not None
        (found,) = await effective(uow, shop.ctx, [card])
        other = await referrals.convert(
            uow, shop.ctx, found, bob, ConversionEvent.CUSTOM_EVENT, "ev1", event_names=("x",)
        )
        made = await referrals.convert(
            uow,
            shop.ctx,
            found,
            bob,
            ConversionEvent.CUSTOM_EVENT,
            "ev1",
            event_names=("signed_up",),
        )
        await uow.commit()
    assert other is None
    assert made is not None
    assert made.source_id == "ev1"
