"""What a redemption writes besides its rows, on the in-memory stores: a code's use and gift
credits moved (the credits logged), the customer's redemptions summary, and the redemption
event with the code's holder."""

from __future__ import annotations

from dataclasses import replace

from sendout.domain.balances import TransactionQuery, TransactionType
from sendout.domain.campaigns import CampaignType
from sendout.domain.customers import CustomerRef
from sendout.domain.events import EventType
from sendout.domain.redemptions import RedemptionStatus
from sendout.services.promotions import publications, redemption_checks, redemptions
from sendout.services.promotions.publications import PublishRequest
from sendout.services.promotions.redemption_records import (
    move_code,
    record_redemption_event,
    refresh_summary,
)
from tests.unit.services.shop import Shop, code, on_order

WHY = (TransactionType.CREDITS_REDEMPTION, {"reason": "test"})


async def test_a_code_s_uses_and_credits_move_and_the_credits_are_logged(shop: Shop) -> None:
    gifts = await shop.campaign("Gifts", CampaignType.GIFT_VOUCHERS)
    await shop.codes(gifts, "G1")
    async with shop.factory() as uow:
        await move_code(uow, shop.ctx, await shop.voucher("G1"), uses=1, credits=-300, why=WHY)
        await uow.commit()
    moved = await shop.voucher("G1")
    assert (moved.voucher.redeemed_quantity, moved.gift) == (
        1,
        {"amount": 10_000, "balance": 9700, "effect": "APPLY_TO_ORDER"},
    )
    assert moved.voucher.updated_at is not None
    async with shop.factory() as uow:
        await move_code(uow, shop.ctx, moved, uses=-5, credits=0, why=WHY)
        await uow.commit()
        log = await uow.transactions.list_for_voucher(
            shop.ctx.project_id, moved.voucher.id, TransactionQuery()
        )
    assert (await shop.voucher("G1")).voucher.redeemed_quantity == 0  # never below 0
    (logged,) = log.items  # no credits moved: nothing logged the second time
    assert (logged.type, logged.details) == (
        TransactionType.CREDITS_REDEMPTION,
        {"reason": "test", "balance": {"balance": 9700}},
    )


async def test_the_summary_counts_the_customer_s_redemptions_by_status(shop: Shop) -> None:
    ann = await shop.customer("ann")
    async with shop.factory() as uow:
        assert await refresh_summary(uow, shop.ctx, "cust_nobody") is None
        fresh = await refresh_summary(uow, shop.ctx, ann.id)
        await uow.commit()
    assert fresh is not None
    assert fresh.redemptions_summary is not None
    assert (fresh.redemptions_summary["total_redeemed"], fresh.redemptions_summary["gift"]) == (
        0,
        {"redeemed_amount": 0, "amount_to_go": 0},
    )
    gifts = await shop.campaign("Gifts", CampaignType.GIFT_VOUCHERS)
    await shop.codes(gifts, "G1")
    await redemptions.redeem(shop.factory, shop.ctx, on_order(code("G1", credits=700)))
    async with shop.factory() as uow:
        stored = await uow.customers.get(shop.ctx.project_id, ann.id)
        assert stored is not None
        await uow.customers.update(replace(stored, redemptions_summary={}))
        counted = await refresh_summary(uow, shop.ctx, ann.id)
        await uow.commit()
    assert counted is not None
    summary = counted.redemptions_summary
    assert summary is not None
    assert (summary["total_redeemed"], summary["total_succeeded"], summary["total_failed"]) == (
        1,
        1,
        0,
    )
    assert summary["gift"]["redeemed_amount"] == 700
    assert (await shop.customer("ann")).redemptions_summary == summary


async def test_the_redemption_event_names_the_redeemer_and_the_code_s_holder(shop: Shop) -> None:
    await shop.codes(await shop.campaign("Spring"), "S1")
    published = await publications.publish(
        shop.factory,
        shop.ctx,
        PublishRequest(customer=CustomerRef(source_id="bob"), campaign="Spring"),
    )
    held = published.vouchers[0].voucher.code
    done = await redemptions.redeem(shop.factory, shop.ctx, on_order(code(held)))
    (child,) = done.children
    assert child.status is RedemptionStatus.SUCCEEDED
    ann = await shop.customer("ann")
    async with shop.factory() as uow:
        checked = await redemption_checks.evaluate(uow, shop.ctx, on_order(code(held)), lock=False)
        await record_redemption_event(
            uow,
            shop.ctx,
            EventType.REDEMPTION_SUCCEEDED,
            ann,
            child,
            checked.targets[0],
            None,
            {"extra": 1},
        )
        await uow.commit()
    event = shop.events_of(EventType.REDEMPTION_SUCCEEDED)[-1]
    assert (event.customer_id, event.entity_id) == (ann.id, child.id)
    assert event.data["holder"]["source_id"] == "bob"
    assert event.data["customer"]["source_id"] == "ann"
    assert (event.data["order"], event.data["extra"]) == (None, 1)
    assert event.data["redemption"]["voucher"]["code"] == held
    assert "promotion_tier" not in event.data["redemption"]
