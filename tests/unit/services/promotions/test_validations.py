"""Validations on the in-memory stores: priced like redemptions and writing nothing; validation
sessions holding back a code's use and credits until they redeem, are released or expire."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from sendout.domain.campaigns import CampaignType
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.validation_sessions import SessionRequest, TtlUnit
from sendout.services.promotions import redemptions, validations
from sendout.services.promotions.redemption_checks import RedemptionRequest
from tests.unit.services.shop import Shop, code, on_order

HOUR = SessionRequest(ttl=1, ttl_unit=TtlUnit.HOURS)


def by(request: RedemptionRequest, who: str, session: SessionRequest | None) -> RedemptionRequest:
    """``request`` made by the customer ``who``, in ``session``."""
    customer = replace(request.customer, source_id=who) if request.customer else None
    return replace(request, customer=customer, session=session)


async def test_a_validation_prices_without_writing(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1")
    checked = (await validations.validate(shop.factory, shop.ctx, on_order(code("S1")))).evaluation
    assert checked.failure is None
    assert checked.targets[0].applied.total == 500
    # The order priced as the redemption will save it; the order as sent kept beside it.
    assert checked.order is not None
    assert checked.base_order is not None
    assert (checked.order.discount_amount, checked.order.total_amount) == (500, 1500)
    assert checked.base_order.total_amount == 2000
    assert (await shop.voucher("S1")).voucher.redeemed_quantity == 0
    assert shop.events == []  # not even the inline customer


async def test_a_validation_answers_an_unknown_code_as_a_failed_redeemable(shop: Shop) -> None:
    checked = (
        await validations.validate(shop.factory, shop.ctx, on_order(code("NOPE")))
    ).evaluation
    assert checked.failure is not None
    assert (checked.failure.key, checked.failure.status) == ("not_found", 404)
    assert checked.targets[0].related == ("voucher", "NOPE")


async def test_a_session_holds_the_last_use_until_it_redeems(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "ONE", redemption={"quantity": 1})
    ann = await validations.validate(shop.factory, shop.ctx, by(on_order(code("ONE")), "ann", HOUR))
    assert ann.session is not None
    assert ann.session.key is not None
    assert ann.session.key.startswith("ssn_")
    # Bob validates and redeems without the session: the code's one use is held.
    bob = await validations.validate(shop.factory, shop.ctx, by(on_order(code("ONE")), "bob", None))
    assert bob.evaluation.failure is not None
    assert bob.evaluation.failure.key == "quantity_exceeded"
    with pytest.raises(InvalidPayload) as refused:
        await redemptions.redeem(shop.factory, shop.ctx, by(on_order(code("ONE")), "bob", None))
    assert refused.value.key == "quantity_exceeded"
    # Ann redeems in her session: it passes and ends the hold.
    mine = by(on_order(code("ONE")), "ann", SessionRequest(key=ann.session.key))
    done = await redemptions.redeem(shop.factory, shop.ctx, mine)
    assert done.children[0].amount == 500
    assert shop.factory.data.promotions.validation_sessions == {}


async def test_a_session_ends_when_released_or_when_its_time_is_up(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "ONE", redemption={"quantity": 1})
    mine = SessionRequest(key="ssn_mine", ttl=1, ttl_unit=TtlUnit.HOURS)
    held = await validations.validate(
        shop.factory, shop.ctx, by(on_order(code("ONE")), "ann", mine)
    )
    assert held.session == mine
    await validations.release_session(shop.factory, shop.ctx, "ONE", "ssn_mine")
    free = await validations.validate(
        shop.factory, shop.ctx, by(on_order(code("ONE")), "bob", HOUR)
    )
    assert free.evaluation.failure is None  # bob holds it now, for an hour
    shop.clock.advance(timedelta(minutes=59))
    ann = await validations.validate(shop.factory, shop.ctx, by(on_order(code("ONE")), "ann", None))
    assert ann.evaluation.failure is not None
    shop.clock.advance(timedelta(minutes=2))
    ann = await validations.validate(shop.factory, shop.ctx, by(on_order(code("ONE")), "ann", None))
    assert ann.evaluation.failure is None
    with pytest.raises(NotFound):
        await validations.release_session(shop.factory, shop.ctx, "NOPE", "ssn_mine")
    with pytest.raises(NotFound):  # released already
        await validations.release_session(shop.factory, shop.ctx, "ONE", "ssn_mine")


async def test_a_session_holds_the_gift_credits_it_would_take(shop: Shop) -> None:
    gifts = await shop.campaign("Gifts", CampaignType.GIFT_VOUCHERS)
    await shop.codes(gifts, "G1")  # 10,000 credits
    ann = by(on_order(code("G1", credits=7_000), amount=9_000), "ann", HOUR)
    assert (await validations.validate(shop.factory, shop.ctx, ann)).evaluation.failure is None
    # Bob sees 3,000 left: asking for more fails, asking for all takes 3,000.
    bob = by(on_order(code("G1", credits=4_000), amount=9_000), "bob", None)
    checked = (await validations.validate(shop.factory, shop.ctx, bob)).evaluation
    assert checked.failure is not None
    assert checked.failure.key == "gift_amount_exceeded"
    bob = by(on_order(code("G1"), amount=9_000), "bob", None)
    checked = (await validations.validate(shop.factory, shop.ctx, bob)).evaluation
    assert checked.targets[0].applied.gift_credits == 3_000


async def test_the_same_key_replaces_what_its_session_held(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "TWO", redemption={"quantity": 2})
    key = SessionRequest(key="ssn_again", ttl=1, ttl_unit=TtlUnit.HOURS)
    for _ in range(3):  # validating again in one session holds one use, not three
        again = by(on_order(code("TWO")), "ann", key)
        assert (
            await validations.validate(shop.factory, shop.ctx, again)
        ).evaluation.failure is None
    bob = await validations.validate(shop.factory, shop.ctx, by(on_order(code("TWO")), "bob", HOUR))
    assert bob.evaluation.failure is None
    cat = await validations.validate(shop.factory, shop.ctx, by(on_order(code("TWO")), "cat", HOUR))
    assert cat.evaluation.failure is not None
