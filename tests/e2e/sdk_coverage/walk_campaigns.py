"""Checks of CampaignsApi, PublicationsApi, AsyncActionsApi and ExportsApi."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import voucherify
from voucherify import AsyncActionsApi, CampaignsApi, ExportsApi, PublicationsApi, VouchersApi
from voucherify.exceptions import NotFoundException

from tests.e2e.sdk_coverage.table import check
from tests.e2e.sdk_coverage.world import (
    COUPON_COUNT,
    SEED_POINTS,
    World,
    coupon_campaign,
    model,
    ok,
    wait_action,
    wait_done,
)


def campaigns(w: World) -> CampaignsApi:
    return CampaignsApi(w.sdk)


@check("CampaignsApi.create_campaign")
def create_campaign(w: World) -> None:
    created = campaigns(w).create_campaign(
        model(
            voucherify.CampaignsCreateRequestBody,
            {
                "name": "Walk created",
                "campaign_type": "DISCOUNT_COUPONS",
                "type": "STATIC",
                "metadata": {"walk": True},
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 250},
                },
            },
        )
    )
    assert created.id.startswith("camp_")
    assert (created.name, created.campaign_type, created.type) == (
        "Walk created",
        "DISCOUNT_COUPONS",
        "STATIC",
    )
    assert (created.voucher.discount.type, created.voucher.discount.amount_off) == ("AMOUNT", 250)
    assert created.metadata == {"walk": True}


@check("CampaignsApi.get_campaign")
def get_campaign(w: World) -> None:
    got = campaigns(w).get_campaign(w.coupons["id"])
    assert (got.id, got.name, got.vouchers_count) == (
        w.coupons["id"],
        "Cover coupons",
        COUPON_COUNT,
    )
    assert got.voucher.discount.percent_off == 10


@check("CampaignsApi.list_campaigns")
def list_campaigns(w: World) -> None:
    listing = campaigns(w).list_campaigns(limit=100)
    ids = {c.id for c in listing.campaigns}
    assert {w.coupons["id"], w.promotion["id"], w.referral["id"]} <= ids
    assert listing.total == len(listing.campaigns)


@check("CampaignsApi.update_campaign")
def update_campaign(w: World) -> None:
    campaign = coupon_campaign(w.api, "Walk update")
    updated = campaigns(w).update_campaign(
        campaign["id"],
        voucherify.CampaignsUpdateRequestBody(
            description="Updated by the walk", metadata={"round": 2}
        ),
    )
    assert (updated.description, updated.metadata) == ("Updated by the walk", {"round": 2})
    assert campaigns(w).get_campaign(campaign["id"]).description == "Updated by the walk"


@check("CampaignsApi.delete_campaign")
def delete_campaign(w: World) -> None:
    campaign = coupon_campaign(w.api, "Walk delete", 1)
    deleted = campaigns(w).delete_campaign(campaign["id"])
    wait_action(w.api, deleted.async_action_id)
    status, _ = w.api.call("GET", f"/v1/campaigns/{campaign['id']}")
    assert status == 404


@check("CampaignsApi.disable_campaign")
def disable_campaign(w: World) -> None:
    campaign = coupon_campaign(w.api, "Walk disable")
    campaigns(w).disable_campaign(campaign["id"])
    assert campaigns(w).get_campaign(campaign["id"]).active is False


@check("CampaignsApi.enable_campaign")
def enable_campaign(w: World) -> None:
    campaign = coupon_campaign(w.api, "Walk enable")
    ok(w.api, "POST", f"/v1/campaigns/{campaign['id']}/disable")
    campaigns(w).enable_campaign(campaign["id"])
    assert campaigns(w).get_campaign(campaign["id"]).active is True


@check("CampaignsApi.add_vouchers_to_campaign")
def add_vouchers_to_campaign(w: World) -> None:
    campaign = coupon_campaign(w.api, "Walk add")
    added = campaigns(w).add_vouchers_to_campaign(
        campaign["id"], 1, voucherify.CampaignsVouchersCreateInBulkRequestBody()
    )
    assert added.code.startswith("COV-")
    assert (added.campaign_id, added.discount.percent_off) == (campaign["id"], 10)
    assert campaigns(w).get_campaign(campaign["id"]).vouchers_count == 1


@check("CampaignsApi.add_voucher_with_specific_code_to_campaign")
def add_voucher_with_specific_code_to_campaign(w: World) -> None:
    campaign = coupon_campaign(w.api, "Walk add code")
    added = campaigns(w).add_voucher_with_specific_code_to_campaign(
        campaign["id"], "WALK-SPECIFIC", voucherify.CampaignsVouchersCreateRequestBody()
    )
    assert (added.code, added.campaign_id) == ("WALK-SPECIFIC", campaign["id"])
    assert VouchersApi(w.sdk).get_voucher("WALK-SPECIFIC").discount.percent_off == 10


@check("CampaignsApi.import_vouchers_to_campaign")
def import_vouchers_to_campaign(w: World) -> None:
    campaign = coupon_campaign(w.api, "Walk import")
    started = campaigns(w).import_vouchers_to_campaign(
        campaign["id"],
        [voucherify.CampaignsImportVoucherItem(code=c) for c in ("WALK-IMP-1", "WALK-IMP-2")],
    )
    wait_action(w.api, started.async_action_id)
    listed = VouchersApi(w.sdk).list_vouchers(campaign_id=campaign["id"], limit=10)
    assert sorted(v.code for v in listed.vouchers) == ["WALK-IMP-1", "WALK-IMP-2"]


@check("CampaignsApi.import_vouchers_to_campaign_using_csv")
def import_vouchers_to_campaign_using_csv(w: World) -> None:
    campaign = coupon_campaign(w.api, "Walk import CSV")
    started = campaigns(w).import_vouchers_to_campaign_using_csv(
        campaign["id"], b"Code,Category\nWALK-CSV-1,csv\nWALK-CSV-2,\nbulk,\n"
    )
    done = wait_action(w.api, started.async_action_id)
    assert (done["type"], done["result"]["done_count"]) == ("CAMPAIGN.VOUCHERS_IMPORT_CSV", 2)
    assert [f["code"] for f in done["result"]["failed"]] == ["bulk"]
    listed = VouchersApi(w.sdk).list_vouchers(campaign_id=campaign["id"], limit=10)
    assert sorted(v.code for v in listed.vouchers) == ["WALK-CSV-1", "WALK-CSV-2"]
    assert VouchersApi(w.sdk).get_voucher("WALK-CSV-1").category == "csv"


@check("CampaignsApi.get_campaign_summary")
def get_campaign_summary(w: World) -> None:
    summary = campaigns(w).get_campaign_summary(w.coupons["id"])
    assert (summary.object, summary.campaign.id) == ("campaign_summary", w.coupons["id"])
    assert (summary.redemptions, summary.redemptions_succeeded) == (1, 1)
    assert summary.vouchers_created == COUPON_COUNT
    assert summary.discounted_amount == 1000  # 10% of the 100.00 order
    assert summary.orders_amount == 10000
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    later = campaigns(w).get_campaign_summary(w.coupons["id"], start_date=tomorrow)
    assert (later.redemptions, later.vouchers_created, later.discounted_amount) == (0, 0, 0)
    club = campaigns(w).get_campaign_summary(w.club["id"])
    assert (club.points_added, club.publications) == (SEED_POINTS, 1)


@check("CampaignsApi.list_campaign_transactions")
def list_campaign_transactions(w: World) -> None:
    listing = campaigns(w).list_campaign_transactions(w.club["id"])
    (seed,) = [t for t in listing.data if t.type == "POINTS_ADDITION"]
    assert (seed.campaign_id, listing.has_more) == (w.club["id"], False)
    assert seed.details.balance.balance == SEED_POINTS


@check("CampaignsApi.export_campaign_transactions")
def export_campaign_transactions(w: World) -> None:
    export = campaigns(w).export_campaign_transactions(
        w.club["id"],
        model(
            voucherify.CampaignsTransactionsExportCreateRequestBody,
            {"parameters": {"fields": ["id", "type"]}},
        ),
    )
    assert (export.object, export.exported_object) == ("export", "voucher_transactions")
    header, *rows = exported_lines(w, export.id)
    assert header == "id,type"
    assert any(row.endswith(",POINTS_ADDITION") for row in rows)  # the card's seed points


# --- publications ------------------------------------------------------------------------


@check("PublicationsApi.create_publication")
def create_publication(w: World) -> None:
    published = PublicationsApi(w.sdk).create_publication(
        publications_create_request_body=voucherify.PublicationsCreateRequestBody(
            customer=voucherify.Customer(source_id="cov-bob"), voucher=w.codes[2]
        )
    )
    assert (published.voucher.code, published.customer.source_id) == (w.codes[2], "cov-bob")
    assert (published.result, published.customer_id) == ("SUCCESS", w.bob["id"])


@check("PublicationsApi.create_publication1")
def create_publication1(w: World) -> None:
    campaign = coupon_campaign(w.api, "Walk publish by GET", 1)
    published = PublicationsApi(w.sdk).create_publication1(
        customer=voucherify.Customer(source_id="cov-bob"),
        campaign=voucherify.CreatePublicationCampaign(name=campaign["name"]),
    )
    assert published.voucher.campaign_id == campaign["id"]
    assert published.voucher.holder_id == w.bob["id"]


@check("PublicationsApi.list_publications")
def list_publications(w: World) -> None:
    listing = PublicationsApi(w.sdk).list_publications(customer=w.ann["id"], limit=100)
    codes = {p.voucher.code for p in listing.publications}
    assert {w.codes[1], w.referral_code} <= codes
    assert all(p.customer_id == w.ann["id"] for p in listing.publications)


# --- async actions -----------------------------------------------------------------------


@check("AsyncActionsApi.get_async_action")
def get_async_action(w: World) -> None:
    campaign = coupon_campaign(w.api, "Walk async")
    started = ok(w.api, "POST", f"/v1/campaigns/{campaign['id']}/import", [{"code": "WALK-ASYNC"}])
    wait_action(w.api, started["async_action_id"])
    action = AsyncActionsApi(w.sdk).get_async_action(started["async_action_id"])
    assert (action.id, action.type, action.status) == (
        started["async_action_id"],
        "CAMPAIGN.VOUCHERS_IMPORT",
        "DONE",
    )
    assert action.progress == 100


@check("AsyncActionsApi.list_async_actions")
def list_async_actions(w: World) -> None:
    # The data set made none: the coupons' codes are made by the campaign itself.
    campaign = coupon_campaign(w.api, "Walk async list")
    started = ok(w.api, "POST", f"/v1/campaigns/{campaign['id']}/import", [{"code": "WALK-AL"}])
    wait_action(w.api, started["async_action_id"])
    listing = AsyncActionsApi(w.sdk).list_async_actions(limit=100)
    assert started["async_action_id"] in [a.id for a in listing.async_actions]


# --- exports -----------------------------------------------------------------------------


def exported_lines(w: World, export_id: str) -> list[str]:
    """The lines of a finished export's CSV, downloaded as the SDK does (with its token)."""
    wait_done(w.api, f"/v1/exports/{export_id}")
    url = ExportsApi(w.sdk).get_export(export_id).result.url
    csv = ExportsApi(w.sdk).download_export(export_id, token=url.split("token=")[1])
    return csv.splitlines()


