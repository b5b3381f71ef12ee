"""Checks of VouchersApi."""

from __future__ import annotations

from typing import Any

import voucherify
from voucherify import VouchersApi

from tests.e2e.sdk_coverage.table import check
from tests.e2e.sdk_coverage.walk_campaigns import exported_lines
from tests.e2e.sdk_coverage.world import COUPON_COUNT, World, model, ok, wait_action


def vouchers(w: World) -> VouchersApi:
    return VouchersApi(w.sdk)


def standalone(w: World, code: str, **fields: Any) -> Any:
    """A standalone code of 3.00 off (or whatever ``fields`` say instead)."""
    body = {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 300}}
    return ok(w.api, "POST", f"/v1/vouchers/{code}", {**body, **fields})


def gift_card(w: World, code: str) -> Any:
    return standalone(w, code, type="GIFT_VOUCHER", discount=None, gift={"amount": 5000})


@check("VouchersApi.create_voucher")
def create_voucher(w: World) -> None:
    created = vouchers(w).create_voucher(
        "WALK-NEW",
        model(
            voucherify.VouchersCreateWithSpecificCodeRequestBody,
            {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 300},
                "metadata": {"walk": "yes"},
            },
        ),
    )
    assert (created.code, created.type, created.campaign_id) == (
        "WALK-NEW",
        "DISCOUNT_VOUCHER",
        None,
    )
    assert (created.discount.amount_off, created.metadata) == (300, {"walk": "yes"})


@check("VouchersApi.generate_random_code")
def generate_random_code(w: World) -> None:
    created = vouchers(w).generate_random_code(
        model(
            voucherify.VouchersCreateRequestBody,
            {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 20}},
        )
    )
    assert created.id.startswith("v_")
    assert vouchers(w).get_voucher(created.code).discount.percent_off == 20


@check("VouchersApi.get_voucher")
def get_voucher(w: World) -> None:
    got = vouchers(w).get_voucher(w.voucher)
    assert (got.code, got.type, got.discount.type, got.discount.amount_off) == (
        w.voucher,
        "DISCOUNT_VOUCHER",
        "AMOUNT",
        1000,
    )
    redeemed = vouchers(w).get_voucher(w.codes[0])
    assert (redeemed.redemption.redeemed_quantity, redeemed.campaign_id) == (1, w.coupons["id"])


@check("VouchersApi.list_vouchers")
def list_vouchers(w: World) -> None:
    listing = vouchers(w).list_vouchers(campaign_id=w.coupons["id"], limit=100)
    assert sorted(v.code for v in listing.vouchers) == w.codes
    assert listing.total == COUPON_COUNT


@check("VouchersApi.update_voucher")
def update_voucher(w: World) -> None:
    standalone(w, "WALK-UPDATE")
    updated = vouchers(w).update_voucher(
        "WALK-UPDATE", voucherify.VouchersUpdateRequestBody(metadata={"round": 2})
    )
    assert updated.metadata == {"round": 2}
    assert vouchers(w).get_voucher("WALK-UPDATE").metadata == {"round": 2}


@check("VouchersApi.delete_voucher")
def delete_voucher(w: World) -> None:
    standalone(w, "WALK-DELETE")
    vouchers(w).delete_voucher("WALK-DELETE", force=True)
    status, _ = w.api.call("GET", "/v1/vouchers/WALK-DELETE")
    assert status == 404


@check("VouchersApi.disable_voucher")
def disable_voucher(w: World) -> None:
    standalone(w, "WALK-DISABLE")
    assert vouchers(w).disable_voucher("WALK-DISABLE").active is False
    assert vouchers(w).get_voucher("WALK-DISABLE").active is False


@check("VouchersApi.enable_voucher")
def enable_voucher(w: World) -> None:
    standalone(w, "WALK-ENABLE", active=False)
    assert vouchers(w).enable_voucher("WALK-ENABLE").active is True
    assert vouchers(w).get_voucher("WALK-ENABLE").active is True


@check("VouchersApi.update_voucher_balance")
def update_voucher_balance(w: World) -> None:
    gift_card(w, "WALK-GIFT-BALANCE")
    added = vouchers(w).update_voucher_balance(
        "WALK-GIFT-BALANCE", voucherify.VouchersBalanceUpdateRequestBody(amount=1000)
    )
    assert (added.amount, added.total, added.balance, added.type) == (
        1000,
        6000,
        6000,
        "gift_voucher",
    )
    assert vouchers(w).get_voucher("WALK-GIFT-BALANCE").gift.balance == 6000


@check("VouchersApi.list_voucher_transactions")
def list_voucher_transactions(w: World) -> None:
    gift_card(w, "WALK-GIFT-LOG")
    ok(w.api, "POST", "/v1/vouchers/WALK-GIFT-LOG/balance", {"amount": 1000, "reason": "top-up"})
    (added,) = vouchers(w).list_voucher_transactions("WALK-GIFT-LOG").data
    assert (added.type, added.reason) == ("CREDITS_ADDITION", "top-up")
    assert (added.details.balance.amount, added.details.balance.balance) == (1000, 6000)


