"""Checks of LoyaltiesApi, part one: programs, tiers, earning rules and the rewards a program
offers (members, points and transactions are in ``walk_members``)."""

from __future__ import annotations

from typing import Any

import voucherify
from voucherify import LoyaltiesApi

from tests.e2e.sdk_coverage.table import check
from tests.e2e.sdk_coverage.world import (
    World,
    loyalty_program,
    material,
    model,
    new_offer,
    ok,
    wait_action,
)


def loyalties(w: World) -> LoyaltiesApi:
    return LoyaltiesApi(w.sdk)


@check("LoyaltiesApi.create_loyalty_program")
def create_loyalty_program(w: World) -> None:
    created = loyalties(w).create_loyalty_program(
        model(
            voucherify.LoyaltiesCreateCampaignRequestBody,
            {
                "name": "Walk club",
                "campaign_type": "LOYALTY_PROGRAM",
                "type": "AUTO_UPDATE",
                "voucher": {
                    "type": "LOYALTY_CARD",
                    "loyalty_card": {"points": 50},
                    "code_config": {"length": 6, "prefix": "WLK-"},
                },
            },
        )
    )
    assert created.id.startswith("camp_")
    assert (created.name, created.campaign_type, created.voucher.type) == (
        "Walk club",
        "LOYALTY_PROGRAM",
        "LOYALTY_CARD",
    )
    assert (created.voucher.loyalty_card.points, created.voucher.code_config.prefix) == (50, "WLK-")


@check("LoyaltiesApi.get_loyalty_program")
def get_loyalty_program(w: World) -> None:
    got = loyalties(w).get_loyalty_program(w.club["id"])
    assert (got.id, got.name, got.campaign_type) == (w.club["id"], "Cover club", "LOYALTY_PROGRAM")


@check("LoyaltiesApi.list_loyalty_programs")
def list_loyalty_programs(w: World) -> None:
    listing = loyalties(w).list_loyalty_programs(limit=100)
    assert w.club["id"] in [p.id for p in listing.campaigns]
    assert {p.campaign_type for p in listing.campaigns} == {"LOYALTY_PROGRAM"}


@check("LoyaltiesApi.update_loyalty_program")
def update_loyalty_program(w: World) -> None:
    club = loyalty_program(w.api, "Walk club update")
    updated = loyalties(w).update_loyalty_program(
        club["id"], voucherify.LoyaltiesUpdateCampaignRequestBody(description="Changed")
    )
    assert (updated.id, updated.description) == (club["id"], "Changed")


@check("LoyaltiesApi.delete_loyalty_program")
def delete_loyalty_program(w: World) -> None:
    club = loyalty_program(w.api, "Walk club delete")
    deleted = loyalties(w).delete_loyalty_program(club["id"])
    wait_action(w.api, deleted.async_action_id)
    status, _ = w.api.call("GET", f"/v1/loyalties/{club['id']}")
    assert status == 404


# --- tiers -------------------------------------------------------------------------------


@check("LoyaltiesApi.create_in_bulk_loyalty_tiers")
def create_in_bulk_loyalty_tiers(w: World) -> None:
    club = loyalty_program(w.api, "Walk tiers")
    bronze, gold = loyalties(w).create_in_bulk_loyalty_tiers(
        club["id"],
        [
            model(voucherify.LoyaltiesTiersCreateInBulkRequestBodyItem, tier)
            for tier in (
                {"name": "Bronze", "points": {"from": 0, "to": 99}},
                {"name": "Gold", "points": {"from": 100}},
            )
        ],
    )
    assert (bronze.name, bronze.points.var_from, bronze.points.to) == ("Bronze", 0, 99)
    assert (gold.name, gold.points.var_from, gold.campaign_id) == ("Gold", 100, club["id"])


@check("LoyaltiesApi.get_loyalty_tier")
def get_loyalty_tier(w: World) -> None:
    got = loyalties(w).get_loyalty_tier(w.club["id"], w.silver_id)
    assert (got.id, got.name, got.points.var_from, got.points.to) == (
        w.silver_id,
        "Cover silver",
        0,
        1000,
    )


