"""Gift credits through the official SDK: add and remove, the transaction log, the
``customer.voucher.gift.balance_added`` event firing a distribution, and concurrent removals
that never take a card below zero."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import voucherify
from voucherify import VouchersApi

from tests.e2e.conftest import Api, Receiver


def gift_card(api: Api, code: str, amount: int, holder: str | None = None) -> dict[str, Any]:
    status, voucher = api.call(
        "POST", f"/v1/vouchers/{code}", {"type": "GIFT_VOUCHER", "gift": {"amount": amount}}
    )
    assert status == 200, voucher
    if holder is not None:
        status, published = api.call(
            "POST", "/v1/publications", {"voucher": code, "customer": {"source_id": holder}}
        )
        assert status == 200, published
    return dict(voucher)


def balance(sdk: voucherify.ApiClient, code: str, amount: int, **fields: Any) -> Any:
    return VouchersApi(sdk).update_voucher_balance(
        code, voucherify.VouchersBalanceUpdateRequestBody(amount=amount, **fields)
    )


def test_credits_are_added_and_removed_and_logged(
    sdk: voucherify.ApiClient, api: Api, receiver: Receiver
) -> None:
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Credits added",
            "trigger": {"event": "customer.voucher.gift.balance_added"},
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    "event_name": "credits",
                    "url": receiver.url,
                    "payload": '{"to": "{{customer.source_id}}", "added": {{balance.amount}}, '
                    '"left": {{balance.balance}}}',
                }
            ],
        },
    )
    assert status == 200, created
    gift_card(api, "GIFT-TOPUP-1", 5000, holder="gift-holder-1")

    added = balance(sdk, "GIFT-TOPUP-1", 2500, reason="birthday top-up", source_id="topup-1")
    assert (added.amount, added.total, added.balance) == (2500, 7500, 7500)
    assert (added.type, added.operation_type, added.object) == ("gift_voucher", "MANUAL", "balance")
    assert added.related_object.type == "voucher"
    removed = balance(sdk, "GIFT-TOPUP-1", -1000)
    assert (removed.amount, removed.total, removed.balance) == (-1000, 6500, 6500)
    voucher = VouchersApi(sdk).get_voucher("GIFT-TOPUP-1")
    assert (voucher.gift.amount, voucher.gift.balance) == (6500, 6500)

    log = VouchersApi(sdk).list_voucher_transactions("GIFT-TOPUP-1")
    assert log.data_ref == "data"
    assert [t.type for t in log.data] == ["CREDITS_REMOVAL", "CREDITS_ADDITION"]
    first = log.data[1]
    assert (first.reason, first.source_id, first.source) == ("birthday top-up", "topup-1", "API")
    assert first.details.balance.balance == 7500
    page = VouchersApi(sdk).list_voucher_transactions("GIFT-TOPUP-1", limit=1)
    assert page.has_more is True
    rest = VouchersApi(sdk).list_voucher_transactions(
        "GIFT-TOPUP-1", limit=1, starting_after_id=page.more_starting_after
    )
    assert [t.id for t in rest.data] == [first.id]
    assert rest.has_more is False

    # Only the addition fired the distribution (removals record no event).
    ((_, body),) = receiver.wait_for(1)
    assert json.loads(body)["data"] == {"to": "gift-holder-1", "added": 2500, "left": 7500}


def test_bad_balance_changes_are_refused_and_change_nothing(api: Api) -> None:
    gift_card(api, "GIFT-BAD-1", 1000)
    status, _ = api.call(
        "POST",
        "/v1/vouchers/DISC-BAD-1",
        {
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 100},
        },
    )
    assert status == 200
    for code, body, expected in [
        ("GIFT-BAD-1", {"amount": -1001}, 400),
        ("GIFT-BAD-1", {"amount": 0}, 400),
        ("GIFT-BAD-1", {"amount": "100"}, 400),
        ("GIFT-BAD-1", {}, 400),
        ("DISC-BAD-1", {"amount": 100}, 400),
        ("NO-SUCH-CODE", {"amount": 100}, 404),
    ]:
        status, error = api.call("POST", f"/v1/vouchers/{code}/balance", body)
        assert status == expected, (code, body, error)
    status, error = api.call("POST", "/v1/vouchers/GIFT-BAD-1/balance", {"amount": -1001})
    assert error["key"] == "invalid_add_balance_params"
    _, voucher = api.call("GET", "/v1/vouchers/GIFT-BAD-1")
    assert voucher["gift"]["balance"] == 1000
    _, log = api.call("GET", "/v1/vouchers/GIFT-BAD-1/transactions")
    assert log["data"] == []
    status, _ = api.call("GET", "/v1/vouchers/GIFT-BAD-1/transactions?order=amount")
    assert status == 400


def test_concurrent_removals_never_take_a_card_below_zero(api: Api) -> None:
    gift_card(api, "GIFT-RACE-1", 5000)

    def remove(_: int) -> int:
        status, _ = api.call("POST", "/v1/vouchers/GIFT-RACE-1/balance", {"amount": -1000})
        return status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(remove, range(20)))
    assert sorted(statuses) == [200] * 5 + [400] * 15
    _, voucher = api.call("GET", "/v1/vouchers/GIFT-RACE-1")
    assert voucher["gift"]["balance"] == 0
    _, log = api.call("GET", "/v1/vouchers/GIFT-RACE-1/transactions?limit=100")
    assert len(log["data"]) == 5
