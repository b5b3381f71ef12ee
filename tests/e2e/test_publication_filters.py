"""``GET /v1/publications`` with Voucherify's advanced ``filters[...]``, sent by the official
SDK (its models, its ``None`` for unset operators, its Python-repr lists) and by hand."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify
from voucherify import PublicationsApi

from tests.e2e.conftest import Api
from tests.e2e.sdk_builders import discount_campaign, from_campaign, publish


def string_filter(**conditions: Any) -> voucherify.FilterConditionsString:
    return voucherify.FilterConditionsString(**conditions)


@pytest.fixture
def published(sdk: voucherify.ApiClient) -> dict[str, Any]:
    discount_campaign(sdk, "Filters A", vouchers_count=3)
    discount_campaign(sdk, "Filters B", vouchers_count=2)
    made = {
        "ann-a": publish(sdk, "flt-ann", campaign=from_campaign("Filters A")),
        "ann-b": publish(sdk, "flt-ann", campaign=from_campaign("Filters B")),
        "bob-a": publish(sdk, "flt-bob", campaign=from_campaign("Filters A"), source_id="src-9"),
    }
    return made


def ids(listing: Any) -> set[str]:
    return {p.id for p in listing.publications}


def test_the_sdk_filters_by_customer_campaign_and_source(
    sdk: voucherify.ApiClient, published: dict[str, Any]
) -> None:
    api = PublicationsApi(sdk)
    ann = published["ann-a"].customer_id
    by_customer = api.list_publications(
        filters=voucherify.ParameterFiltersListPublications(
            customer_id=voucherify.ParameterFiltersListPublicationsCustomerId(
                conditions=string_filter(var_in=[ann])
            )
        )
    )
    assert ids(by_customer) == {published["ann-a"].id, published["ann-b"].id}
    by_campaign = api.list_publications(
        filters=voucherify.ParameterFiltersListPublications(
            campaign_name=voucherify.ParameterFiltersListPublicationsCampaignName(
                conditions=string_filter(var_is="Filters A")
            )
        )
    )
    assert ids(by_campaign) == {published["ann-a"].id, published["bob-a"].id}
    either = api.list_publications(
        filters=voucherify.ParameterFiltersListPublications(
            junction="or",
            source_id=voucherify.ParameterFiltersListPublicationsSourceId(
                conditions=string_filter(var_is="src-9")
            ),
            campaign_name=voucherify.ParameterFiltersListPublicationsCampaignName(
                conditions=string_filter(var_is="Filters B")
            ),
        )
    )
    assert ids(either) == {published["bob-a"].id, published["ann-b"].id}


def test_raw_filters_with_every_operator(api: Api, published: dict[str, Any]) -> None:
    ann_a, bob_a = published["ann-a"], published["bob-a"]

    def query(q: str) -> set[str]:
        status, listing = api.call("GET", f"/v1/publications?limit=100&{q}")
        assert status == 200, listing
        return {p["id"] for p in listing["publications"]}

    everything = query("")
    assert len(everything) == 3
    assert query("filters[campaign_name][conditions][$starts_with]=Filters") == everything
    assert query("filters[campaign_name][conditions][$ends_with]=B") == {published["ann-b"].id}
    assert query("filters[campaign_name][conditions][$contains]=ers%20A") == {ann_a.id, bob_a.id}
    assert query("filters[campaign_name][conditions][$not_contain]=A") == {published["ann-b"].id}
    assert query("filters[source_id][conditions][$has_value]=true") == {bob_a.id}
    assert query("filters[source_id][conditions][$is_unknown]=true") == everything - {bob_a.id}
    assert query("filters[customer_id][conditions][$not_in]=" + f"['{ann_a.customer_id}']") == {
        bob_a.id
    }
    assert query(f"filters[related_object_id][conditions][$is]={ann_a.voucher.id}") == {ann_a.id}
    assert query(f"filters[parent_object_id][conditions][$is]={ann_a.voucher.campaign_id}") == {
        ann_a.id,
        bob_a.id,
    }
    assert query("filters[voucher_type][conditions][$is]=discount") == everything
    assert query("filters[result][conditions][$in]=['SUCCESS']") == everything
    assert query("filters[result][conditions][$is]=FAILURE") == set()
    assert query("filters[failure_code][conditions][$is_unknown]=true") == everything
    # What the SDK sends for unset operators is ignored.
    assert query("filters[result][conditions][$in]=None&filters[junction]=None") == everything


@pytest.mark.parametrize(
    "q",
    [
        "filters[shoe_size][conditions][$is]=1",
        "filters[source_id][conditions][$like]=x",
        "filters[source_id][conditions]=x",
        "filters[junction]=xor&filters[source_id][conditions][$is]=a",
        "filters[source_id]=a",
    ],
)
def test_bad_filters_are_400(api: Api, q: str) -> None:
    status, error = api.call("GET", f"/v1/publications?{q}")
    assert status == 400, error
    assert error["key"] == "invalid_query_params"
