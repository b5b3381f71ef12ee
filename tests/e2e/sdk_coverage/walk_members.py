"""Checks of LoyaltiesApi, part two: members (cards), their points, pending points, rewards,
activity and transactions, and the loyalty exports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import voucherify
from voucherify import LoyaltiesApi

from tests.e2e.sdk_coverage.table import check
from tests.e2e.sdk_coverage.walk_campaigns import exported_lines
from tests.e2e.sdk_coverage.world import (
    SEED_POINTS,
    World,
    customer,
    join,
    loyalty_program,
    model,
    offer,
    ok,
)


def loyalties(w: World) -> LoyaltiesApi:
    return LoyaltiesApi(w.sdk)


def balance(w: World, code: str) -> int:
    return int(ok(w.api, "GET", f"/v1/loyalties/members/{code}")["loyalty_card"]["balance"])


@check("LoyaltiesApi.add_member")
def add_member(w: World) -> None:
    club = loyalty_program(w.api, "Walk members")
    added = loyalties(w).add_member(
        club["id"],
        voucherify.LoyaltiesMembersCreateRequestBody(
            customer=voucherify.Customer(source_id="cov-bob")
        ),
    )
    assert added.code.startswith("LOY-")
    assert (added.campaign_id, added.holder_id, added.loyalty_card.points) == (
        club["id"],
        w.bob["id"],
        0,
    )


@check("LoyaltiesApi.get_member")
def get_member(w: World) -> None:
    got = loyalties(w).get_member(w.card)
    assert (got.code, got.campaign_id, got.holder_id) == (w.card, w.club["id"], w.ann["id"])
    assert got.loyalty_card.points == SEED_POINTS


@check("LoyaltiesApi.get_member1")
def get_member1(w: World) -> None:
    got = loyalties(w).get_member1(w.club["id"], w.card)
    assert (got.code, got.holder_id, got.loyalty_card.points) == (w.card, w.ann["id"], SEED_POINTS)


@check("LoyaltiesApi.list_members")
def list_members(w: World) -> None:
    club = loyalty_program(w.api, "Walk member list")
    join(w.api, club["id"], "cov-ann")
    bobs = join(w.api, club["id"], "cov-bob")
    everyone = loyalties(w).list_members(club["id"])
    assert (everyone.total, len(everyone.vouchers)) == (2, 2)
    only_bob = loyalties(w).list_members(club["id"], customer=w.bob["id"])
    assert [m.code for m in only_bob.vouchers] == [bobs]
    by_source_id = loyalties(w).list_members(club["id"], customer="cov-bob")
    assert (by_source_id.total, [m.code for m in by_source_id.vouchers]) == (1, [bobs])
    assert loyalties(w).list_members(club["id"], customer="cov-nobody").vouchers == []


def points_card(w: World, name: str, points: int) -> tuple[str, str]:
    """A new program and a new customer's card in it holding ``points``."""
    club = loyalty_program(w.api, name)
    return str(club["id"]), join(w.api, club["id"], customer(w.api, name)["source_id"], points)


@check("LoyaltiesApi.update_loyalty_card_balance")
def update_loyalty_card_balance(w: World) -> None:
    _, card = points_card(w, "walk-balance", 100)
    removed = loyalties(w).update_loyalty_card_balance(
        card, voucherify.LoyaltiesMembersBalanceUpdateRequestBody(points=-30, reason="walk")
    )
    assert (removed.points, removed.total, removed.balance, removed.type) == (
        -30,
        70,
        70,
        "loyalty_card",
    )
    assert balance(w, card) == 70


@check("LoyaltiesApi.update_loyalty_card_balance1")
def update_loyalty_card_balance1(w: World) -> None:
    club_id, card = points_card(w, "walk-balance1", 100)
    added = loyalties(w).update_loyalty_card_balance1(
        club_id, card, voucherify.LoyaltiesMembersBalanceUpdateRequestBody(points=25)
    )
    assert (added.points, added.balance) == (25, 125)
    assert balance(w, card) == 125


@check("LoyaltiesApi.transfer_points")
def transfer_points(w: World) -> None:
    club_id, source = points_card(w, "walk-transfer-from", 100)
    destination = join(w.api, club_id, "cov-bob", 10)
    moved = loyalties(w).transfer_points(
        club_id,
        destination,
        [voucherify.LoyaltiesTransferPoints(code=source, points=40, reason="gift")],
    )
    assert (moved.code, moved.campaign_id, moved.loyalty_card.balance) == (destination, club_id, 50)
    assert balance(w, source) == 60
    (given,) = loyalties(w).list_loyalty_card_transactions(source, limit=1).data
    (received,) = loyalties(w).list_loyalty_card_transactions(destination, limit=1).data
    assert (given.type, given.reason, given.details.destination_voucher.code) == (
        "POINTS_TRANSFER_OUT",
        "gift",
        destination,
    )
    assert (received.type, received.related_transaction_id) == ("POINTS_TRANSFER_IN", given.id)
    assert received.details.source_voucher.code == source


