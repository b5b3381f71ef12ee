"""Objects a request names by id inside its body are looked up in the caller's project: another
project's id is as unknown as a made-up one (404), whatever the route it appears in.

The cross-project matrix (test_cross_project_matrix.py) walks every route with another
project's ids in the path; this file covers ids inside bodies sent to the caller's own
objects (its program, its reward), where only the body points across the fence.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import voucherify
from voucherify import LoyaltiesApi

from tests.e2e.conftest import Api, Receiver
from tests.e2e.everything import loyalty_program, made, material_reward, populate
from tests.e2e.loyalty_builders import program
from tests.e2e.sdk_builders import customer

FIXED = {"type": "FIXED", "points": 5}
GOLD = {"junction": "and", "metadata.tier": {"conditions": {"$is": ["gold"]}}}


def segment(api: Api, kind: str, name: str) -> str:
    body: dict[str, Any] = {"name": name, "type": kind}
    if kind == "static":
        body["customers"] = [customer(api, f"{name}-member")["id"]]
    else:
        body["filter"] = GOLD
    return str(made(api, "POST", "/v1/segments", body)["id"])


def segment_rule(segment_id: str) -> voucherify.LoyaltiesEarningRulesCreateRequestBodyItem:
    return voucherify.LoyaltiesEarningRulesCreateRequestBodyItem(
        event="customer.segment.entered",
        segment=voucherify.LoyaltiesEarningRulesCreateRequestBodyItemSegment(id=segment_id),
        loyalty=voucherify.LoyaltiesEarningRulesCreateRequestBodyItemLoyalty(
            type="FIXED", points=5
        ),
    )


def refused(call: Callable[[], object]) -> tuple[int, dict[str, Any]]:
    """The SDK's error for a refused call: its HTTP status and Voucherify error body."""
    with pytest.raises(voucherify.ApiException) as caught:
        call()
    return int(caught.value.status), dict(json.loads(caught.value.body))


def test_an_earning_rule_names_an_auto_update_segment_of_its_own_project(
    sdk: voucherify.ApiClient, api: Api, other_api: Api
) -> None:
    club = program(sdk, "Segment fence club")
    loyalties = LoyaltiesApi(sdk)
    theirs = segment(other_api, "auto-update", "their-gold")
    for foreign in (theirs, "seg_nowhere"):
        status, error = refused(
            lambda s=foreign: loyalties.create_earning_rule(club.id, [segment_rule(s)])
        )
        assert (status, error["key"], error["resource_type"]) == (404, "not_found", "segment")
        assert error["resource_id"] == foreign
    for kind in ("static", "passive"):
        mine = segment(api, kind, f"my-{kind}")
        status, error = refused(
            lambda s=mine: loyalties.create_earning_rule(club.id, [segment_rule(s)])
        )
        assert (status, error["key"]) == (400, "invalid_earning_rule"), error
        assert kind in error["details"]
    assert loyalties.list_earning_rules(club.id).data == []

    mine = segment(api, "auto-update", "my-gold")
    (rule,) = loyalties.create_earning_rule(club.id, [segment_rule(mine)])
    assert rule.segment.id == mine
    path = f"/v1/loyalties/{club.id}/earning-rules/{rule.id}"
    status, error = api.call("PUT", path, {"segment": {"id": theirs}})
    assert (status, error["resource_type"]) == (404, "segment"), error
    status, error = api.call("PUT", path, {"segment": {"id": segment(api, "static", "my-list")}})
    assert (status, error["key"]) == (400, "invalid_earning_rule"), error
    assert loyalties.get_earning_rule(club.id, rule.id).segment.id == mine


def test_bodies_sent_to_ones_own_objects_find_nothing_of_another_project(
    api: Api, other_api: Api, receiver: Receiver
) -> None:
    """B's own program, reward and card, with A's segment, tier, reward, assignment, program
    and customer in the body: 404 each, and B's objects stay as they were."""
    a = populate(api, receiver, "a")
    club = loyalty_program(other_api, "b club")
    mug = material_reward(other_api, "b-mug")
    card = made(
        other_api, "POST", f"/v1/loyalties/{club}/members", {"customer": {"source_id": "b"}}
    )
    rules = f"/v1/loyalties/{club}/earning-rules"
    cases = [
        (
            rules,
            [
                {
                    "event": "customer.segment.entered",
                    "segment": {"id": a.one("segment")},
                    "loyalty": FIXED,
                }
            ],
            a.one("segment"),
        ),
        (
            rules,
            [
                {
                    "event": "customer.loyalty.tier.joined",
                    "loyalty_tier": {"id": a.one("tier")},
                    "loyalty": FIXED,
                }
            ],
            a.one("tier"),
        ),
        (
            f"/v1/loyalties/{club}/rewards",
            [{"reward": a.one("reward"), "parameters": {"loyalty": {"points": 1}}}],
            a.one("reward"),
        ),
        (
            f"/v1/rewards/{mug}/assignments",
            {"campaign": a.one("program"), "parameters": {"loyalty": {"points": 1}}},
            a.one("program"),
        ),
        (
            f"/v1/loyalties/{club}/members",
            {"customer": {"id": a.one("customer")}},
            a.one("customer"),
        ),
        (
            f"/v1/loyalties/members/{card['code']}/redemption",
            {"reward": {"id": a.one("reward")}},
            a.one("reward"),
        ),
        (
            f"/v1/loyalties/members/{card['code']}/redemption",
            {"reward": {"id": a.one("assignment")}},
            a.one("assignment"),
        ),
    ]
    for path, body, foreign in cases:
        status, error = other_api.call("POST", path, body)
        assert (status, error["key"]) == (404, "not_found"), (path, body, error)
        assert error["resource_id"] == foreign, error
    assert made(other_api, "GET", rules)["data"] == []
    assert made(other_api, "GET", f"/v1/loyalties/{club}/rewards")["data"] == []
    assert made(other_api, "GET", f"/v1/rewards/{mug}/assignments")["data"] == []
    assert made(other_api, "GET", f"/v1/loyalties/{club}/members")["total"] == 1
