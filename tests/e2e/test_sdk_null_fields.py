"""Bodies built with the official SDK's ``Model.from_dict``: the SDK sends every optional field
the caller left out as an explicit JSON ``null``, and Sendout takes such a ``null`` as not sent
wherever the field cannot be cleared (a campaign's type, a reward's parameter kinds, a code's
``active``), as Voucherify does."""

from __future__ import annotations

import voucherify
from voucherify import CampaignsApi, RewardsApi, VouchersApi

from tests.e2e.conftest import Api


def test_update_campaign_from_dict_changes_only_what_it_names(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    status, campaign = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Null fields",
            "type": "STATIC",
            "join_once": True,
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 100},
            },
        },
    )
    assert status == 200, campaign
    body = voucherify.CampaignsUpdateRequestBody.from_dict({"description": "Spring"})
    assert body is not None
    assert body.to_dict()["type"] is None  # what the SDK sends
    updated = CampaignsApi(sdk).update_campaign(campaign["id"], body)
    assert (updated.description, updated.type, updated.join_once) == ("Spring", "STATIC", True)
    changed = voucherify.CampaignsUpdateRequestBody.from_dict({"type": "AUTO_UPDATE"})
    assert CampaignsApi(sdk).update_campaign(campaign["id"], changed).type == "AUTO_UPDATE"


def test_create_reward_from_dict_takes_the_one_kind_sent(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    product = voucherify.RewardsCreateRequestBody.from_dict(
        {"name": "Mug", "parameters": {"product": {"id": "prod_mug"}}}
    )
    assert product is not None
    sent = product.to_dict()["parameters"]
    assert (sent["campaign"], sent["coin"]) == (None, None)  # what the SDK sends
    mug = RewardsApi(sdk).create_reward(product)
    assert (mug.type, mug.parameters.product.id) == ("MATERIAL", "prod_mug")
    coin = RewardsApi(sdk).create_reward(
        voucherify.RewardsCreateRequestBody.from_dict(
            {"name": "Cash", "parameters": {"coin": {"exchange_ratio": 0.5}}}
        )
    )
    assert coin.type == "COIN"
    assert coin.parameters.coin.points_ratio == 1
    status, refused = api.call(
        "POST", "/v1/rewards", {"name": "None", "parameters": {"campaign": None, "coin": None}}
    )
    assert status == 400, refused


def test_update_voucher_from_dict_keeps_the_code_active(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    status, made = api.call(
        "POST",
        "/v1/vouchers/NULL-ACTIVE",
        {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 100}},
    )
    assert status == 200, made
    body = voucherify.VouchersUpdateRequestBody.from_dict({"metadata": {"tier": "gold"}})
    assert body is not None
    updated = VouchersApi(sdk).update_voucher("NULL-ACTIVE", body)
    assert (updated.active, updated.metadata) == (True, {"tier": "gold"})
    assert updated.discount.amount_off == 100