@check("VouchersApi.export_voucher_transactions")
def export_voucher_transactions(w: World) -> None:
    export = vouchers(w).export_voucher_transactions(
        w.gift,
        model(
            voucherify.VouchersTransactionsExportCreateRequestBody,
            {"parameters": {"fields": ["id", "amount"]}},
        ),
    )
    assert (export.object, export.exported_object) == ("export", "voucher_transactions")
    assert export.parameters.filters.voucher_id is not None  # the voucher's scope
    assert exported_lines(w, export.id)[0] == "id,amount"


@check("VouchersApi.import_vouchers")
def import_vouchers(w: World) -> None:
    started = vouchers(w).import_vouchers(
        [
            model(
                voucherify.VouchersImportCreateItemRequestBody,
                {
                    "code": "WALK-IMPORTED",
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 700},
                    "metadata": {"batch": "walk"},
                },
            ),
            model(
                voucherify.VouchersImportCreateItemRequestBody,
                {"code": "import", "type": "GIFT_VOUCHER", "gift": {"amount": 100}},
            ),
        ]
    )
    done = wait_action(w.api, started.async_action_id)
    assert (done["type"], done["result"]["done_count"]) == ("VOUCHERS.IMPORT", 1)
    assert [f["code"] for f in done["result"]["failed"]] == ["import"]  # a route's word
    imported = vouchers(w).get_voucher("WALK-IMPORTED")
    assert (imported.discount.amount_off, imported.metadata) == (700, {"batch": "walk"})
    assert imported.campaign_id is None


@check("VouchersApi.import_vouchers_using_csv")
def import_vouchers_using_csv(w: World) -> None:
    csv = (
        b"Code,Voucher Type,Value,Discount Type,Redemption Limit,Active,Color\n"
        b"WALK-CSV-V,DISCOUNT_VOUCHER,7,AMOUNT,3,true,red\n"
        b"WALK-CSV-G,GIFT_VOUCHER,12.5,,,,\n"
        b"WALK-CSV-BAD,DISCOUNT_VOUCHER,7,AMOUNT,many,,\n"
    )
    started = vouchers(w).import_vouchers_using_csv(csv)
    done = wait_action(w.api, started.async_action_id)
    assert (done["type"], done["result"]["done_count"]) == ("VOUCHERS.IMPORT_CSV", 2)
    assert [(f["row"], f["code"]) for f in done["result"]["failed"]] == [(3, "WALK-CSV-BAD")]
    discount = vouchers(w).get_voucher("WALK-CSV-V")
    assert (discount.discount.amount_off, discount.redemption.quantity) == (700, 3)
    assert discount.metadata == {"Color": "red"}
    assert vouchers(w).get_voucher("WALK-CSV-G").gift.amount == 1250


@check("VouchersApi.update_vouchers_in_bulk")
def update_vouchers_in_bulk(w: World) -> None:
    standalone(w, "WALK-BULK")
    started = vouchers(w).update_vouchers_in_bulk(
        [voucherify.VouchersUpdateInBulkItemRequestBody(code="WALK-BULK", metadata={"bulk": 1})]
    )
    done = wait_action(w.api, started.async_action_id)
    assert (done["type"], done["status"]) == ("VOUCHERS.BULK_UPDATE", "DONE")
    assert vouchers(w).get_voucher("WALK-BULK").metadata == {"bulk": 1}


@check("VouchersApi.update_vouchers_metadata_in_bulk")
def update_vouchers_metadata_in_bulk(w: World) -> None:
    standalone(w, "WALK-META")
    started = vouchers(w).update_vouchers_metadata_in_bulk(
        voucherify.VouchersMetadataUpdateInBulkRequestBody(
            codes=["WALK-META", "WALK-META-GHOST"], metadata={"m": 2}
        )
    )
    done = wait_action(w.api, started.async_action_id)
    assert done["type"] == "VOUCHERS.METADATA_UPDATE"
    assert [f["code"] for f in done["result"]["failed"]] == ["WALK-META-GHOST"]
    assert vouchers(w).get_voucher("WALK-META").metadata == {"m": 2}


@check("VouchersApi.release_validation_session")
def release_validation_session(w: World) -> None:
    standalone(w, "WALK-SESSION", redemption={"quantity": 1})
    validated = ok(
        w.api,
        "POST",
        "/v1/validations",
        {
            "redeemables": [{"object": "voucher", "id": "WALK-SESSION"}],
            "customer": {"source_id": "cov-ann"},
            "order": {"amount": 1000},
            "session": {"type": "LOCK", "ttl": 1, "ttl_unit": "HOURS"},
        },
    )
    session = validated["session"]
    assert (session["type"], session["ttl"], session["ttl_unit"]) == ("LOCK", 1, "HOURS")
    key = session["key"]
    assert key.startswith("ssn_")
    redeem_by_bob = {
        "redeemables": [{"object": "voucher", "id": "WALK-SESSION"}],
        "customer": {"source_id": "cov-bob"},
    }
    status, refused = w.api.call("POST", "/v1/redemptions", redeem_by_bob)
    assert (status, refused["key"]) == (400, "quantity_exceeded")  # ann's session holds it
    assert vouchers(w).release_validation_session("WALK-SESSION", key) is None
    ok(w.api, "POST", "/v1/redemptions", redeem_by_bob)
