"""Point transfers between loyalty cards and a card's activity, through the official SDK on
both backends: a transfer moves every source's points in one transaction or none of them."""

from __future__ import annotations

import pytest
import voucherify
from voucherify import CampaignsApi, LoyaltiesApi
from voucherify.exceptions import ApiException

from tests.e2e.conftest import Api
from tests.e2e.loyalty_builders import join, points, program, tier


def balance(sdk: voucherify.ApiClient, code: str) -> int:
    return int(LoyaltiesApi(sdk).get_member(code).loyalty_card.balance)


def source(code: str, amount: int, **fields: str) -> voucherify.LoyaltiesTransferPoints:
    return voucherify.LoyaltiesTransferPoints(code=code, points=amount, **fields)


def test_points_move_from_several_cards_and_the_destination_climbs_a_tier(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    club, elsewhere = program(sdk, "Transfer club"), program(sdk, "Other club")
    (gold,) = LoyaltiesApi(sdk).create_in_bulk_loyalty_tiers(club.id, [tier("Gold", 100, None)])
    target = join(sdk, club.id, "transfer-to")
    first, second = join(sdk, club.id, "transfer-a"), join(sdk, elsewhere.id, "transfer-b")
    points(sdk, first.code, 70)
    points(sdk, second.code, 50)

    moved = LoyaltiesApi(sdk).transfer_points(
        club.id,
        target.code,
        [source(first.code, 60, reason="merge", source_id="t-1"), source(second.code, 50)],
    )
    assert (moved.code, moved.loyalty_card.points, moved.loyalty_card.balance) == (
        target.code,
        110,
        110,
    )
    assert (balance(sdk, first.code), balance(sdk, second.code)) == (10, 0)
    (current,) = LoyaltiesApi(sdk).list_member_loyalty_tier(target.code).data
    assert current.id == gold.id

    _, given = api.call("GET", f"/v1/loyalties/members/{first.code}/transactions?limit=1")
    _, received = api.call("GET", f"/v1/loyalties/members/{target.code}/transactions")
    (out,) = given["data"]
    assert (out["type"], out["reason"], out["source_id"]) == ("POINTS_TRANSFER_OUT", "merge", "t-1")
    assert out["details"]["balance"]["balance"] == 10
    ins = received["data"]
    assert [t["type"] for t in ins] == ["POINTS_TRANSFER_IN", "POINTS_TRANSFER_IN"]
    assert ins[1]["related_transaction_id"] == out["id"]
    assert [t["details"]["source_voucher"]["code"] for t in ins] == [second.code, first.code]

    summary = CampaignsApi(sdk).get_campaign_summary(club.id)
    assert (summary.points_transferred_in, summary.points_transferred_out) == (110, 60)
    assert (summary.points_added, summary.publications) == (70, 2)
    own = CampaignsApi(sdk).list_campaign_transactions(
        club.id,
        filters=voucherify.ParametersFiltersListCampaignTransactions(
            voucher_id=voucherify.FilterConditionsString(var_in=[target.id])
        ),
    )
    assert [t.type for t in own.data] == ["POINTS_TRANSFER_IN", "POINTS_TRANSFER_IN"]
    status, listed = api.call(
        "GET",
        f"/v1/campaigns/{club.id}/transactions?limit=1&order=id"
        f"&filters[voucher_id][conditions][$is]={first.id}",
    )
    assert (status, listed["data"][0]["type"], listed["has_more"]) == (
        200,
        "POINTS_ADDITION",
        True,
    )

    activity = LoyaltiesApi(sdk).list_member_activity1(club.id, target.code, limit=10).data
    types = [a.type for a in activity]
    assert types[:3] == [
        "customer.loyalty.tier.joined",
        "customer.voucher.loyalty_card.points_added",
        "customer.voucher.loyalty_card.points_added",
    ]
    assert types[-1] == "customer.publication.succeeded"
    assert activity[1].data.data.balance.points == 50
    # the source card's own activity is its own: its points added, not the destination's
    theirs = LoyaltiesApi(sdk).list_member_activity(first.code).data
    assert [a.data.data.voucher.code for a in theirs] == [first.code, first.code]


def test_a_failing_source_leaves_every_card_as_it_was(sdk: voucherify.ApiClient, api: Api) -> None:
    club = program(sdk, "All or nothing")
    target, rich, poor = (join(sdk, club.id, f"aon-{n}") for n in ("to", "rich", "poor"))
    points(sdk, rich.code, 100)
    points(sdk, poor.code, 5)
    before = {
        code: api.call("GET", f"/v1/loyalties/members/{code}/transactions")[1]["data"]
        for code in (target.code, rich.code, poor.code)
    }

    status, error = api.call(
        "POST",
        f"/v1/loyalties/{club.id}/members/{target.code}/transfers",
        [{"code": rich.code, "points": 80}, {"code": poor.code, "points": 6}],
    )
    assert (status, error["key"]) == (400, "loyalty_card_points_exceeded")
    assert [balance(sdk, c) for c in (target.code, rich.code, poor.code)] == [0, 100, 5]
    for code, transactions in before.items():
        assert api.call("GET", f"/v1/loyalties/members/{code}/transactions")[1]["data"] == (
            transactions
        )
    assert [a.type for a in LoyaltiesApi(sdk).list_member_activity(target.code).data] == [
        "customer.publication.succeeded"
    ]

    for body, expected in (
        ([{"code": "NOPE", "points": 1}], 404),
        ([{"code": target.code, "points": 1}], 400),  # to itself
        ([{"code": rich.code, "points": 0}], 400),
        ([{"code": rich.code, "points": 1}, {"code": rich.code, "points": 1}], 400),
        ([], 400),
    ):
        status, error = api.call(
            "POST", f"/v1/loyalties/{club.id}/members/{target.code}/transfers", body
        )
        assert status == expected, (body, error)
    other = program(sdk, "Not the destination's")
    with pytest.raises(ApiException) as refused:
        LoyaltiesApi(sdk).transfer_points(other.id, target.code, [source(rich.code, 1)])
    assert refused.value.status == 404
    assert [balance(sdk, c) for c in (target.code, rich.code)] == [0, 100]
