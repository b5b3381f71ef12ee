"""Pull mode on the in-memory stores: a customer's codes with their status, and what applies
to them now."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sendout.domain.campaign_drafts import CampaignDraft, TierDraft
from sendout.domain.campaigns import CampaignKind, CampaignType
from sendout.domain.customers import CustomerRef
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.vouchers import RedeemableStatus, WalletQuery
from sendout.services.promotions import campaigns, publications, vouchers, wallet
from sendout.services.promotions.publications import PublishRequest
from sendout.services.promotions.wallet import Scenario
from tests.unit.services.shop import Shop


async def give(shop: Shop, code: str, who: str = "ann") -> None:
    await publications.publish(
        shop.factory,
        shop.ctx,
        PublishRequest(customer=CustomerRef(source_id=who), voucher_code=code),
    )


async def test_the_wallet_shows_each_code_s_status_page_by_page(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    ends = shop.clock.now() + timedelta(days=1)
    await shop.codes(spring, "OK")
    await shop.codes(spring, "OFF")
    await shop.codes(spring, "SOON", expiration_date=ends)
    for code in ("OK", "OFF", "SOON"):
        await give(shop, code)
    await vouchers.set_voucher_active(shop.factory, shop.ctx, "OFF", False)
    shop.clock.advance(timedelta(days=2))
    customer_id, first = await wallet.customer_redeemables(
        shop.factory, shop.ctx, "ann", WalletQuery(limit=2)
    )
    assert [(e.voucher.voucher.code, e.status) for e in first.items] == [
        ("OK", RedeemableStatus.ACTIVE),
        ("OFF", RedeemableStatus.DISABLED),
    ]
    assert first.has_more is True
    _, rest = await wallet.customer_redeemables(
        shop.factory,
        shop.ctx,
        customer_id,
        WalletQuery(limit=2, starting_after_id=first.items[-1].voucher.voucher.id),
    )
    assert [(e.voucher.voucher.code, e.status) for e in rest.items] == [
        ("SOON", RedeemableStatus.EXPIRED)
    ]
    assert rest.has_more is False
    with pytest.raises(NotFound):
        await wallet.customer_redeemables(shop.factory, shop.ctx, "zed", WalletQuery())


async def test_qualifications_are_usable_codes_and_live_promotion_tiers(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "OK", "OFF")
    await give(shop, "OK")
    await give(shop, "OFF")
    await vouchers.set_voucher_active(shop.factory, shop.ctx, "OFF", False)
    sale, tiers = await campaigns.create_campaign(
        shop.factory,
        shop.ctx,
        CampaignDraft(
            name="Sale",
            campaign_type=CampaignType.PROMOTION,
            kind=CampaignKind.STATIC,
            tiers=(TierDraft(name="On"), TierDraft(name="Off", active=False)),
        ),
    )
    found, total, more = await wallet.qualifications(
        shop.factory, shop.ctx, customer="ann", scenario=Scenario.ALL
    )
    assert [q.key for q in found] == [(await shop.voucher("OK")).voucher.id, tiers[0].id]
    assert (total, more) == (2, False)
    assert found[1].campaign == sale
    held, _, _ = await wallet.qualifications(
        shop.factory, shop.ctx, customer="ann", scenario=Scenario.CUSTOMER_WALLET
    )
    assert [q.voucher.voucher.code for q in held if q.voucher] == ["OK"]
    first, total, more = await wallet.qualifications(
        shop.factory, shop.ctx, customer=None, scenario=Scenario.AUDIENCE_ONLY, limit=1
    )
    assert ([q.key for q in first], total, more) == ([tiers[0].id], 1, False)
    later, _, _ = await wallet.qualifications(
        shop.factory,
        shop.ctx,
        customer="ann",
        scenario=Scenario.ALL,
        starting_after=found[0].created_at,
    )
    assert [q.key for q in later] == [tiers[0].id]


async def test_qualifications_refuse_impossible_questions(shop: Shop) -> None:
    with pytest.raises(InvalidPayload):
        await wallet.qualifications(
            shop.factory, shop.ctx, customer=None, scenario=Scenario.CUSTOMER_WALLET
        )
    with pytest.raises(InvalidPayload):
        await wallet.qualifications(
            shop.factory, shop.ctx, customer="ann", scenario=Scenario.ALL, limit=51
        )
