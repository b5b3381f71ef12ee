"""Referral conversions on the in-memory stores: a referee redeeming a referrer's code
converts once per program, both sides rewarded."""

from __future__ import annotations

import pytest

from sendout.domain.campaigns import Campaign, CampaignKind, CampaignType
from sendout.domain.customers import CustomerRef
from sendout.domain.errors import InvalidPayload
from sendout.domain.events import EventType
from sendout.domain.referrals import ConversionEvent, parse_referral_program
from sendout.domain.vouchers import VoucherQuery
from sendout.services.promotions import publications, redemptions, referrals, vouchers
from sendout.services.promotions.orders import OrderDraft
from sendout.services.promotions.publications import PublishRequest
from sendout.services.promotions.redemption_checks import RedemptionRequest
from sendout.services.promotions.redemption_records import RedeemableRef
from sendout.services.promotions.voucher_lookup import effective
from tests.unit.services.shop import Shop


async def referral_program(shop: Shop, **program: object) -> tuple[Campaign, Campaign]:
    club = await shop.program("Club")
    raw = {
        "referee_reward": {
            "related_object_parent": {"id": club.id},
            "type": "LOYALTY_CARD",
            "amount": 50,
        },
        "referrer_reward": {
            "related_object_parent": {"id": club.id},
            "type": "LOYALTY_CARD",
            "amount": 100,
        },
        **program,
    }
    friends = await shop.campaign(
        "Friends",
        CampaignType.REFERRAL_PROGRAM,
        kind=CampaignKind.AUTO_UPDATE,
        referral_program=parse_referral_program(raw),
    )
    return friends, club


async def referrer_code(shop: Shop) -> str:
    done = await publications.publish(
        shop.factory,
        shop.ctx,
        PublishRequest(customer=CustomerRef(source_id="ref"), campaign="Friends"),
    )
    return done.vouchers[0].voucher.code


def redeem_by(who: str, code: str) -> RedemptionRequest:
    return RedemptionRequest(
        redeemables=[RedeemableRef(object="voucher", id=code)],
        customer=CustomerRef(source_id=who),
        order=OrderDraft(amount=1000, sent=frozenset({"amount"})),
    )


async def points_of(shop: Shop, club: Campaign, who: str) -> int:
    found = await vouchers.list_vouchers(
        shop.factory, shop.ctx, VoucherQuery(campaign_id=club.id), customer=who
    )
    return sum(int((v.loyalty_card or {}).get("balance") or 0) for v in found.items)


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