@check("LoyaltiesApi.list_loyalty_card_transactions")
def list_loyalty_card_transactions(w: World) -> None:
    (seed,) = loyalties(w).list_loyalty_card_transactions(w.card).data
    assert (seed.type, seed.campaign_id) == ("POINTS_ADDITION", w.club["id"])
    assert (seed.details.balance.points, seed.details.balance.balance) == (SEED_POINTS, SEED_POINTS)


@check("LoyaltiesApi.list_loyalty_card_transactions1")
def list_loyalty_card_transactions1(w: World) -> None:
    (seed,) = loyalties(w).list_loyalty_card_transactions1(w.club["id"], w.card).data
    assert seed.type == "POINTS_ADDITION"
    assert (seed.details.balance.points, seed.details.balance.balance) == (SEED_POINTS, SEED_POINTS)


@check("LoyaltiesApi.list_loyalty_campaign_transactions")
def list_loyalty_campaign_transactions(w: World) -> None:
    (seed,) = loyalties(w).list_loyalty_campaign_transactions(w.club["id"]).data
    assert (seed.type, seed.campaign_id, seed.reason) == ("POINTS_ADDITION", w.club["id"], None)
    assert (seed.details.balance.points, seed.details.balance.balance) == (SEED_POINTS, SEED_POINTS)


def seed_activity(entries: list[voucherify.MemberActivity], w: World) -> None:
    """The seed's points_added entry is the card's, with the points it added."""
    (added,) = [a for a in entries if a.type == "customer.voucher.loyalty_card.points_added"]
    assert added.data.data.balance is not None
    assert added.data.data.customer.id == w.ann["id"]
    assert added.data.data.balance.points == SEED_POINTS
    assert added.data.event_source.channel == "API"


@check("LoyaltiesApi.list_member_activity")
def list_member_activity(w: World) -> None:
    listed = loyalties(w).list_member_activity(w.card, limit=100)
    assert (listed.object, listed.has_more) == ("list", False)
    seed_activity(listed.data, w)


@check("LoyaltiesApi.list_member_activity1")
def list_member_activity1(w: World) -> None:
    listed = loyalties(w).list_member_activity1(w.club["id"], w.card, order="created_at")
    seed_activity(listed.data, w)


@check("LoyaltiesApi.list_member_rewards")
def list_member_rewards(w: World) -> None:
    (offered,) = loyalties(w).list_member_rewards(w.card, affordable_only=True).data
    assert (offered.reward.id, offered.assignment.id) == (w.mug["id"], w.offer_id)


def reward_card(w: World, name: str) -> tuple[str, str, str]:
    """A program offering a mug for 40 points, and a card of 100 points in it."""
    club_id, card = points_card(w, name, 100)
    reward = ok(
        w.api,
        "POST",
        "/v1/rewards",
        {"name": f"{name} mug", "parameters": {"product": {"id": "prod_mug"}}},
    )
    return club_id, card, str(offer(w.api, club_id, reward["id"], 40)["id"])


def reward_body(assignment_id: str) -> voucherify.LoyaltiesMembersRedemptionRedeemRequestBody:
    return model(
        voucherify.LoyaltiesMembersRedemptionRedeemRequestBody, {"reward": {"id": assignment_id}}
    )


@check("LoyaltiesApi.redeem_reward")
def redeem_reward(w: World) -> None:
    _, card, assignment_id = reward_card(w, "walk-redeem-reward")
    redeemed = loyalties(w).redeem_reward(card, reward_body(assignment_id))
    assert (redeemed.result, redeemed.reward.assignment_id) == ("SUCCESS", assignment_id)
    assert balance(w, card) == 60


@check("LoyaltiesApi.redeem_reward1")
def redeem_reward1(w: World) -> None:
    club_id, card, assignment_id = reward_card(w, "walk-redeem-reward1")
    redeemed = loyalties(w).redeem_reward1(club_id, card, reward_body(assignment_id))
    assert (redeemed.result, redeemed.reward.assignment_id) == ("SUCCESS", assignment_id)
    assert balance(w, card) == 60


@check("LoyaltiesApi.list_points_expiration")
def list_points_expiration(w: World) -> None:
    club_id, card = points_card(w, "walk-expiring", 0)
    last_day = datetime.now(UTC).date() + timedelta(days=30)
    ok(
        w.api,
        "POST",
        f"/v1/loyalties/members/{card}/balance",
        {"points": 40, "expiration_type": "CUSTOM_DATE", "expiration_date": last_day.isoformat()},
    )
    (bucket,) = loyalties(w).list_points_expiration(club_id, card).data
    assert (bucket.status, bucket.bucket.total_points, bucket.expires_at) == (
        "ACTIVE",
        40,
        last_day,
    )


# --- pending points ----------------------------------------------------------------------


def pending(w: World, name: str) -> tuple[str, str, str]:
    """A program whose paid orders earn 30 points pending for 14 days, a card with one such
    pending entry: (program, card, pending points) ids."""
    club_id, card = points_card(w, name, 0)
    ok(
        w.api,
        "POST",
        f"/v1/loyalties/{club_id}/earning-rules",
        [
            {
                "event": "order.paid",
                "loyalty": {"type": "FIXED", "points": 30},
                "pending_points": {"period_type": "DAY", "period_value": 14},
            }
        ],
    )
    ok(
        w.api,
        "POST",
        "/v1/orders",
        {"customer": {"source_id": name}, "amount": 1000, "status": "PAID"},
    )
    listed = ok(w.api, "GET", f"/v1/loyalties/members/{card}/pending-points")
    return club_id, card, str(listed["data"][0]["id"])


