"""Referral programs made over HTTP, referral codes published to referrers, and a
customer's activity of one kind, for the end-to-end tests of referrals and notifications."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Api


def campaign(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    status, created = api.call("POST", "/v1/campaigns", body)
    assert status == 200, created
    return created


def referral_campaign(api: Api, name: str, **program: Any) -> dict[str, Any]:
    return campaign(
        api,
        {
            "name": name,
            "campaign_type": "REFERRAL_PROGRAM",
            "type": "AUTO_UPDATE",
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 500},
            },
            "referral_program": program,
        },
    )


def publish(api: Api, campaign_id: str, who: str) -> str:
    status, published = api.call(
        "POST", "/v1/publications", {"customer": {"source_id": who}, "campaign": campaign_id}
    )
    assert status == 200, published
    return str(published["voucher"]["code"])


def activity(api: Api, who: str, kind: str) -> list[dict[str, Any]]:
    _, customer = api.call("GET", f"/v1/customers/{who}")
    _, found = api.call("GET", f"/v1/customers/{customer['id']}/activity?limit=50")
    return [a for a in found["data"] if a["type"] == kind]
