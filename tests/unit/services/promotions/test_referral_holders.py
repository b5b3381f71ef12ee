"""Referral code holders on the in-memory stores: added (customers upserted), listed by
cursor, removed; holders are referees: one converting with the code rewards its owner."""

from __future__ import annotations

import pytest

from sendout.domain.customers import CustomerRef
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.referral_holders import HolderRole
from sendout.services.customers.customers import get_customer
from sendout.services.promotions import redemptions
from sendout.services.promotions.referral_holders import add_holders, list_holders, remove_holder
from tests.unit.services.shop import Shop, points_of, redeem_by, referral_program, referrer_code


def refs(*source_ids: str) -> list[CustomerRef]:
    return [CustomerRef(source_id=s) for s in source_ids]


async def test_holders_are_added_once_each_and_new_customers_are_created(shop: Shop) -> None:
    friends, _ = await referral_program(shop)
    code = await referrer_code(shop)
    first = await add_holders(shop.factory, shop.ctx, code, refs("ann"), {"k": 1})
    first += await add_holders(shop.factory, shop.ctx, code, refs("ann", "cid"), {})
    assert first[1] == first[0]  # ann already held it
    again = await add_holders(shop.factory, shop.ctx, code, refs("cid"), {}, friends.id)
    ann = await get_customer(shop.factory, shop.ctx, "ann")
    assert (first[0].customer_id, first[0].role, first[0].campaign_id) == (
        ann.id,
        HolderRole.REFEREE,
        friends.id,
    )
    assert again == [first[2]]
    assert (first[0].metadata, first[2].metadata) == ({"k": 1}, {})
    listed = await list_holders(shop.factory, shop.ctx, code, limit=1, descending=False)
    assert (listed.items, listed.total, listed.has_more) == ([first[0]], 2, True)
    rest = await list_holders(
        shop.factory, shop.ctx, code, descending=False, starting_after_id=first[0].id
    )
    assert (rest.items, rest.has_more) == ([first[2]], False)


async def test_the_owner_and_other_codes_are_refused(shop: Shop) -> None:
    await referral_program(shop)
    code = await referrer_code(shop)
    with pytest.raises(InvalidPayload):
        await add_holders(shop.factory, shop.ctx, code, refs("ref"), {})
    with pytest.raises(NotFound):
        await add_holders(shop.factory, shop.ctx, "NO-SUCH-CODE", refs("ann"), {})
    with pytest.raises(NotFound):
        await add_holders(shop.factory, shop.ctx, code, refs("ann"), {}, "Club")
    with pytest.raises(NotFound):
        await remove_holder(shop.factory, shop.ctx, code, "rh_unknown")


async def test_a_holder_is_a_referee_whose_conversion_rewards_the_owner(shop: Shop) -> None:
    _, club = await referral_program(shop)
    code = await referrer_code(shop)
    (ann,) = await add_holders(shop.factory, shop.ctx, code, refs("ann"), {})
    await redemptions.redeem(shop.factory, shop.ctx, redeem_by("ann", code))
    # the owner gets the referrer reward, the holder the referee reward
    assert [await points_of(shop, club, w) for w in ("ref", "ann")] == [100, 50]
    assert (await get_customer(shop.factory, shop.ctx, "ref")).referred_customers == 1
    await remove_holder(shop.factory, shop.ctx, code, ann.id)
    listed = await list_holders(shop.factory, shop.ctx, code, descending=False)
    assert listed.items == []
    await redemptions.redeem(shop.factory, shop.ctx, redeem_by("dan", code))
    assert [await points_of(shop, club, w) for w in ("ref", "ann", "dan")] == [200, 50, 50]
