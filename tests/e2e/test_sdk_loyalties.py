"""Loyalty programs through the official SDK: programs, members (cards), points added and
removed with their transactions, and the points-added event firing a distribution."""

from __future__ import annotations

import json

import voucherify
from voucherify import LoyaltiesApi

from tests.e2e.conftest import Api, Receiver
from tests.e2e.loyalty_builders import join, points, program, tier


def test_a_program_its_members_and_their_points(
    sdk: voucherify.ApiClient, api: Api, receiver: Receiver
) -> None:
    club = program(sdk, "Club")
    assert (club.campaign_type, club.voucher.type) == ("LOYALTY_PROGRAM", "LOYALTY_CARD")
    assert LoyaltiesApi(sdk).get_loyalty_program(club.id).id == club.id
    assert club.id in [p.id for p in LoyaltiesApi(sdk).list_loyalty_programs().campaigns]

    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Points added",
            "trigger": {
                "event": "customer.voucher.loyalty_card.points_added",
                "campaign_id": club.id,
            },
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    "event_name": "points",
                    "url": receiver.url,
                    "payload": '{"to": "{{customer.source_id}}", "added": {{balance.points}}, '
                    '"now": {{balance.balance}}}',
                }
            ],
        },
    )
    assert status == 200, created

    card = join(sdk, club.id, "loyal-ann")
    assert card.code.startswith("LOY-")
    assert card.loyalty_card.points == 0
    assert card.holder_id is not None

    added = points(sdk, card.code, 120, reason="welcome")
    assert (added.points, added.total, added.balance, added.type) == (120, 120, 120, "loyalty_card")
    removed = points(sdk, card.code, -20)
    assert (removed.points, removed.balance) == (-20, 100)
    member = LoyaltiesApi(sdk).get_member(card.code)
    assert (member.loyalty_card.points, member.loyalty_card.balance) == (100, 100)
    log = LoyaltiesApi(sdk).list_loyalty_card_transactions(card.code)
    assert [t.type for t in log.data] == ["POINTS_REMOVAL", "POINTS_ADDITION"]
    members = LoyaltiesApi(sdk).list_members(club.id)
    assert [m.code for m in members.vouchers] == [card.code]

    ((_, body),) = receiver.wait_for(1)  # additions only
    assert json.loads(body)["data"] == {"to": "loyal-ann", "added": 120, "now": 120}


def test_members_belong_to_their_program_and_programs_are_loyalty_campaigns(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    first, second = program(sdk, "First club"), program(sdk, "Second club")
    card = join(sdk, first.id, "loyal-bob")
    status, _ = api.call("GET", f"/v1/loyalties/{second.id}/members/{card.code}")
    assert status == 404
    status, got = api.call("GET", f"/v1/loyalties/{first.id}/members/{card.code}")
    assert (status, got["code"]) == (200, card.code)
    status, campaign = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Not a club",
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 1},
            },
        },
    )
    assert status == 200
    status, _ = api.call("GET", f"/v1/loyalties/{campaign['id']}")
    assert status == 404
    status, error = api.call(
        "POST",
        "/v1/loyalties",
        {
            "name": "Wrong",
            "campaign_type": "DISCOUNT_COUPONS",
            "voucher": {"type": "DISCOUNT_VOUCHER"},
        },
    )
    assert status == 400
    status, error = api.call("POST", f"/v1/loyalties/members/{card.code}/balance", {"points": 0})
    assert (status, error["key"]) == (400, "invalid_add_balance_params")
    status, error = api.call("POST", f"/v1/loyalties/members/{card.code}/balance", {"points": -5})
    assert (status, error["key"]) == (400, "invalid_add_balance_params")