@check("LoyaltiesApi.list_loyalty_tiers")
def list_loyalty_tiers(w: World) -> None:
    listing = loyalties(w).list_loyalty_tiers(w.club["id"])
    assert [(t.id, t.name) for t in listing.data] == [(w.silver_id, "Cover silver")]


@check("LoyaltiesApi.list_member_loyalty_tier")
def list_member_loyalty_tier(w: World) -> None:
    listing = loyalties(w).list_member_loyalty_tier(w.card)
    assert [t.id for t in listing.data] == [w.silver_id]


@check("LoyaltiesApi.list_loyalty_tier_earning_rules")
def list_loyalty_tier_earning_rules(w: World) -> None:
    listing = loyalties(w).list_loyalty_tier_earning_rules(w.club["id"], w.silver_id)
    assert [r.id for r in listing.data] == [w.rule_id]


@check("LoyaltiesApi.list_loyalty_tier_rewards")
def list_loyalty_tier_rewards(w: World) -> None:
    (offered,) = loyalties(w).list_loyalty_tier_rewards(w.club["id"], w.silver_id).data
    assert (offered.reward.id, offered.assignment.id) == (w.mug["id"], w.offer_id)


# --- earning rules -----------------------------------------------------------------------


def liked_rule(points: int, banner: str) -> dict[str, Any]:
    return {
        "event": "custom_event",
        "custom_event": {"schema_id": "walk_liked"},
        "loyalty": {"type": "FIXED", "points": points},
        "source": {"banner": banner},
    }


def new_rule(w: World, name: str) -> tuple[str, str]:
    club = loyalty_program(w.api, name)
    (rule,) = ok(w.api, "POST", f"/v1/loyalties/{club['id']}/earning-rules", [liked_rule(3, name)])
    return str(club["id"]), str(rule["id"])


@check("LoyaltiesApi.create_earning_rule")
def create_earning_rule(w: World) -> None:
    club = loyalty_program(w.api, "Walk rules")
    (rule,) = loyalties(w).create_earning_rule(
        club["id"],
        [model(voucherify.LoyaltiesEarningRulesCreateRequestBodyItem, liked_rule(8, "Like: 8"))],
    )
    assert rule.id.startswith("ern_")
    assert (rule.event, rule.custom_event.schema_id, rule.loyalty.points) == (
        "custom_event",
        "walk_liked",
        8,
    )
    assert (rule.source.object_id, rule.source.banner) == (club["id"], "Like: 8")


@check("LoyaltiesApi.get_earning_rule")
def get_earning_rule(w: World) -> None:
    got = loyalties(w).get_earning_rule(w.club["id"], w.rule_id)
    assert (got.id, got.loyalty.points, got.active) == (w.rule_id, 5, True)
    assert got.source.banner == "Like us: 5 points"


@check("LoyaltiesApi.list_earning_rules")
def list_earning_rules(w: World) -> None:
    (rule,) = loyalties(w).list_earning_rules(w.club["id"]).data
    assert (rule.id, rule.custom_event.schema_id) == (w.rule_id, "cov_liked")
    assert rule.source.banner == "Like us: 5 points"


@check("LoyaltiesApi.update_earning_rule")
def update_earning_rule(w: World) -> None:
    club_id, rule_id = new_rule(w, "Walk rule update")
    updated = loyalties(w).update_earning_rule(
        club_id,
        rule_id,
        model(
            voucherify.LoyaltiesEarningRulesUpdateRequestBody,
            {"loyalty": {"type": "FIXED", "points": 9}},
        ),
    )
    assert (updated.id, updated.loyalty.points) == (rule_id, 9)


