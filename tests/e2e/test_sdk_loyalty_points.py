"""Pending points and expiring points through the official SDK (the scheduled jobs themselves
are tested with an injected clock in tests/integration/test_loyalty_points.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import voucherify
from voucherify import LoyaltiesApi

from tests.e2e.conftest import Api
from tests.e2e.loyalty_builders import join, program


def pending_rule(api: Api, program_id: str, days: int) -> None:
    status, created = api.call(
        "POST",
        f"/v1/loyalties/{program_id}/earning-rules",
        [
            {
                "event": "order.paid",
                "loyalty": {"type": "FIXED", "points": 30},
                "pending_points": {"period_type": "DAY", "period_value": days},
            }
        ],
    )
    assert status == 200, created
    assert created[0]["pending_points"] == {"period_type": "DAY", "period_value": days}


def pay(api: Api, who: str, source_id: str) -> None:
    status, order = api.call(
        "POST",
        "/v1/orders",
        {"source_id": source_id, "customer": {"source_id": who}, "amount": 1_000, "status": "PAID"},
    )
    assert status == 200, order


def test_pending_points_are_listed_adjusted_activated_and_canceled(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    club = program(sdk, "Pending club")
    pending_rule(api, club.id, 14)
    card = join(sdk, club.id, "patient")
    pay(api, "patient", "pending-1")
    pay(api, "patient", "pending-2")

    loyalties = LoyaltiesApi(sdk)
    listed = loyalties.list_member_pending_points(card.code)
    assert [p.points for p in listed.data] == [30, 30]
    first, second = listed.data
    assert first.activates_at == datetime.now(UTC).date() + timedelta(days=14)
    assert first.order_id is not None
    assert [p.id for p in loyalties.list_member_pending_points1(club.id, card.code).data] == [
        first.id,
        second.id,
    ]
    assert len(loyalties.list_campaign_pending_points(club.id, limit=1).data) == 1
    member = loyalties.get_member(card.code).loyalty_card
    assert (member.balance, member.pending_points) == (0, 60)

    adjusted = loyalties.adjust_member_pending_points(
        card.code,
        first.id,
        voucherify.LoyaltiesMembersPendingPointsBalanceRequestBody(points=5),
    )
    assert (adjusted.points, adjusted.total, adjusted.object) == (5, 65, "balance")

    activated = loyalties.activate_member_pending_points(card.code, first.id)
    assert (activated.points, activated.balance, activated.type) == (35, 35, "loyalty_card")
    log = loyalties.list_loyalty_card_transactions(card.code)
    assert log.data[0].type == "PENDING_POINTS_ACTIVATION"

    loyalties.cancel_member_pending_points(card.code, second.id)
    assert loyalties.list_member_pending_points(card.code).data == []
    member = loyalties.get_member(card.code).loyalty_card
    assert (member.balance, member.pending_points) == (35, 0)

    _, activity = api.call("GET", f"/v1/customers/{card.holder_id}/activity?limit=50")
    kinds = {a["type"] for a in activity["data"]}
    assert {
        "customer.voucher.loyalty_card.pending_points.added",
        "customer.voucher.loyalty_card.pending_points.updated",
        "customer.voucher.loyalty_card.pending_points.activated",
        "customer.voucher.loyalty_card.pending_points.canceled",
    } <= kinds


def test_bad_pending_point_moves_change_nothing(sdk: voucherify.ApiClient, api: Api) -> None:
    club = program(sdk, "Careful club")
    pending_rule(api, club.id, 3)
    card = join(sdk, club.id, "careful")
    pay(api, "careful", "careful-1")
    (held,) = LoyaltiesApi(sdk).list_member_pending_points(card.code).data
    base = f"/v1/loyalties/members/{card.code}/pending-points"

    status, error = api.call("POST", f"{base}/{held.id}/balance", {"points": -30})
    assert (status, error["key"]) == (400, "invalid_payload")
    status, error = api.call("POST", f"{base}/{held.id}/balance", {"points": 0})
    assert status == 400
    status, error = api.call("POST", f"{base}/lopp_nope/activate")
    assert (status, error["key"]) == (404, "not_found")
    other = join(sdk, club.id, "someone-else")
    status, _ = api.call(
        "POST", f"/v1/loyalties/members/{other.code}/pending-points/{held.id}/cancel"
    )
    assert status == 404
    (still,) = LoyaltiesApi(sdk).list_member_pending_points(card.code).data
    assert still.points == 30


def test_points_added_with_an_expiration_date_are_kept_in_a_bucket(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    club = program(sdk, "Expiring club")
    card = join(sdk, club.id, "expiring")
    last_day = datetime.now(UTC).date() + timedelta(days=20)
    LoyaltiesApi(sdk).update_loyalty_card_balance(
        card.code,
        voucherify.LoyaltiesMembersBalanceUpdateRequestBody(
            points=40,
            expiration_type="CUSTOM_DATE",
            expiration_date=datetime.combine(last_day, datetime.min.time(), UTC),
        ),
    )
    LoyaltiesApi(sdk).update_loyalty_card_balance(
        card.code, voucherify.LoyaltiesMembersBalanceUpdateRequestBody(points=-15)
    )
    member = LoyaltiesApi(sdk).get_member(card.code).loyalty_card
    assert member.balance == 25
    assert (member.next_expiration_date, member.next_expiration_points) == (last_day, 25)
    buckets = LoyaltiesApi(sdk).list_points_expiration(club.id, card.code)
    assert [(b.object, b.status, b.bucket.total_points) for b in buckets.data] == [
        ("loyalty_points_bucket", "ACTIVE", 25)
    ]
    assert buckets.data[0].expires_at == last_day

    status, error = api.call(
        "POST",
        f"/v1/loyalties/members/{card.code}/balance",
        {"points": 5, "expiration_type": "CUSTOM_DATE", "expiration_date": "2001-01-01"},
    )
    assert (status, error["key"]) == (400, "invalid_payload")
    status, _ = api.call(
        "POST",
        f"/v1/loyalties/members/{card.code}/balance",
        {"points": 5, "expiration_type": "SOMETIME"},
    )
    assert status == 400
    assert LoyaltiesApi(sdk).get_member(card.code).loyalty_card.balance == 25


def test_a_program_with_expiration_rules_dates_every_addition(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    status, club = api.call(
        "POST",
        "/v1/loyalties",
        {
            "name": "Yearly club",
            "campaign_type": "LOYALTY_PROGRAM",
            "type": "AUTO_UPDATE",
            "voucher": {
                "type": "LOYALTY_CARD",
                "loyalty_card": {
                    "points": 0,
                    "expiration_rules": {
                        "period_type": "MONTH",
                        "period_value": 12,
                        "rounding_type": "END_OF_YEAR",
                    },
                },
            },
        },
    )
    assert status == 200, club
    card = join(sdk, club["id"], "yearly")
    LoyaltiesApi(sdk).update_loyalty_card_balance(
        card.code, voucherify.LoyaltiesMembersBalanceUpdateRequestBody(points=10)
    )
    member = LoyaltiesApi(sdk).get_member(card.code).loyalty_card
    assert member.next_expiration_date == date(datetime.now(UTC).year + 1, 12, 31)
    status, error = api.call(
        "POST",
        "/v1/loyalties",
        {
            "name": "Bad rules",
            "campaign_type": "LOYALTY_PROGRAM",
            "voucher": {
                "type": "LOYALTY_CARD",
                "loyalty_card": {"points": 0, "expiration_rules": {"period_type": "WEEK"}},
            },
        },
    )
    assert status == 400, error
