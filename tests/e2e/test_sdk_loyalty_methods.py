"""The rest of the loyalty and rewards methods Sendout serves, each called through the official
SDK (its response models check every answer): program updates and deletion, program-scoped
member paths, earning rule reads and changes, tier earning rules and rewards, program
transactions, reward assignments by reward and by program."""

from __future__ import annotations

import voucherify
from voucherify import LoyaltiesApi, RewardsApi

from tests.e2e.conftest import Api
from tests.e2e.loyalty_builders import join, material, program, tier


def test_the_remaining_loyalty_methods_through_the_sdk(sdk: voucherify.ApiClient, api: Api) -> None:
    loyalties, rewards = LoyaltiesApi(sdk), RewardsApi(sdk)
    club = program(sdk, "Methods club")
    renamed = loyalties.update_loyalty_program(
        club.id, voucherify.LoyaltiesUpdateCampaignRequestBody(description="All the methods")
    )
    assert renamed.description == "All the methods"

    (silver,) = loyalties.create_in_bulk_loyalty_tiers(club.id, [tier("Silver", 0, None)])
    (rule,) = loyalties.create_earning_rule(
        club.id,
        [
            voucherify.LoyaltiesEarningRulesCreateRequestBodyItem(
                event="custom_event",
                custom_event=voucherify.LoyaltiesEarningRulesCreateRequestBodyItemCustomEvent(
                    schema_id="liked"
                ),
                loyalty=voucherify.LoyaltiesEarningRulesCreateRequestBodyItemLoyalty(
                    type="FIXED", points=5
                ),
            )
        ],
    )
    assert loyalties.get_earning_rule(club.id, rule.id).id == rule.id
    changed = loyalties.update_earning_rule(
        club.id,
        rule.id,
        voucherify.LoyaltiesEarningRulesUpdateRequestBody(
            loyalty=voucherify.LoyaltiesEarningRulesUpdateRequestBodyLoyalty(type="FIXED", points=7)
        ),
    )
    assert changed.loyalty.points == 7
    assert loyalties.disable_earning_rule(club.id, rule.id).active is False
    assert loyalties.enable_earning_rule(club.id, rule.id).active is True
    by_tier = loyalties.list_loyalty_tier_earning_rules(club.id, silver.id)
    assert [r.id for r in by_tier.data] == [rule.id]

    card = join(sdk, club.id, "methodical")
    assert loyalties.get_member1(club.id, card.code).code == card.code
    added = loyalties.update_loyalty_card_balance1(
        club.id, card.code, voucherify.LoyaltiesMembersBalanceUpdateRequestBody(points=300)
    )
    assert (added.points, added.balance) == (300, 300)
    voucherify.EventsApi(sdk).track_custom_event(
        voucherify.EventsCreateRequestBody(event="liked", customer={"source_id": "methodical"})
    )
    mine = loyalties.list_loyalty_card_transactions1(club.id, card.code)
    assert [t.type for t in mine.data] == ["POINTS_ACCRUAL", "POINTS_ADDITION"]
    everyone = loyalties.list_loyalty_campaign_transactions(club.id, limit=1)
    assert [t.id for t in everyone.data] == [mine.data[0].id]
    assert everyone.has_more is True

    mug = material(sdk, "Methods mug")
    assigned = rewards.create_reward_assignment(
        mug.id,
        voucherify.RewardsAssignmentsCreateRequestBody(
            campaign=club.id,
            parameters=voucherify.RewardsAssignmentsCreateRequestBodyParameters(
                loyalty=voucherify.RewardsAssignmentsCreateRequestBodyParametersLoyalty(points=100)
            ),
        ),
    )
    repriced = rewards.update_reward_assignment(
        mug.id,
        assigned.id,
        voucherify.RewardsAssignmentsUpdateRequestBody(
            parameters=voucherify.RewardsAssignmentsUpdateRequestBodyParameters(
                loyalty=voucherify.RewardsAssignmentsUpdateRequestBodyParametersLoyalty(points=120)
            )
        ),
    )
    assert repriced.parameters.loyalty.points == 120
    assert [a.id for a in loyalties.list_reward_assignments1(club.id).data] == [assigned.id]
    assert loyalties.get_reward_assignment1(club.id, assigned.id).reward_id == mug.id
    (offered,) = loyalties.list_loyalty_tier_rewards(club.id, silver.id).data
    assert (offered.reward.id, offered.object) == (mug.id, "loyalty_tier_reward")

    spent = loyalties.redeem_reward1(
        club.id,
        card.code,
        voucherify.LoyaltiesMembersRedemptionRedeemRequestBody(
            reward=voucherify.LoyaltiesMembersRedemptionRedeemRequestBodyReward(id=assigned.id)
        ),
    )
    assert spent.reward.assignment_id == assigned.id
    assert loyalties.get_member(card.code).loyalty_card.balance == 300 + 7 - 120

    rewards.delete_reward_assignment(mug.id, assigned.id)
    assert loyalties.list_reward_assignments1(club.id).data == []
    loyalties.delete_earning_rule(club.id, rule.id)
    assert loyalties.list_earning_rules(club.id).data == []
    deleted = loyalties.delete_loyalty_program(club.id)
    assert deleted.async_action_id is not None
    status, _ = api.call("GET", f"/v1/loyalties/{club.id}")
    assert status == 404