@check("LoyaltiesApi.disable_earning_rule")
def disable_earning_rule(w: World) -> None:
    club_id, rule_id = new_rule(w, "Walk rule disable")
    assert loyalties(w).disable_earning_rule(club_id, rule_id).active is False
    assert loyalties(w).get_earning_rule(club_id, rule_id).active is False


@check("LoyaltiesApi.enable_earning_rule")
def enable_earning_rule(w: World) -> None:
    club_id, rule_id = new_rule(w, "Walk rule enable")
    ok(w.api, "POST", f"/v1/loyalties/{club_id}/earning-rules/{rule_id}/disable")
    assert loyalties(w).enable_earning_rule(club_id, rule_id).active is True


@check("LoyaltiesApi.delete_earning_rule")
def delete_earning_rule(w: World) -> None:
    club_id, rule_id = new_rule(w, "Walk rule delete")
    loyalties(w).delete_earning_rule(club_id, rule_id)
    assert loyalties(w).list_earning_rules(club_id).data == []


# --- the rewards a program offers ----------------------------------------------------------


@check("LoyaltiesApi.create_reward_assignment1")
def create_reward_assignment1(w: World) -> None:
    club = loyalty_program(w.api, "Walk offers")
    reward = material(w.api, "Walk cap")
    created = loyalties(w).create_reward_assignment1(
        club["id"],
        [
            model(
                voucherify.LoyaltiesRewardsCreateAssignmentItemRequestBody,
                {"reward": reward["id"], "parameters": {"loyalty": {"points": 75}}},
            )
        ],
    )
    assert (created.reward_id, created.related_object_id) == (reward["id"], club["id"])
    assert created.parameters.loyalty.points == 75


@check("LoyaltiesApi.get_reward_assignment1")
def get_reward_assignment1(w: World) -> None:
    got = loyalties(w).get_reward_assignment1(w.club["id"], w.offer_id)
    assert (got.id, got.reward_id, got.parameters.loyalty.points) == (w.offer_id, w.mug["id"], 100)


@check("LoyaltiesApi.get_reward_assignment2")
def get_reward_assignment2(w: World) -> None:
    got = loyalties(w).get_reward_assignment2(w.club["id"], w.offer_id)
    assert (got.id, got.reward_id, got.parameters.loyalty.points) == (w.offer_id, w.mug["id"], 100)


@check("LoyaltiesApi.get_reward_details")
def get_reward_details(w: World) -> None:
    got = loyalties(w).get_reward_details(w.club["id"], w.offer_id)
    assert (got.id, got.name, got.type) == (w.mug["id"], "Cover mug", "MATERIAL")


@check("LoyaltiesApi.list_reward_assignments1")
def list_reward_assignments1(w: World) -> None:
    listing = loyalties(w).list_reward_assignments1(w.club["id"])
    assert [(a.id, a.reward_id) for a in listing.data] == [(w.offer_id, w.mug["id"])]


@check("LoyaltiesApi.list_reward_assignments2")
def list_reward_assignments2(w: World) -> None:
    listing = loyalties(w).list_reward_assignments2(w.club["id"])
    assert [(a.id, a.reward_id) for a in listing.data] == [(w.offer_id, w.mug["id"])]


@check("LoyaltiesApi.update_reward_assignment1")
def update_reward_assignment1(w: World) -> None:
    club_id, _, assignment_id = new_offer(w.api, "Walk offer update")
    updated = loyalties(w).update_reward_assignment1(
        club_id,
        assignment_id,
        model(
            voucherify.LoyaltiesRewardsUpdateAssignmentRequestBody,
            {"parameters": {"loyalty": {"points": 55}}},
        ),
    )
    assert (updated.id, updated.parameters.loyalty.points) == (assignment_id, 55)


@check("LoyaltiesApi.delete_reward_assignment1")
def delete_reward_assignment1(w: World) -> None:
    club_id, _, assignment_id = new_offer(w.api, "Walk offer delete")
    loyalties(w).delete_reward_assignment1(club_id, assignment_id)
    assert loyalties(w).list_reward_assignments1(club_id).data == []