def test_tiers_follow_the_balance_and_announce_the_moves(
    sdk: voucherify.ApiClient, api: Api, receiver: Receiver
) -> None:
    club = program(sdk, "Tiered club")
    silver, gold = LoyaltiesApi(sdk).create_in_bulk_loyalty_tiers(
        club.id, [tier("Silver", 100, 499), tier("Gold", 500, None)]
    )
    assert (silver.object, silver.points.var_from, silver.points.to) == ("loyalty_tier", 100, 499)
    listed = LoyaltiesApi(sdk).list_loyalty_tiers(club.id)
    assert [t.name for t in listed.data] == ["Silver", "Gold"]
    assert LoyaltiesApi(sdk).get_loyalty_tier(club.id, gold.id).name == "Gold"
    status, error = api.call(
        "POST",
        f"/v1/loyalties/{club.id}/tiers",
        [{"name": "Overlap", "points": {"from": 400, "to": 600}}],
    )
    assert status == 400, error

    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Welcome to gold",
            "trigger": {
                "event": "customer.loyalty.tier.upgraded",
                "campaign_id": club.id,
            },
            "conditions": {"loyalty_tier_to.id": gold.id},
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    "event_name": "gold",
                    "url": receiver.url,
                    "payload": '{"to": "{{customer.source_id}}", '
                    '"from": "{{loyalty_tier_from.name}}", "now": "{{loyalty_tier_to.name}}"}',
                }
            ],
        },
    )
    assert status == 200, created
    status, error = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Ghost tier",
            "trigger": {
                "event": "customer.loyalty.tier.joined",
                "campaign_id": club.id,
                "loyalty_tier_id": "ltr_ghost",
            },
            "action": {"type": "PLAIN"},
            "channels": [{"event_name": "x", "url": receiver.url}],
        },
    )
    assert (status, error["resource_id"]) == (404, "ltr_ghost")

    card = join(sdk, club.id, "loyal-cy")
    assert LoyaltiesApi(sdk).list_member_loyalty_tier(card.code).data == []
    points(sdk, card.code, 150)  # joined Silver
    points(sdk, card.code, 400)  # upgraded to Gold
    points(sdk, card.code, -300)  # downgraded to Silver
    points(sdk, card.code, -250)  # left
    _, activity = api.call("GET", f"/v1/customers/{card.holder_id}/activity?limit=20")
    moves = [a["type"] for a in activity["data"] if ".tier." in a["type"]]
    assert moves == [
        "customer.loyalty.tier.left",
        "customer.loyalty.tier.downgraded",
        "customer.loyalty.tier.upgraded",
        "customer.loyalty.tier.joined",
    ]
    ((_, body),) = receiver.wait_for(1)
    assert json.loads(body)["data"] == {"to": "loyal-cy", "from": "Silver", "now": "Gold"}
    points(sdk, card.code, 200)
    (current,) = LoyaltiesApi(sdk).list_member_loyalty_tier(card.code).data
    assert current.id == silver.id