@check("LoyaltiesApi.list_member_pending_points")
def list_member_pending_points(w: World) -> None:
    _, card, pending_id = pending(w, "walk-pending-list")
    (entry,) = loyalties(w).list_member_pending_points(card).data
    assert (entry.id, entry.points) == (pending_id, 30)
    assert entry.activates_at == datetime.now(UTC).date() + timedelta(days=14)


@check("LoyaltiesApi.list_member_pending_points1")
def list_member_pending_points1(w: World) -> None:
    club_id, card, pending_id = pending(w, "walk-pending-list1")
    listed = loyalties(w).list_member_pending_points1(club_id, card).data
    assert [(p.id, p.points) for p in listed] == [(pending_id, 30)]


@check("LoyaltiesApi.list_campaign_pending_points")
def list_campaign_pending_points(w: World) -> None:
    club_id, _, pending_id = pending(w, "walk-pending-campaign")
    listed = loyalties(w).list_campaign_pending_points(club_id).data
    assert [(p.id, p.points) for p in listed] == [(pending_id, 30)]


@check("LoyaltiesApi.adjust_member_pending_points")
def adjust_member_pending_points(w: World) -> None:
    _, card, pending_id = pending(w, "walk-pending-adjust")
    adjusted = loyalties(w).adjust_member_pending_points(
        card, pending_id, voucherify.LoyaltiesMembersPendingPointsBalanceRequestBody(points=5)
    )
    assert (adjusted.points, adjusted.total) == (5, 35)


@check("LoyaltiesApi.activate_member_pending_points")
def activate_member_pending_points(w: World) -> None:
    _, card, pending_id = pending(w, "walk-pending-activate")
    activated = loyalties(w).activate_member_pending_points(card, pending_id)
    assert (activated.points, activated.balance) == (30, 30)
    assert balance(w, card) == 30


@check("LoyaltiesApi.cancel_member_pending_points")
def cancel_member_pending_points(w: World) -> None:
    _, card, pending_id = pending(w, "walk-pending-cancel")
    loyalties(w).cancel_member_pending_points(card, pending_id)
    assert loyalties(w).list_member_pending_points(card).data == []
    assert balance(w, card) == 0


# --- exports -----------------------------------------------------------------------------


def export_parameters(*fields: str) -> voucherify.LoyaltiesTransactionsExportCreateRequestBody:
    return model(
        voucherify.LoyaltiesTransactionsExportCreateRequestBody,
        {"parameters": {"fields": list(fields)}},
    )


@check("LoyaltiesApi.export_loyalty_campaign_transactions")
def export_loyalty_campaign_transactions(w: World) -> None:
    export = loyalties(w).export_loyalty_campaign_transactions(
        w.club["id"], export_parameters("id", "type")
    )
    assert (export.object, export.exported_object) == ("export", "voucher_transactions")
    header, *rows = exported_lines(w, export.id)
    assert header == "id,type"
    assert any(row.endswith(",POINTS_ADDITION") for row in rows)  # the card's seed points


@check("LoyaltiesApi.export_loyalty_card_transactions")
def export_loyalty_card_transactions(w: World) -> None:
    export = loyalties(w).export_loyalty_card_transactions(
        w.card,
        model(
            voucherify.LoyaltiesMembersTransactionsExportCreateRequestBody,
            {"parameters": {"fields": ["id", "type"]}},
        ),
    )
    assert (export.object, export.exported_object) == ("export", "voucher_transactions")
    header, *rows = exported_lines(w, export.id)
    assert header == "id,type"
    assert any(row.endswith(",POINTS_ADDITION") for row in rows)  # the card's seed points


@check("LoyaltiesApi.export_loyalty_card_transactions1")
def export_loyalty_card_transactions1(w: World) -> None:
    export = loyalties(w).export_loyalty_card_transactions1(
        w.club["id"],
        w.card,
        model(
            voucherify.LoyaltiesMembersTransactionsExportCreateRequestBody,
            {"parameters": {"fields": ["id", "type"]}},
        ),
    )
    assert (export.object, export.exported_object) == ("export", "voucher_transactions")
    header, *rows = exported_lines(w, export.id)
    assert header == "id,type"
    assert any(row.endswith(",POINTS_ADDITION") for row in rows)  # the card's seed points


@check("LoyaltiesApi.create_points_expiration_export")
def create_points_expiration_export(w: World) -> None:
    export = loyalties(w).create_points_expiration_export(
        w.club["id"],
        model(
            voucherify.LoyaltiesPointsExpirationExportCreateRequestBody,
            {"parameters": {"fields": ["id", "points"]}},
        ),
    )
    assert (export.object, export.exported_object) == ("export", "points_expiration")
    assert exported_lines(w, export.id)[0] == "id,points"
