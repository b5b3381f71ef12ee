"""Discount campaigns and publications made through the official SDK, and customers made
over HTTP, for the end-to-end tests that start from them."""

from __future__ import annotations

import time
from typing import Any

import voucherify
from voucherify import CampaignsApi, PublicationsApi

from tests.e2e.conftest import Api

WAIT_SECONDS = 15.0  # the test server's in-process worker makes codes in milliseconds
POLL_SECONDS = 0.05

SPRING_CONFIG = {"pattern": "SPR-####", "charset": "ABCDEF0123", "postfix": "-Z"}


def percent_off(percent: int, **fields: Any) -> voucherify.Discount:
    return voucherify.Discount(type="PERCENT", percent_off=percent, **fields)


def discount_campaign(
    client: voucherify.ApiClient,
    name: str,
    *,
    vouchers_count: int = 0,
    **fields: Any,
) -> Any:
    """An AUTO_UPDATE DISCOUNT_COUPONS campaign of 15% off (up to 5.00) with codes like
    ``SPR-A0F3-Z``; its ``vouchers_count`` codes are made before it returns."""
    campaign = CampaignsApi(client).create_campaign(
        voucherify.CampaignsCreateRequestBody(
            name=name,
            campaign_type="DISCOUNT_COUPONS",
            type="AUTO_UPDATE",
            vouchers_count=vouchers_count,
            voucher=voucherify.CampaignsCreateRequestBodyVoucher(
                type="DISCOUNT_VOUCHER",
                discount=percent_off(15, amount_limit=500),
                code_config=voucherify.CodeConfig(**SPRING_CONFIG),
            ),
            **fields,
        )
    )
    return wait_for_campaign(client, campaign.id) if vouchers_count else campaign


def wait_for_campaign(client: voucherify.ApiClient, campaign_id: str) -> Any:
    """The campaign once the worker has made its codes (``creation_status`` DONE)."""
    api = CampaignsApi(client)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        campaign = api.get_campaign(campaign_id)
        if campaign.creation_status == "DONE":
            return campaign
        assert campaign.creation_status == "IN_PROGRESS"
        assert time.monotonic() < deadline, f"campaign {campaign_id} still {campaign}"
        time.sleep(POLL_SECONDS)


def publish(client: voucherify.ApiClient, customer: str, **body: Any) -> Any:
    return PublicationsApi(client).create_publication(
        publications_create_request_body=voucherify.PublicationsCreateRequestBody(
            customer=voucherify.Customer(source_id=customer), **body
        )
    )


def from_campaign(name: str, count: int = 1) -> voucherify.CreatePublicationCampaign:
    return voucherify.CreatePublicationCampaign(name=name, count=count)


def customer(api: Api, source_id: str, **fields: Any) -> dict[str, Any]:
    status, body = api.call("POST", "/v1/customers", {"source_id": source_id, **fields})
    assert status == 200, body
    return dict(body)
