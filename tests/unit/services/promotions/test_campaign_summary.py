"""A campaign's summary and transactions on the in-memory stores: figures read back from the
stored redemptions, orders, codes, publications and transactions, within dates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sendout.domain.balances import TransactionQuery
from sendout.domain.campaign_summary import SummaryWindow, summary_object
from sendout.domain.campaigns import CampaignType
from sendout.domain.customers import CustomerRef
from sendout.domain.errors import InvalidPayload, InvalidQuery, NotFound
from sendout.domain.list_filters import parse_list_filter
from sendout.services.loyalty import balances
from sendout.services.promotions import redemptions, rollbacks
from sendout.services.promotions.campaign_summary import campaign_summary, campaign_transactions
from sendout.services.promotions.orders import OrderDraft
from sendout.services.promotions.redemption_checks import RedemptionRequest
from sendout.services.promotions.redemption_records import RedeemableRef
from tests.unit.services.shop import Shop


def on_order(code: str, amount: int = 2000) -> RedemptionRequest:
    return RedemptionRequest(
        redeemables=(RedeemableRef(object="voucher", id=code),),
        customer=CustomerRef(source_id="ann"),
        order=OrderDraft(amount=amount, sent=frozenset({"amount"})),
    )


async def test_redemptions_rollbacks_and_codes_are_counted(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1", "S2", redemption={"quantity": 1})
    kept = await redemptions.redeem(shop.factory, shop.ctx, on_order("S1"))
    undone = await redemptions.redeem(shop.factory, shop.ctx, on_order("S2", 4000))
    await rollbacks.rollback(shop.factory, shop.ctx, undone.children[0].id, None)
    with pytest.raises(InvalidPayload):
        await redemptions.redeem(shop.factory, shop.ctx, on_order("S1"))  # used up: FAILED
    found = await campaign_summary(shop.factory, shop.ctx, spring.name, SummaryWindow())
    shown = summary_object({"id": spring.id}, {}, found.figures)
    kept_off, undone_off = kept.children[0].amount, undone.children[0].amount
    assert {
        k: shown[k] for k in ("redemptions", "redemptions_succeeded", "redemptions_failed")
    } == {
        "redemptions": 3,
        "redemptions_succeeded": 2,
        "redemptions_failed": 1,
    }
    assert (shown["rollbacks"], shown["rollbacks_succeeded"]) == (1, 1)
    assert shown["discounted_amount"] == kept_off + undone_off
    assert shown["rolledback_discounted_amount"] == undone_off
    assert (shown["orders_amount"], shown["orders_rolledback_amount"]) == (6000, 4000)
    assert (shown["vouchers_created"], shown["object"]) == (2, "campaign_summary")

    tomorrow = shop.ctx.now() + timedelta(days=1)
    later = await campaign_summary(shop.factory, shop.ctx, spring.id, SummaryWindow(after=tomorrow))
    assert later.figures.redemptions == {}
    assert later.figures.vouchers_created == 0
    with pytest.raises(InvalidQuery):
        await campaign_summary(
            shop.factory, shop.ctx, spring.id, SummaryWindow(after=tomorrow, before=tomorrow)
        )
    with pytest.raises(NotFound):
        await campaign_summary(shop.factory, shop.ctx, "camp_nope", SummaryWindow())


async def test_points_moves_are_summed_by_kind(shop: Shop) -> None:
    club = await shop.program()
    card = await shop.member(club)
    await balances.update_balance(shop.factory, shop.ctx, card, 100)
    await balances.update_balance(shop.factory, shop.ctx, card, -30)
    found = await campaign_summary(shop.factory, shop.ctx, club.id, SummaryWindow())
    template = {"loyalty_card": {"points": 5}}
    shown = summary_object({}, template, found.figures)
    assert (shown["points_added"], shown["points_subtracted"], shown["publications"]) == (
        100,
        30,
        1,
    )
    assert shown["created_vouchers_points"] == 5 * shown["vouchers_created"]


async def test_a_campaigns_transactions_filter_by_code(shop: Shop) -> None:
    gifts = await shop.campaign("Gifts", CampaignType.GIFT_VOUCHERS)
    await shop.codes(gifts, "G1", "G2")
    await balances.update_balance(shop.factory, shop.ctx, "G1", 100)
    await balances.update_balance(shop.factory, shop.ctx, "G2", 200)
    every = await campaign_transactions(shop.factory, shop.ctx, gifts.id, TransactionQuery())
    assert [t.details["balance"]["amount"] for t in every.items] == [200, 100]
    g1 = (await shop.voucher("G1")).voucher.id
    wanted = parse_list_filter({"voucher_id": {"conditions": {"$in": [g1]}}}, {"id", "voucher_id"})
    only = await campaign_transactions(
        shop.factory, shop.ctx, gifts.id, TransactionQuery(filters=wanted)
    )
    assert [t.voucher_id for t in only.items] == [g1]
    paged = await campaign_transactions(shop.factory, shop.ctx, gifts.id, TransactionQuery(limit=1))
    assert paged.has_more is True
