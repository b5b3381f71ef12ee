"""Loyalty programs on the in-memory stores: programs, members (one card each), tiers."""

from __future__ import annotations

import pytest

from sendout.domain.balances import TransactionQuery
from sendout.domain.campaign_drafts import CampaignDraft
from sendout.domain.campaigns import CampaignKind, CampaignType
from sendout.domain.channels import ChannelCatalog
from sendout.domain.customers import CustomerRef
from sendout.domain.errors import Duplicate, InvalidPayload, NotFound
from sendout.domain.loyalty_tiers import parse_tiers_expiration
from sendout.domain.vouchers import VoucherQuery
from sendout.services.loyalty import balances, loyalties, program_notifications
from tests.unit.services.shop import Shop

TIERS = [
    {"name": "Silver", "points": {"from": 100, "to": 499}},
    {"name": "Gold", "points": {"from": 500}},
]


async def test_only_loyalty_programs_are_programs(shop: Shop) -> None:
    await shop.campaign("Spring")
    with pytest.raises(NotFound):
        await loyalties.get_program(shop.factory, shop.ctx, "Spring")
    with pytest.raises(InvalidPayload):
        await program_notifications.create_campaign(
            shop.factory,
            shop.ctx,
            CampaignDraft(
                name="X", campaign_type=CampaignType.DISCOUNT_COUPONS, kind=CampaignKind.STATIC
            ),
            (),
            ChannelCatalog(),
            only=CampaignType.LOYALTY_PROGRAM,
        )
    club = await shop.program()
    page = await loyalties.list_programs(shop.factory, shop.ctx, 10, 1)
    assert [p.id for p in page.items] == [club.id]
    changed = await loyalties.update_program(
        shop.factory, shop.ctx, club.id, {"description": "points"}
    )
    assert changed.description == "points"
    await loyalties.delete_program(shop.factory, shop.ctx, club.id)
    with pytest.raises(NotFound):
        await loyalties.get_program(shop.factory, shop.ctx, club.id)


async def test_a_customer_holds_one_card_of_a_program(shop: Shop) -> None:
    club = await shop.program()
    code = await shop.member(club, "ann")
    with pytest.raises(Duplicate):
        await shop.member(club, "ann")
    card = await loyalties.get_member(shop.factory, shop.ctx, code, club.id)
    assert card.loyalty_card == {"points": 0, "balance": 0}
    members = await loyalties.list_members(shop.factory, shop.ctx, "Club", VoucherQuery())
    assert [m.voucher.code for m in members.items] == [code]
    other = await shop.program("Other")
    with pytest.raises(NotFound):
        await loyalties.get_member(shop.factory, shop.ctx, code, other.id)


async def test_members_are_listed_by_customer_id_or_source_id(shop: Shop) -> None:
    club = await shop.program()
    await shop.member(club, "ann")
    bobs = await shop.member(club, "bob")
    bob = await shop.customer("bob")
    for who in (bob.id, "bob"):
        found = await loyalties.list_members(
            shop.factory, shop.ctx, club.id, VoucherQuery(), customer=who
        )
        assert ([m.voucher.code for m in found.items], found.total) == ([bobs], 1)
    nobody = await loyalties.list_members(
        shop.factory, shop.ctx, club.id, VoucherQuery(), customer="nobody"
    )
    assert nobody.items == []


async def test_a_named_card_must_be_of_the_program(shop: Shop) -> None:
    club = await shop.program()
    await shop.codes(club, "CARD-1")
    other = await shop.program("Other")
    await shop.codes(other, "CARD-2")
    card = await loyalties.add_member(
        shop.factory, shop.ctx, club.id, CustomerRef(source_id="ann"), card="CARD-1"
    )
    assert card.voucher.code == "CARD-1"
    with pytest.raises(NotFound):
        await loyalties.add_member(
            shop.factory, shop.ctx, club.id, CustomerRef(source_id="bob"), card="CARD-2"
        )


async def test_tiers_do_not_overlap_and_follow_the_balance(shop: Shop) -> None:
    club = await shop.program()
    silver, gold = await loyalties.create_tiers(shop.factory, shop.ctx, club.id, TIERS)
    with pytest.raises(InvalidPayload):
        await loyalties.create_tiers(
            shop.factory, shop.ctx, club.id, [{"name": "Bad", "points": {"from": 400, "to": 600}}]
        )
    assert await loyalties.get_tier(shop.factory, shop.ctx, club.id, gold.id) == gold
    code = await shop.member(club)
    assert await loyalties.member_tiers(shop.factory, shop.ctx, code) == []
    await balances.update_balance(shop.factory, shop.ctx, code, 150)
    assert await loyalties.member_tiers(shop.factory, shop.ctx, code) == [(silver, None)]
    with pytest.raises(NotFound):
        await loyalties.get_tier(shop.factory, shop.ctx, club.id, "ltr_nope")


async def test_a_program_s_transactions_and_buckets_are_read_through_it(shop: Shop) -> None:
    club = await shop.program(
        loyalty_tiers_expiration=parse_tiers_expiration(
            {"expiration_date": {"type": "CUSTOM", "extend": "P1M"}}
        )
    )
    await loyalties.create_tiers(shop.factory, shop.ctx, club.id, TIERS)
    code = await shop.member(club)
    await balances.update_balance(shop.factory, shop.ctx, code, 600)
    ((tier, held),) = await loyalties.member_tiers(shop.factory, shop.ctx, code)
    assert tier.name == "Gold"
    assert held is not None
    page = await loyalties.program_transactions(shop.factory, shop.ctx, club.id, TransactionQuery())
    assert [t.voucher_id for t in page.items] == [held.voucher_id]
    buckets = await loyalties.points_expiration(shop.factory, shop.ctx, club.id, code, 10, 1)
    assert buckets.items == []  # these points never expire
