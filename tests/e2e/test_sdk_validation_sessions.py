"""Validation sessions through the official SDK (``session: {type: "LOCK"}``): a session holds
a code's use until it redeems, is released (``VouchersApi.release_validation_session``) or
expires; of two customers validating a code's last use at once, one holds it; bad sessions
are refused where they enter."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import voucherify
from voucherify import RedemptionsApi, ValidationsApi, VouchersApi

from tests.e2e.conftest import Api


def one_use(api: Api, value: str) -> None:
    status, made = api.call(
        "POST",
        f"/v1/vouchers/{value}",
        {
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 100},
            "redemption": {"quantity": 1},
        },
    )
    assert status == 200, made


def request(value: str, who: str, session: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "redeemables": [{"object": "voucher", "id": value}],
        "customer": {"source_id": who},
        "order": {"amount": 1_000},
    }
    if session is not None:
        body["session"] = session
    return body


def validate(sdk: voucherify.ApiClient, body: dict[str, Any]) -> Any:
    return ValidationsApi(sdk).validate_stacked_discounts(
        voucherify.ValidationsValidateRequestBody.from_dict(body)
    )


def test_a_session_holds_the_code_until_its_own_redemption(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    one_use(api, "SSN-ONE")
    held = validate(sdk, request("SSN-ONE", "ssn-ann", {"type": "LOCK"}))
    assert held.valid is True
    assert (held.session.type, held.session.ttl, held.session.ttl_unit) == ("LOCK", 7, "DAYS")
    bob = validate(sdk, request("SSN-ONE", "ssn-bob"))
    assert bob.valid is False
    assert bob.inapplicable_redeemables[0].result.error.key == "quantity_exceeded"
    status, refused = api.call("POST", "/v1/redemptions", request("SSN-ONE", "ssn-bob"))
    assert (status, refused["key"]) == (400, "quantity_exceeded")
    mine = request("SSN-ONE", "ssn-ann", {"type": "LOCK", "key": held.session.key})
    done = RedemptionsApi(sdk).redeem_stacked_discounts(
        voucherify.RedemptionsRedeemRequestBody.from_dict(mine)
    )
    assert done.redemptions[0].result == "SUCCESS"
    # Redeemed: the hold ended, and the code's one use is spent.
    status, spent = api.call("POST", "/v1/redemptions", request("SSN-ONE", "ssn-bob"))
    assert (status, spent["key"]) == (400, "quantity_exceeded")
    _, voucher = api.call("GET", "/v1/vouchers/SSN-ONE")
    assert voucher["redemption"]["redeemed_quantity"] == 1


def test_a_released_session_frees_the_code_and_a_client_key_is_kept(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    one_use(api, "SSN-FREE")
    session = {"type": "LOCK", "key": "ssn_client_chosen", "ttl": 30, "ttl_unit": "MINUTES"}
    held = validate(sdk, request("SSN-FREE", "ssn-ann", session))
    assert held.session.to_dict() == session
    assert validate(sdk, request("SSN-FREE", "ssn-bob")).valid is False
    VouchersApi(sdk).release_validation_session("SSN-FREE", "ssn_client_chosen")
    assert validate(sdk, request("SSN-FREE", "ssn-bob")).valid is True
    # A session that holds nothing of the code (released, unknown) is 404, as is a code.
    for path in ("SSN-FREE/sessions/ssn_client_chosen", "SSN-NOPE/sessions/ssn_client_chosen"):
        status, error = api.call("DELETE", f"/v1/vouchers/{path}")
        assert (status, error["key"]) == (404, "not_found")


def test_of_two_customers_locking_the_last_use_at_once_one_wins(
    sdk: voucherify.ApiClient, api: Api
) -> None:
    for round_ in range(5):
        value = f"SSN-RACE-{round_}"
        one_use(api, value)
        bodies = [request(value, f"ssn-racer-{n}", {"type": "LOCK"}) for n in range(2)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(lambda b: api.call("POST", "/v1/validations", b), bodies))
        assert [status for status, _ in answers] == [200, 200]
        valid = sorted(answer["valid"] for _, answer in answers)
        assert valid == [False, True], answers
        (loser,) = [answer for _, answer in answers if not answer["valid"]]
        assert "session" not in loser
        error = loser["inapplicable_redeemables"][0]["result"]["error"]
        assert error["key"] == "quantity_exceeded"


@pytest.mark.parametrize(
    "session",
    [
        {"type": "UNLOCK"},
        {"type": "LOCK", "ttl": 0},
        {"type": "LOCK", "ttl": -1},
        {"type": "LOCK", "ttl": 1, "ttl_unit": "WEEKS"},
        {"type": "LOCK", "ttl": 400, "ttl_unit": "DAYS"},
        {"type": "LOCK", "key": ""},
        {"type": "LOCK", "key": "k" * 201},
        {"type": "LOCK", "ttl": "1"},
    ],
)
def test_a_bad_session_is_refused(api: Api, session: dict[str, Any]) -> None:
    one_use(api, "SSN-BAD")
    status, error = api.call("POST", "/v1/validations", request("SSN-BAD", "ssn-ann", session))
    assert (status, error["key"]) == (400, "invalid_payload"), error
