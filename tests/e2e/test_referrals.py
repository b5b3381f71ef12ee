"""Referral programs end to end: referral codes published to referrers (and announced by a
distribution), referees converting by redemption or by a custom event, once each, both sides
rewarded, and a referrer who may not redeem their own code."""

from __future__ import annotations

import json

import voucherify
from voucherify import CampaignsApi, LoyaltiesApi

from tests.e2e.conftest import Api, Receiver, wait_until
from tests.e2e.loyalty_builders import program
from tests.e2e.referral_builders import activity, campaign, publish, referral_campaign


def distribution(api: Api, receiver: Receiver, event: str, campaign_id: str) -> str:
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": event,
            "trigger": {"event": event, "campaign_id": campaign_id},
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    "event_name": event,
                    "url": receiver.url,
                    "payload": '{"who": "{{customer.source_id}}", "event": "' + event + '"}',
                }
            ],
        },
    )
    assert status == 200, created
    return str(created["id"])


def test_a_referee_redeeming_a_referrers_code_rewards_both(
    sdk: voucherify.ApiClient, api: Api, receiver: Receiver
) -> None:
    gifts = campaign(
        api,
        {
            "name": "Referee credits",
            "campaign_type": "GIFT_VOUCHERS",
            "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 0}},
        },
    )
    club = program(sdk, "Referrer points")
    friends = referral_campaign(
        api,
        "Bring a friend",
        conversion_event_type="redemption",
        referee_reward={
            "related_object_parent": {"id": gifts["id"], "object": "CAMPAIGN"},
            "type": "GIFT_VOUCHER",
            "amount": "1000",
        },
        referrer_reward={
            "related_object_parent": {"id": club.id, "object": "CAMPAIGN"},
            "type": "LOYALTY_CARD",
            "amount": 100,
        },
    )
    got = CampaignsApi(sdk).get_campaign(friends["id"])
    assert got.referral_program.conversion_event_type == "redemption"
    assert got.referral_program.referee_reward.type == "GIFT_VOUCHER"
    assert got.referral_program.referee_reward.amount == "1000"
    assert got.referral_program.referee_reward.related_object_parent.name == "Referee credits"
    assert got.voucher.is_referral_code is True

    sent_code = distribution(api, receiver, "customer.publication.succeeded", friends["id"])
    rewarded = distribution(api, receiver, "customer.rewarded", friends["id"])
    code = publish(api, friends["id"], "referrer")
    wait_until(api, sent_code, lambda s: [x["status"] for x in s] == ["DELIVERED"], "code sent")

    # The referrer may not use their own code.
    status, error = api.call(
        "POST",
        "/v1/redemptions",
        {"redeemables": [{"object": "voucher", "id": code}], "customer": {"source_id": "referrer"}},
    )
    assert (status, error["key"]) == (400, "referrer_not_permitted_to_redeem")

    for attempt in range(2):  # the same referee converts once
        status, redeemed = api.call(
            "POST",
            "/v1/redemptions",
            {
                "redeemables": [{"object": "voucher", "id": code}],
                "customer": {"source_id": "referee"},
                "order": {"amount": 2_000, "source_id": f"referee-order-{attempt}"},
            },
        )
        assert status == 200, redeemed
    (referred,) = activity(api, "referee", "customer.referred")
    assert referred["data"]["referrer"]["source_id"] == "referrer"
    assert referred["data"]["voucher"]["code"] == code
    assert referred["data"]["redemption"]["voucher"]["code"] == code

    _, referee = api.call("GET", "/v1/customers/referee")
    assert referee["referrals"]["total"] == 1
    (joined,) = referee["referrals"]["campaigns"]
    assert (joined["campaign_id"], joined["related_object_type"]) == (friends["id"], "voucher")
    _, referrer = api.call("GET", "/v1/customers/referrer")
    assert referrer["loyalty"]["referred_customers"] == 1
    (referrer_reward,) = activity(api, "referrer", "customer.rewarded")
    assert referrer_reward["data"]["balance"]["points"] == 100
    assert referrer_reward["data"]["campaign"]["id"] == friends["id"]
    (card,) = LoyaltiesApi(sdk).list_members(club.id).vouchers
    assert card.loyalty_card.balance == 100
    (referee_reward,) = activity(api, "referee", "customer.rewarded")
    gift_code = referee_reward["data"]["voucher"]["code"]
    _, gift = api.call("GET", f"/v1/vouchers/{gift_code}")
    assert gift["gift"]["balance"] == 1_000

    sendouts = wait_until(
        api,
        rewarded,
        lambda s: {x["status"] for x in s} == {"DELIVERED"} and len(s) == 2,
        "rewards",
    )
    assert len(sendouts) == 2
    bodies = [json.loads(body) for _, body in receiver.requests]
    told = sorted(b["data"]["who"] for b in bodies if b["data"]["event"] == "customer.rewarded")
    assert told == ["referee", "referrer"]


def test_a_custom_event_can_convert_a_referee(sdk: voucherify.ApiClient, api: Api) -> None:
    club = program(sdk, "Signup points")
    signups = referral_campaign(
        api,
        "Sign up a friend",
        conversion_event_type="custom_event",
        custom_event={"name": "signed_up"},
        referrer_reward={
            "related_object_parent": {"id": club.id, "object": "CAMPAIGN"},
            "type": "LOYALTY_CARD",
            "amount": 25,
        },
    )
    code = publish(api, signups["id"], "inviter")

    def track(event: str, who: str) -> None:
        voucherify.EventsApi(sdk).track_custom_event(
            voucherify.EventsCreateRequestBody(
                event=event, customer={"source_id": who}, referral={"code": code}
            )
        )

    track("visited", "guest")  # not the converting event
    assert activity(api, "guest", "customer.referred") == []
    track("signed_up", "guest")
    track("signed_up", "guest")
    track("signed_up", "inviter")  # their own code: no conversion
    (referred,) = activity(api, "guest", "customer.referred")
    assert referred["data"]["custom_event"]["type"] == "signed_up"
    assert referred["data"]["redemption"] is None
    (card,) = LoyaltiesApi(sdk).list_members(club.id).vouchers
    assert card.loyalty_card.balance == 25


def test_a_bad_referral_program_is_refused(api: Api) -> None:
    for program_body, where in (
        ({"conversion_event_type": "purchase"}, "conversion_event_type"),
        ({"conversion_event_type": "custom_event"}, "custom_event"),
        (
            {
                "referee_reward": {
                    "related_object_parent": {"id": "camp_nope"},
                    "type": "GIFT_VOUCHER",
                    "amount": 5,
                }
            },
            "camp_nope",
        ),
        (
            {"referee_reward": {"related_object_parent": {"id": "x"}, "type": "CASH", "amount": 5}},
            "referee_reward.type",
        ),
    ):
        status, error = api.call(
            "POST",
            "/v1/campaigns",
            {
                "name": f"Bad {where}",
                "campaign_type": "REFERRAL_PROGRAM",
                "voucher": {"discount": {"type": "AMOUNT", "amount_off": 1}},
                "referral_program": program_body,
            },
        )
        assert status in (400, 404), error
        assert where in error["details"], error
    _, listed = api.call("GET", "/v1/campaigns?campaign_type=REFERRAL_PROGRAM")
    assert listed["campaigns"] == []
