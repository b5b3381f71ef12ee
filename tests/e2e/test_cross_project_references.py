"""Objects a request names by id inside its body are looked up in the caller's project: another
project's id is as unknown as a made-up one (404), whatever the route it appears in.

The cross-project matrix (test_cross_project_matrix.py) walks every route with another
project's ids in the path; this file covers ids inside bodies sent to the caller's own
objects (its program, its reward), where only the body points across the fence.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import voucherify
from voucherify import LoyaltiesApi

from tests.e2e.conftest import Api
from tests.e2e.test_sdk_loyalties import program, tier
from tests.e2e.test_sdk_segments import customer

FIXED = {"type": "FIXED", "points": 5}
GOLD = {"junction": "and", "metadata.tier": {"conditions": {"$is": ["gold"]}}}


def segment(api: Api, kind: str, name: str) -> str:
    body: dict[str, Any] = {"name": name, "type": kind}
    if kind == "static":
        body["customers"] = [customer(api, f"{name}-member")["id"]]
    else:
        body["filter"] = GOLD
    status, created = api.call("POST", "/v1/segments", body)
    assert status == 200, created
    return str(created["id"])


def segment_rule(segment_id: str) -> voucherify.LoyaltiesEarningRulesCreateRequestBodyItem:
    return voucherify.LoyaltiesEarningRulesCreateRequestBodyItem(
        event="customer.segment.entered",
        segment=voucherify.LoyaltiesEarningRulesCreateRequestBodyItemSegment(id=segment_id),
        loyalty=voucherify.LoyaltiesEarningRulesCreateRequestBodyItemLoyalty(
            type="FIXED", points=5
        ),
    )


def refused(call: Any) -> tuple[int, dict[str, Any]]:
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
        status, error = refused(lambda s=mine: loyalties.create_earning_rule(club.id, [segment_rule(s)]))
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
