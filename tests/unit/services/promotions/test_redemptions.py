"""Redemptions on the in-memory stores: codes and promotion tiers used on an order, failures
recorded apart, rollbacks (validations: ``test_validations.py``)."""

from __future__ import annotations

import pytest

from sendout.domain.balances import TransactionQuery
from sendout.domain.campaign_drafts import CampaignDraft, TierDraft
from sendout.domain.campaigns import CampaignKind, CampaignType
from sendout.domain.customers import CustomerRef
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.domain.redemptions import RedemptionQuery, RedemptionStatus
from sendout.services.promotions import campaigns, redemption_views, redemptions, rollbacks
from sendout.services.promotions.orders import OrderDraft
from sendout.services.promotions.redemption_checks import RedemptionRequest
from sendout.services.promotions.redemption_records import RedeemableRef
from tests.unit.services.shop import Shop

ANN = CustomerRef(source_id="ann")
TEN = {"type": "AMOUNT", "amount_off": 300}


def on_order(*refs: RedeemableRef, amount: int = 2000) -> RedemptionRequest:
    return RedemptionRequest(
        redeemables=refs,
        customer=ANN,
        order=OrderDraft(amount=amount, sent=frozenset({"amount"})),
    )


def code(id: str, credits: int | None = None) -> RedeemableRef:
    return RedeemableRef(object="voucher", id=id, credits=credits)


async def test_a_code_is_used_on_an_order_once_per_redemption(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1", redemption={"quantity": 1})
    done = await redemptions.redeem(shop.factory, shop.ctx, on_order(code("S1")))
    (child,) = done.children
    assert (child.amount, child.status, child.voucher_code) == (
        500,
        RedemptionStatus.SUCCEEDED,
        "S1",
    )
    assert done.parent.amount == 500
    order = done.evaluation.order
    assert order is not None
    assert (order.discount_amount, order.total_amount) == (500, 1500)
    assert (await shop.voucher("S1")).voucher.redeemed_quantity == 1
    assert (await shop.customer("ann")).redemptions_summary["total_succeeded"] == 1
    assert EventType.REDEMPTION_SUCCEEDED in shop.event_types()
    with pytest.raises(InvalidPayload) as refused:
        await redemptions.redeem(shop.factory, shop.ctx, on_order(code("S1")))
    assert refused.value.key == "quantity_exceeded"
    failed = await redemption_views.list_redemptions(
        shop.factory, shop.ctx, RedemptionQuery(status=RedemptionStatus.FAILED)
    )
    assert [v.redemption.failure_code for v in failed.items] == ["quantity_exceeded"]
    summary = (await shop.customer("ann")).redemptions_summary
    assert (summary["total_succeeded"], summary["total_failed"]) == (1, 1)


async def test_a_gift_card_pays_with_its_credits_and_gets_them_back(shop: Shop) -> None:
    gifts = await shop.campaign("Gifts", CampaignType.GIFT_VOUCHERS)
    await shop.codes(gifts, "G1")
    with pytest.raises(InvalidPayload) as too_much:
        await redemptions.redeem(shop.factory, shop.ctx, on_order(code("G1", credits=20_000)))
    assert too_much.value.key == "gift_amount_exceeded"
    done = await redemptions.redeem(shop.factory, shop.ctx, on_order(code("G1", credits=1200)))
    assert (await shop.voucher("G1")).gift["balance"] == 8800  # type: ignore[index]
    (child,) = done.children
    rolled = await rollbacks.rollback(shop.factory, shop.ctx, child.id, "changed mind")
    assert rolled.redemption.status is RedemptionStatus.ROLLED_BACK
    assert (await shop.voucher("G1")).gift["balance"] == 10_000  # type: ignore[index]
    assert EventType.REDEMPTION_ROLLBACK_SUCCEEDED in shop.event_types()
    with pytest.raises(InvalidPayload) as again:
        await rollbacks.rollback(shop.factory, shop.ctx, child.id, None)
    assert again.value.key == "already_rolled_back"
    async with shop.factory() as uow:
        log = await uow.transactions.list_for_voucher(
            shop.ctx.project_id, child.voucher_id or "", TransactionQuery()
        )
    assert [t.type.value for t in log.items] == ["CREDITS_REFUND", "CREDITS_REDEMPTION"]


async def test_stacked_codes_and_tiers_share_the_order_and_roll_back_together(
    shop: Shop,
) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1")
    _, tiers = await campaigns.create_campaign(
        shop.factory,
        shop.ctx,
        CampaignDraft(
            name="Sale",
            campaign_type=CampaignType.PROMOTION,
            kind=CampaignKind.STATIC,
            tiers=(
                TierDraft(name="Ten", action={"discount": {"type": "AMOUNT", "amount_off": 300}}),
            ),
        ),
    )
    tier = RedeemableRef(object="promotion_tier", id=tiers[0].id)
    done = await redemptions.redeem(shop.factory, shop.ctx, on_order(code("S1"), tier, amount=600))
    assert [c.amount for c in done.children] == [500, 100]  # the tier takes what is left
    view = await redemption_views.get_redemption(shop.factory, shop.ctx, done.parent.id)
    assert list(view.children) == [c.id for c in done.children]
    with pytest.raises(InvalidPayload):
        await rollbacks.rollback(shop.factory, shop.ctx, done.parent.id, None)
    parent, rolled = await rollbacks.rollback_stacked(shop.factory, shop.ctx, done.parent.id, None)
    assert parent.id == done.parent.id
    assert [r.redemption.status for r in rolled] == [RedemptionStatus.ROLLED_BACK] * 2
    assert (await shop.voucher("S1")).voucher.redeemed_quantity == 0
    with pytest.raises(NotFound):
        await rollbacks.rollback_stacked(shop.factory, shop.ctx, done.children[0].id, None)


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


async def test_a_code_s_redemptions_are_read_newest_first(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1")
    first = await redemptions.redeem(shop.factory, shop.ctx, on_order(code("S1")))
    second = await redemptions.redeem(shop.factory, shop.ctx, on_order(code("S1")))
    voucher, found = await redemption_views.voucher_redemptions(shop.factory, shop.ctx, "S1")
    assert voucher.voucher.code == "S1"
    assert [r.id for r in found] == [second.children[0].id, first.children[0].id]
