"""Referral code holders end to end through the official SDK: a holder is added to a referral
code as a referee (as Voucherify adds them); when they redeem the code the owner gets the
referrer reward and they the referee reward; once removed, they are no longer listed."""

from __future__ import annotations

import voucherify
from voucherify import CustomersApi, RedemptionsApi, ReferralsApi

from tests.e2e.conftest import Api
from tests.e2e.loyalty_builders import program
from tests.e2e.referral_builders import activity, publish, referral_campaign


def redeem(sdk: voucherify.ApiClient, who: str, code: str) -> None:
    RedemptionsApi(sdk).redeem_stacked_discounts(
        voucherify.RedemptionsRedeemRequestBody(
            redeemables=[
                voucherify.RedemptionsRedeemRequestBodyRedeemablesItem(object="voucher", id=code)
            ],
            customer=voucherify.Customer(source_id=who),
            order=voucherify.Order(amount=2_000),
        )
    )


def rewarded_points(api: Api, who: str) -> list[int]:
    return [a["data"]["balance"]["points"] for a in activity(api, who, "customer.rewarded")]


def test_a_holder_is_a_referee_whose_redemption_rewards_the_owner(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    club = program(sdk, "Holder points")
    friends = referral_campaign(
        api,
        "Share the code",
        conversion_event_type="redemption",
        referrer_reward={
            "related_object_parent": {"id": club.id, "object": "CAMPAIGN"},
            "type": "LOYALTY_CARD",
            "amount": 40,
        },
    )
    code = publish(api, friends["id"], "owner")
    body = voucherify.ReferralsMembersHoldersCreateInBulkRequestBody(
        holders=[voucherify.Customer(source_id="sharer", name="Sharer")],
        metadata={"shop": "north"},
    )
    (holder,) = ReferralsApi(sdk).referrals_add_holders1(friends["id"], code, body).holders
    sharer = CustomersApi(sdk).get_customer("sharer")
    assert (sharer.name, holder.customer_id, holder.metadata, holder.holder_role) == (
        "Sharer",
        sharer.id,
        {"shop": "north"},
        "REFEREE",
    )

    redeem(sdk, "sharer", code)
    assert rewarded_points(api, "owner") == [40]
    assert rewarded_points(api, "sharer") == []  # a referee: no referrer reward
    assert CustomersApi(sdk).get_customer("owner").loyalty.referred_customers == 1
    (referred,) = activity(api, "sharer", "customer.referred")
    assert referred["data"]["referrer"]["source_id"] == "owner"

    ReferralsApi(sdk).referrals_remove_holder(code, holder.id)
    assert ReferralsApi(sdk).referrals_code_holders1(code).data == []
    redeem(sdk, "second-friend", code)
    assert sorted(rewarded_points(api, "owner")) == [40, 40]


def test_holders_of_an_unknown_code_or_another_campaign_are_not_found(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    friends = referral_campaign(api, "Code of one campaign", conversion_event_type="redemption")
    other = referral_campaign(api, "Another campaign", conversion_event_type="redemption")
    code = publish(api, friends["id"], "code-owner")
    body = {"holders": [{"source_id": "nobody-yet"}]}
    status, error = api.call("POST", f"/v1/referrals/{other['id']}/members/{code}/holders", body)
    assert (status, error["key"]) == (404, "not_found")
    status, error = api.call("POST", "/v1/referrals/members/NO-SUCH/holders", body)
    assert status == 404
    status, error = api.call("POST", f"/v1/referrals/members/{code}/holders", {"holders": []})
    assert (status, error["key"]) == (400, "invalid_payload")
    status, error = api.call(
        "POST", f"/v1/referrals/members/{code}/holders", {"holders": [{"source_id": "code-owner"}]}
    )
    assert (status, error["key"]) == (400, "invalid_customer")
    status, _ = api.call("DELETE", f"/v1/referrals/members/{code}/holders/rh_nothing")
    assert status == 404
    status, _ = api.call("GET", "/v1/customers/nobody-yet")
    assert status == 404  # the refused request created nobody