def voucher_export(w: World) -> voucherify.ExportsCreateResponseBody:
    return ExportsApi(w.sdk).create_export(
        model(
            voucherify.ExportsCreateRequestBody,
            {"exported_object": "voucher", "parameters": {"fields": ["code", "campaign"]}},
        )
    )


@check("ExportsApi.create_export")
def create_export(w: World) -> None:
    export = voucher_export(w)
    assert (export.object, export.exported_object, export.status) == (
        "export",
        "voucher",
        "SCHEDULED",
    )


@check("ExportsApi.get_export")
def get_export(w: World) -> None:
    export = voucher_export(w)
    assert ExportsApi(w.sdk).get_export(export.id).id == export.id


@check("ExportsApi.list_exports")
def list_exports(w: World) -> None:
    export = voucher_export(w)
    assert export.id in [e.id for e in ExportsApi(w.sdk).list_exports().exports]


@check("ExportsApi.download_export")
def download_export(w: World) -> None:
    export = voucher_export(w)
    wait_done(w.api, f"/v1/exports/{export.id}")
    done = ExportsApi(w.sdk).get_export(export.id)
    token = done.result.url.split("token=")[1]
    csv = ExportsApi(w.sdk).download_export(export.id, token=token)
    assert csv.splitlines()[0] == "code,campaign"
    assert w.voucher in csv


@check("ExportsApi.delete_export")
def delete_export(w: World) -> None:
    export = voucher_export(w)
    ExportsApi(w.sdk).delete_export(export.id)
    try:
        ExportsApi(w.sdk).get_export(export.id)
    except NotFoundException:
        return
    raise AssertionError("a deleted export is still there")
