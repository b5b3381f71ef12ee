"""Loyalty programs, members, points, tiers and rewards made through the official SDK, for
the end-to-end tests of loyalty, referrals and notifications that start from them."""

from __future__ import annotations

from typing import Any

import voucherify
from voucherify import LoyaltiesApi, RewardsApi


def program(sdk: voucherify.ApiClient, name: str) -> voucherify.LoyaltiesCreateCampaignResponseBody:
    return LoyaltiesApi(sdk).create_loyalty_program(
        voucherify.LoyaltiesCreateCampaignRequestBody(
            name=name,
            campaign_type="LOYALTY_PROGRAM",
            type="AUTO_UPDATE",
            voucher=voucherify.CampaignLoyaltyVoucher(
                loyalty_card=voucherify.CampaignLoyaltyCard(points=0),
                code_config=voucherify.CodeConfig(length=8, prefix="LOY-"),
            ),
        )
    )


def join(
    sdk: voucherify.ApiClient, program_id: str, source_id: str
) -> voucherify.LoyaltiesMembersCreateResponseBody:
    return LoyaltiesApi(sdk).add_member(
        program_id,
        voucherify.LoyaltiesMembersCreateRequestBody(
            customer=voucherify.Customer(source_id=source_id)
        ),
    )


def points(sdk: voucherify.ApiClient, member: str, amount: int, **fields: str) -> object:
    return LoyaltiesApi(sdk).update_loyalty_card_balance(
        member, voucherify.LoyaltiesMembersBalanceUpdateRequestBody(points=amount, **fields)
    )


def tier(
    name: str, low: int, high: int | None
) -> voucherify.LoyaltiesTiersCreateInBulkRequestBodyItem:
    return voucherify.LoyaltiesTiersCreateInBulkRequestBodyItem(
        name=name, points=voucherify.LoyaltyTierBasePoints(var_from=low, to=high)
    )


def material(sdk: voucherify.ApiClient, name: str, stock: int | None = None) -> voucherify.Reward:
    return RewardsApi(sdk).create_reward(
        voucherify.RewardsCreateRequestBody(
            name=name,
            stock=stock,
            parameters=voucherify.RewardsCreateRequestBodyParameters(
                product=voucherify.RewardsCreateRequestBodyParametersProduct(id="prod_mug")
            ),
            attributes=voucherify.RewardsCreateRequestBodyAttributes(description="A mug"),
        )
    )


def offer(sdk: voucherify.ApiClient, program_id: str, reward_id: str, price: int) -> Any:
    return LoyaltiesApi(sdk).create_reward_assignment1(
        program_id,
        [
            voucherify.LoyaltiesRewardsCreateAssignmentItemRequestBody(
                reward=reward_id,
                parameters=voucherify.LoyaltiesRewardsCreateAssignmentItemRequestBodyParameters(
                    loyalty=voucherify.LoyaltiesRewardsCreateAssignmentItemRequestBodyParametersLoyalty(
                        points=price
                    )
                ),
            )
        ],
    )


def spend(sdk: voucherify.ApiClient, member: str, reward_id: str, **body: Any) -> Any:
    return LoyaltiesApi(sdk).redeem_reward(
        member,
        voucherify.LoyaltiesMembersRedemptionRedeemRequestBody(
            reward=voucherify.LoyaltiesMembersRedemptionRedeemRequestBodyReward(
                id=reward_id, points=body.pop("points", None)
            ),
            **body,
        ),
    )
