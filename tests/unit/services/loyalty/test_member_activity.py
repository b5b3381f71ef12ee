"""A loyalty card's activity on the in-memory stores: only the events about that card, under
the member activity's names, paged by cursor."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sendout.domain.activity import MEMBER_ACTIVITY_TYPES, ActivityQuery, member_activity_object
from sendout.domain.errors import NotFound
from sendout.domain.events import EventType
from sendout.services.loyalty import balances
from sendout.services.loyalty.member_activity import list_member_activity
from tests.unit.services.shop import Shop


async def test_a_card_lists_its_own_events_only(shop: Shop) -> None:
    club, other = await shop.program(), await shop.program("Other")
    code = await shop.member(club)
    elsewhere = await shop.member(other)
    await balances.update_balance(shop.factory, shop.ctx, code, 10)
    await balances.update_balance(shop.factory, shop.ctx, code, 20)
    await balances.update_balance(shop.factory, shop.ctx, elsewhere, 5)
    card = await shop.voucher(code)
    found = await list_member_activity(shop.factory, shop.ctx, code, ActivityQuery())
    # newest first: the two additions, then the card's publication (the event names the card
    # as its voucher); the holder's own customer.created and the other card's event are not
    assert [e.type for e in found.items] == [
        EventType.LOYALTY_POINTS_ADDED.value,
        EventType.LOYALTY_POINTS_ADDED.value,
        EventType.PUBLICATION_SUCCEEDED.value,
    ]
    assert [e.data["balance"]["points"] for e in found.items[:2]] == [20, 10]
    assert {e.data["voucher"]["id"] for e in found.items} == {card.voucher.id}
    assert found.has_more is False


async def test_member_activity_pages_by_cursor_in_either_order(shop: Shop) -> None:
    club = await shop.program()
    code = await shop.member(club)
    for points in (1, 2, 3):
        await balances.update_balance(shop.factory, shop.ctx, code, points)
    first = await list_member_activity(
        shop.factory, shop.ctx, code, ActivityQuery(limit=3, descending=False)
    )
    points = [e.data.get("balance", {}).get("points") for e in first.items]
    assert (points, first.has_more) == ([None, 1, 2], True)  # the publication first
    rest = await list_member_activity(
        shop.factory,
        shop.ctx,
        code,
        ActivityQuery(limit=2, descending=False, starting_after_id=first.items[-1].id),
    )
    assert ([e.data["balance"]["points"] for e in rest.items], rest.has_more) == ([3], False)


async def test_the_program_scoped_path_refuses_another_programs_card(shop: Shop) -> None:
    club, other = await shop.program(), await shop.program("Other")
    code = await shop.member(club)
    with pytest.raises(NotFound):
        await list_member_activity(shop.factory, shop.ctx, code, ActivityQuery(), other.id)
    with pytest.raises(NotFound):
        await list_member_activity(
            shop.factory, shop.ctx, code, ActivityQuery(starting_after_id="evcus_nope")
        )


async def test_member_activity_speaks_the_sdks_names_and_nests_the_data(shop: Shop) -> None:
    club = await shop.program()
    await shop.member(club)
    (published,) = shop.events_of(EventType.PUBLICATION_SUCCEEDED)
    shown = member_activity_object(published)
    assert shown["data"] == {
        "data": dict(published.data),
        "event_source": published.source.as_object(),
    }
    # the SDK's 26 member activity types spell the redemptions with three c's
    assert len(MEMBER_ACTIVITY_TYPES) == 26
    redeemed = replace(published, type=EventType.REDEMPTION_SUCCEEDED.value)
    assert member_activity_object(redeemed)["type"] == "customer.redemption.succceeded"
