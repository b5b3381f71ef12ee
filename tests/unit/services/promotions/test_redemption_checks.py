"""A redemption request checked and priced on the in-memory stores: what is refused before
anything is looked at, what is not found, what fails its checks, and what each redeemable
takes off the order."""

from __future__ import annotations

import pytest

from sendout.domain.campaign_drafts import TierDraft
from sendout.domain.campaigns import CampaignType
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.redemptions import MAX_REDEEMABLES
from sendout.services.promotions import redemption_checks, redemptions
from sendout.services.promotions.redemption_checks import Evaluation, RedemptionRequest
from sendout.services.promotions.redemption_records import RedeemableRef
from tests.unit.services.shop import Shop, code, on_order

TEN = {"type": "AMOUNT", "amount_off": 300}


async def test_unknown_or_malformed_redeemables_are_refused(shop: Shop) -> None:
    with pytest.raises(NotFound):
        await redemptions.redeem(shop.factory, shop.ctx, on_order(code("NOPE")))
    with pytest.raises(NotFound):
        await redemptions.redeem(
            shop.factory, shop.ctx, on_order(RedeemableRef(object="promotion_tier", id="promo_x"))
        )
    with pytest.raises(InvalidPayload):
        await redemptions.redeem(
            shop.factory, shop.ctx, on_order(RedeemableRef(object="x", id="y"))
        )
    with pytest.raises(InvalidPayload):
        await redemptions.redeem(shop.factory, shop.ctx, RedemptionRequest(redeemables=()))


async def evaluate(shop: Shop, request: RedemptionRequest) -> Evaluation:
    """``request`` checked and priced in a unit of work left uncommitted, as a validation."""
    async with shop.factory() as uow:
        return await redemption_checks.evaluate(uow, shop.ctx, request, lock=False)


@pytest.mark.parametrize(
    "refs",
    [
        (),
        tuple(code(f"C{n}") for n in range(MAX_REDEEMABLES + 1)),
        (code("G1", credits=0),),
        (RedeemableRef(object="order", id="ord_1"),),
    ],
)
def test_a_request_is_refused_before_any_redeemable_is_looked_up(
    refs: tuple[RedeemableRef, ...],
) -> None:
    with pytest.raises(InvalidPayload) as refused:
        redemption_checks.check_request(RedemptionRequest(redeemables=refs))
    assert refused.value.key == "invalid_payload"


async def test_each_redeemable_takes_off_what_the_previous_ones_left(shop: Shop) -> None:
    spring = await shop.campaign("Spring")  # 500 off
    gifts = await shop.campaign("Gifts", CampaignType.GIFT_VOUCHERS)  # 10 000 credits
    await shop.codes(spring, "S1")
    await shop.codes(gifts, "G1")
    _, (ten,) = await shop.promotion(TierDraft(name="Ten", action={"discount": TEN}))
    tier = RedeemableRef(object="promotion_tier", id=ten.id)
    checked = await evaluate(shop, on_order(code("S1"), tier, code("G1"), amount=1000))
    assert checked.failure is None
    assert [t.applied.total for t in checked.targets] == [500, 300, 200]
    assert checked.targets[2].applied.gift_credits == 200
    assert [t.related[0] for t in checked.targets] == ["voucher", "promotion_tier", "voucher"]
    assert checked.order is not None
    assert checked.order.amount == 1000
    assert checked.customer is not None
    assert checked.customer.source_id == "ann"
    assert checked.current_order is None


async def test_a_code_failing_its_checks_is_priced_at_nothing(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "OFF", active=False)
    await shop.codes(spring, "ON")
    checked = await evaluate(shop, on_order(code("OFF"), code("ON")))
    off, on = checked.targets
    assert off.failure is not None
    assert (off.failure.key, off.applied.total) == ("voucher_disabled", 0)
    assert (on.failure, on.applied.total) == (None, 500)
    assert checked.failure == off.failure


async def test_a_tier_that_is_off_fails_with_promotion_inactive(shop: Shop) -> None:
    _, (off,) = await shop.promotion(TierDraft(name="Off", action={"discount": TEN}, active=False))
    checked = await evaluate(shop, on_order(RedeemableRef(object="promotion_tier", id=off.id)))
    (target,) = checked.targets
    assert target.failure is not None
    assert (target.failure.key, target.applied.total) == ("promotion_inactive", 0)


async def test_a_validation_without_an_order_or_customer_prices_a_code_alone(
    shop: Shop,
) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1")
    checked = await evaluate(shop, RedemptionRequest(redeemables=(code("S1"),)))
    assert (checked.order, checked.customer, checked.failure) == (None, None, None)
    assert checked.targets[0].applied.total == 500