def test_earning_rules_grant_points_on_orders_paid_and_custom_events(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    club = program(sdk, "Earning club")
    (fixed,) = LoyaltiesApi(sdk).create_earning_rule(
        club.id,
        [
            voucherify.LoyaltiesEarningRulesCreateRequestBodyItem(
                event="custom_event",
                custom_event=voucherify.LoyaltiesEarningRulesCreateRequestBodyItemCustomEvent(
                    schema_id="reviewed"
                ),
                loyalty=voucherify.LoyaltiesEarningRulesCreateRequestBodyItemLoyalty(
                    type="FIXED", points=15
                ),
            )
        ],
    )
    assert (fixed.object, fixed.event, fixed.loyalty.points) == ("earning_rule", "custom_event", 15)
    status, (proportional,) = api.call(
        "POST",
        f"/v1/loyalties/{club.id}/earning-rules",
        [
            {
                "event": "order.paid",
                "loyalty": {
                    "type": "PROPORTIONAL",
                    "calculation_type": "ORDER_TOTAL_AMOUNT",
                    "order": {"total_amount": {"every": 1_000, "points": 2}},
                },
            }
        ],
    )
    assert status == 200, proportional
    assert [r.id for r in LoyaltiesApi(sdk).list_earning_rules(club.id).data] == [
        fixed.id,
        proportional["id"],
    ]

    card = join(sdk, club.id, "earner")
    voucherify.EventsApi(sdk).track_custom_event(
        voucherify.EventsCreateRequestBody(event="reviewed", customer={"source_id": "earner"})
    )
    status, _ = api.call(
        "POST",
        "/v1/orders",
        {"customer": {"source_id": "earner"}, "amount": 5_500, "status": "PAID"},
    )
    assert status == 200
    # 15 for the review, 5 x 2 for the 55.00 order
    assert LoyaltiesApi(sdk).get_member(card.code).loyalty_card.balance == 25
    _, activity = api.call("GET", f"/v1/customers/{card.holder_id}/activity?limit=30")
    rewarded = [a for a in activity["data"] if a["type"] == "customer.rewarded.loyalty_points"]
    assert sorted(a["data"]["balance"]["points"] for a in rewarded) == [10, 15]

    # A disabled rule, and a customer without a card, earn nothing.
    LoyaltiesApi(sdk).disable_earning_rule(club.id, fixed.id)
    voucherify.EventsApi(sdk).track_custom_event(
        voucherify.EventsCreateRequestBody(event="reviewed", customer={"source_id": "earner"})
    )
    voucherify.EventsApi(sdk).track_custom_event(
        voucherify.EventsCreateRequestBody(event="reviewed", customer={"source_id": "no-card"})
    )
    assert LoyaltiesApi(sdk).get_member(card.code).loyalty_card.balance == 25
    status, error = api.call(
        "POST",
        f"/v1/loyalties/{club.id}/earning-rules",
        [{"event": "customer.segment.entered", "loyalty": {"type": "FIXED", "points": 1}}],
    )
    assert (status, error["key"]) == (400, "invalid_earning_rule")
    status, _ = api.call("DELETE", f"/v1/loyalties/{club.id}/earning-rules/{fixed.id}")
    assert status == 204


def test_entering_a_segment_earns_points(sdk: voucherify.ApiClient, api: Api) -> None:
    club = program(sdk, "Segment club")
    status, segment = api.call(
        "POST",
        "/v1/segments",
        {
            "name": "Gold earners",
            "type": "auto-update",
            "filter": {"metadata.tier": {"conditions": {"$is": ["gold"]}}},
        },
    )
    assert status == 200, segment
    status, rules = api.call(
        "POST",
        f"/v1/loyalties/{club.id}/earning-rules",
        [
            {
                "event": "customer.segment.entered",
                "segment": {"id": segment["id"]},
                "loyalty": {"type": "FIXED", "points": 50},
            }
        ],
    )
    assert status == 200, rules
    assert rules[0]["segment"] == {"id": segment["id"]}
    card = join(sdk, club.id, "seg-earner")
    status, _ = api.call("PUT", f"/v1/customers/{card.holder_id}", {"metadata": {"tier": "gold"}})
    assert status == 200
    assert LoyaltiesApi(sdk).get_member(card.code).loyalty_card.balance == 50
    # Staying in the segment earns nothing more; leaving and entering again earns again.
    api.call("PUT", f"/v1/customers/{card.holder_id}", {"metadata": {"tier": "gold", "x": 1}})
    assert LoyaltiesApi(sdk).get_member(card.code).loyalty_card.balance == 50
    api.call("PUT", f"/v1/customers/{card.holder_id}", {"metadata": {"tier": "silver"}})
    api.call("PUT", f"/v1/customers/{card.holder_id}", {"metadata": {"tier": "gold"}})
    assert LoyaltiesApi(sdk).get_member(card.code).loyalty_card.balance == 100
    status, error = api.call(
        "POST",
        f"/v1/loyalties/{club.id}/earning-rules",
        [{"event": "customer.segment.entered", "loyalty": {"type": "FIXED", "points": 1}}],
    )
    assert (status, error["key"]) == (400, "invalid_earning_rule")


def test_a_customer_joins_a_program_once(sdk: voucherify.ApiClient, api: Api) -> None:
    club = program(sdk, "Once club")
    card = join(sdk, club.id, "once")
    status, error = api.call(
        "POST", f"/v1/loyalties/{club.id}/members", {"customer": {"source_id": "once"}}
    )
    assert (status, error["key"]) == (409, "duplicate_found")
    assert card.code in error["details"]
    listed = LoyaltiesApi(sdk).list_members(club.id)
    assert [v.code for v in listed.vouchers] == [card.code]
    # Another program is another membership.
    assert join(sdk, program(sdk, "Twice club").id, "once").code != card.code


def test_moving_up_a_tier_can_earn_bonus_points(sdk: voucherify.ApiClient, api: Api) -> None:
    club = program(sdk, "Tier bonus club")
    _, gold = LoyaltiesApi(sdk).create_in_bulk_loyalty_tiers(
        club.id, [tier("Silver", 0, 99), tier("Gold", 100, None)]
    )
    status, rules = api.call(
        "POST",
        f"/v1/loyalties/{club.id}/earning-rules",
        [
            {
                "event": "customer.loyalty.tier.upgraded",
                "loyalty_tier": {"id": gold.id},
                "loyalty": {"type": "FIXED", "points": 50},
            }
        ],
    )
    assert status == 200, rules
    assert rules[0]["loyalty_tier"] == {"id": gold.id}
    card = join(sdk, club.id, "climber")
    points(sdk, card.code, 20)  # joins Silver: no bonus
    points(sdk, card.code, 90)  # up to Gold: 50 more
    assert LoyaltiesApi(sdk).get_member(card.code).loyalty_card.balance == 160
    _, activity = api.call("GET", f"/v1/customers/{card.holder_id}/activity?limit=30")
    (bonus,) = [a for a in activity["data"] if a["type"] == "customer.rewarded.loyalty_points"]
    assert bonus["data"]["loyalty_tier"]["id"] == gold.id
    assert bonus["data"]["balance"]["points"] == 50

    for body, expected in (
        ({"event": "customer.loyalty.tier.joined"}, 400),
        ({"event": "customer.loyalty.tier.joined", "loyalty_tier": {"id": "ltr_nope"}}, 404),
    ):
        status, error = api.call(
            "POST",
            f"/v1/loyalties/{club.id}/earning-rules",
            [{**body, "loyalty": {"type": "FIXED", "points": 1}}],
        )
        assert status == expected, error
    assert len(LoyaltiesApi(sdk).list_earning_rules(club.id).data) == 1


def test_a_program_with_expiring_tiers_shows_how_long_a_tier_lasts(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    rules = {
        "qualification_type": "BALANCE",
        "qualification_period": "QUARTER",
        "start_date": {"type": "IMMEDIATE"},
        "expiration_date": {"type": "END_OF_NEXT_PERIOD"},
    }
    status, club = api.call(
        "POST",
        "/v1/loyalties",
        {
            "name": "Quarterly club",
            "campaign_type": "LOYALTY_PROGRAM",
            "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            "loyalty_tiers_expiration": rules,
        },
    )
    assert status == 200, club
    got = LoyaltiesApi(sdk).get_loyalty_program(club["id"])
    assert got.loyalty_tiers_expiration.expiration_date.type == "END_OF_NEXT_PERIOD"
    _, gold = LoyaltiesApi(sdk).create_in_bulk_loyalty_tiers(
        club["id"], [tier("Silver", 0, 99), tier("Gold", 100, None)]
    )
    card = join(sdk, club["id"], "quarterly")
    points(sdk, card.code, 120)
    points(sdk, card.code, -60)  # below Gold, which it keeps until it expires
    (held,) = LoyaltiesApi(sdk).list_member_loyalty_tier(card.code).data
    assert held.id == gold.id
    assert held.expiration.tier_id == gold.id
    assert held.expiration.expiration_date is not None
    assert held.expiration.expiration_date > held.expiration.start_date

    status, error = api.call(
        "POST",
        "/v1/loyalties",
        {
            "name": "Bad tier rules",
            "campaign_type": "LOYALTY_PROGRAM",
            "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            "loyalty_tiers_expiration": {"expiration_date": {"type": "END_OF_PERIOD"}},
        },
    )
    assert (status, error["key"]) == (400, "invalid_campaign_params")
    assert "qualification_period" in error["details"]
