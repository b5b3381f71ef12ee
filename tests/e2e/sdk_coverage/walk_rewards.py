"""Checks of RewardsApi: rewards and their assignments seen from the reward."""

from __future__ import annotations

import voucherify
from voucherify import RewardsApi

from tests.e2e.sdk_coverage.table import check
from tests.e2e.sdk_coverage.world import World, gone, loyalty_program, material, model, new_offer


def rewards(w: World) -> RewardsApi:
    return RewardsApi(w.sdk)


@check("RewardsApi.create_reward")
def create_reward(w: World) -> None:
    created = rewards(w).create_reward(
        # Built field by field: from_dict would send the other kinds as nulls.
        voucherify.RewardsCreateRequestBody(
            name="Walk coins",
            stock=10,
            parameters=voucherify.RewardsCreateRequestBodyParameters(
                coin=voucherify.RewardsCreateRequestBodyParametersCoin(exchange_ratio=0.5)
            ),
        )
    )
    assert created.id.startswith("rew_")
    assert (created.name, created.type, created.stock) == ("Walk coins", "COIN", 10)
    assert created.parameters.coin.exchange_ratio == 0.5


@check("RewardsApi.get_reward")
def get_reward(w: World) -> None:
    got = rewards(w).get_reward(w.mug["id"])
    assert (got.id, got.name, got.type) == (w.mug["id"], "Cover mug", "MATERIAL")
    assert got.parameters.product.id == "prod_mug"


@check("RewardsApi.list_rewards")
def list_rewards(w: World) -> None:
    listing = rewards(w).list_rewards(limit=100)
    assert w.mug["id"] in [r.id for r in listing.data]
    assert listing.total == len(listing.data)


@check("RewardsApi.update_reward")
def update_reward(w: World) -> None:
    reward = material(w.api, "Walk reward update")
    updated = rewards(w).update_reward(
        reward["id"], voucherify.RewardsUpdateRequestBody(name="Walk renamed", stock=5)
    )
    assert (updated.id, updated.name, updated.stock) == (reward["id"], "Walk renamed", 5)


@check("RewardsApi.delete_reward")
def delete_reward(w: World) -> None:
    reward = material(w.api, "Walk reward delete")
    rewards(w).delete_reward(reward["id"])
    assert gone(w.api, f"/v1/rewards/{reward['id']}")


@check("RewardsApi.create_reward_assignment")
def create_reward_assignment(w: World) -> None:
    club = loyalty_program(w.api, "Walk reward assign")
    reward = material(w.api, "Walk assigned")
    created = rewards(w).create_reward_assignment(
        reward["id"],
        model(
            voucherify.RewardsAssignmentsCreateRequestBody,
            {"campaign": club["id"], "parameters": {"loyalty": {"points": 60}}},
        ),
    )
    assert (created.reward_id, created.related_object_id, created.related_object_type) == (
        reward["id"],
        club["id"],
        "campaign",
    )
    assert created.parameters.loyalty.points == 60


@check("RewardsApi.get_reward_assignment")
def get_reward_assignment(w: World) -> None:
    got = rewards(w).get_reward_assignment(w.mug["id"], w.offer_id)
    assert (got.id, got.related_object_id, got.parameters.loyalty.points) == (
        w.offer_id,
        w.club["id"],
        100,
    )


@check("RewardsApi.list_reward_assignments")
def list_reward_assignments(w: World) -> None:
    listing = rewards(w).list_reward_assignments(w.mug["id"])
    assert [(a.id, a.related_object_id) for a in listing.data] == [(w.offer_id, w.club["id"])]


@check("RewardsApi.update_reward_assignment")
def update_reward_assignment(w: World) -> None:
    _, reward_id, assignment_id = new_offer(w.api, "Walk assignment update")
    updated = rewards(w).update_reward_assignment(
        reward_id,
        assignment_id,
        model(
            voucherify.RewardsAssignmentsUpdateRequestBody,
            {"parameters": {"loyalty": {"points": 45}}},
        ),
    )
    assert (updated.id, updated.parameters.loyalty.points) == (assignment_id, 45)


@check("RewardsApi.delete_reward_assignment")
def delete_reward_assignment(w: World) -> None:
    _, reward_id, assignment_id = new_offer(w.api, "Walk assignment delete")
    rewards(w).delete_reward_assignment(reward_id, assignment_id)
    assert rewards(w).list_reward_assignments(reward_id).data == []
