"""Raw HTTP: campaigns, codes and publications refuse bad input clearly and change nothing."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest

from tests.e2e.conftest import Api

WAIT_SECONDS = 15.0
POLL_SECONDS = 0.05
DISCOUNT = {"type": "AMOUNT", "amount_off": 500}
ERROR_KEYS = {"code", "key", "message", "details", "request_id"}


def assert_error(body: Any, code: int, key: str | None = None) -> None:
    assert body["code"] == code
    assert ERROR_KEYS <= set(body)
    assert body["request_id"].startswith("v-")
    if key is not None:
        assert body["key"] == key


def campaign_body(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "campaign_type": "DISCOUNT_COUPONS",
        "voucher": {"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT},
        **fields,
    }


def create_campaign(api: Api, name: str, **fields: Any) -> dict[str, Any]:
    """A campaign, once the worker has made its codes."""
    status, campaign = api.call("POST", "/v1/campaigns", campaign_body(name, **fields))
    assert status == 200, campaign
    deadline = time.monotonic() + WAIT_SECONDS
    while campaign["creation_status"] != "DONE":
        assert time.monotonic() < deadline, campaign
        time.sleep(POLL_SECONDS)
        status, campaign = api.call("GET", f"/v1/campaigns/{campaign['id']}")
        assert status == 200
    return campaign


def publish(api: Api, customer: dict[str, Any], **body: Any) -> tuple[int, Any]:
    return api.call("POST", "/v1/publications", {"customer": customer, **body})


CAMPAIGN_FIELDS = ("id", "name", "active", "vouchers_count", "updated_at", "voucher", "promotion")
VOUCHER_FIELDS = ("code", "holder_id", "active", "updated_at", "discount", "metadata")


def snapshot(api: Api) -> dict[str, Any]:
    """What storage holds for this project: campaigns, codes and who holds them, publications,
    customers and async actions."""

    def listing(path: str, key: str, fields: tuple[str, ...] = ("id",)) -> Any:
        status, body = api.call("GET", f"{path}?limit=100")
        assert status == 200, body
        rows = (orjson.dumps({f: item.get(f) for f in fields}) for item in body[key])
        return body.get("total"), sorted(rows)

    return {
        "campaigns": listing("/v1/campaigns", "campaigns", CAMPAIGN_FIELDS),
        "vouchers": listing("/v1/vouchers", "vouchers", VOUCHER_FIELDS),
        "publications": listing("/v1/publications", "publications"),
        "customers": listing("/v1/customers", "customers"),
        "async_actions": listing("/v1/async-actions", "async_actions"),
    }


@pytest.fixture
def seeded(api: Api) -> dict[str, Any]:
    """A campaign "Seed" with two codes (one published to "ann"), a standalone code "TAKEN",
    and a deleted customer, "gone"."""
    create_campaign(api, "Seed", vouchers_count=2)
    status, published = publish(api, {"source_id": "ann"}, campaign={"name": "Seed"})
    assert status == 200, published
    status, body = api.call(
        "POST", "/v1/vouchers/TAKEN", {"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT}
    )
    assert status == 200, body
    status, gone = api.call("POST", "/v1/customers", {"source_id": "gone"})
    assert status == 200
    assert api.call("DELETE", f"/v1/customers/{gone['id']}")[0] == 204
    state = snapshot(api)
    state["published_code"] = published["voucher"]["code"]
    state["gone_id"] = gone["id"]
    return state


def assert_unchanged(api: Api, seeded: dict[str, Any]) -> None:
    state = snapshot(api)
    assert state == {k: seeded[k] for k in state}


# --- code_config ---------------------------------------------------------------------------

BAD_CONFIGS = [
    pytest.param({"pattern": "ABCD-EFGH"}, 1, "pattern", id="pattern-without-hash"),
    pytest.param({"charset": "ABCA"}, 1, "charset", id="charset-repeats-a-character"),
    pytest.param({"charset": ""}, 1, "charset", id="empty-charset"),
    pytest.param({"length": 0}, 1, "length", id="zero-length"),
    pytest.param({"pattern": "#" * 101}, 1, "100", id="codes-too-long"),
    pytest.param(
        {"pattern": "##", "charset": "0123456789"}, 100, "100 distinct codes", id="space-too-small"
    ),
]


@pytest.mark.parametrize(("config", "count", "detail"), BAD_CONFIGS)
def test_a_campaign_with_an_invalid_code_config_is_refused(
    api: Api, seeded: dict[str, Any], config: dict[str, Any], count: int, detail: str
) -> None:
    body = campaign_body("Broken", vouchers_count=count)
    body["voucher"]["code_config"] = config
    status, answer = api.call("POST", "/v1/campaigns", body)
    assert status == 400
    assert_error(answer, 400, "invalid_code_config")
    assert detail in answer["details"]
    assert_unchanged(api, seeded)


@pytest.mark.parametrize(("config", "count", "detail"), BAD_CONFIGS)
def test_codes_added_with_an_invalid_code_config_are_refused(
    api: Api, seeded: dict[str, Any], config: dict[str, Any], count: int, detail: str
) -> None:
    status, answer = api.call(
        "POST", f"/v1/campaigns/Seed/vouchers?vouchers_count={count}", {"code_config": config}
    )
    assert status == 400
    assert_error(answer, 400, "invalid_code_config")
    assert detail in answer["details"]
    if count == 1:  # one random code: only the shape of the config can be wrong
        status, answer = api.call(
            "POST",
            "/v1/vouchers",
            {"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT, "code_config": config},
        )
        assert status == 400
        assert_error(answer, 400, "invalid_code_config")
        assert detail in answer["details"]
    assert_unchanged(api, seeded)


def test_the_campaigns_own_config_counts_the_codes_it_has_already(api: Api) -> None:
    create_campaign(
        api,
        "Small",
        vouchers_count=2,
        voucher={
            "type": "DISCOUNT_VOUCHER",
            "discount": DISCOUNT,
            "code_config": {"pattern": "#", "charset": "0123456789"},
        },
    )
    before = snapshot(api)
    # 2 codes exist; 4 more make 6, which need room for 12: the pattern makes only 10.
    status, answer = api.call("POST", "/v1/campaigns/Small/vouchers?vouchers_count=4")
    assert status == 400
    assert_error(answer, 400, "invalid_code_config")
    assert snapshot(api) == before


# --- unknown campaigns ---------------------------------------------------------------------


UNKNOWN_CAMPAIGN_CALLS = [
    ("GET", "/v1/campaigns/camp_unknown", None),
    ("PUT", "/v1/campaigns/camp_unknown", {"description": "x"}),
    ("DELETE", "/v1/campaigns/camp_unknown", None),
    ("POST", "/v1/campaigns/camp_unknown/enable", None),
    ("POST", "/v1/campaigns/camp_unknown/disable", None),
    ("POST", "/v1/campaigns/camp_unknown/vouchers", None),
    ("POST", "/v1/campaigns/camp_unknown/vouchers?vouchers_count=3", None),
    ("POST", "/v1/campaigns/camp_unknown/vouchers/NEW-CODE", None),
    ("POST", "/v1/campaigns/camp_unknown/import", [{"code": "NEW-CODE"}]),
    ("POST", "/v1/vouchers", {"campaign": "camp_unknown"}),
    ("POST", "/v1/vouchers/NEW-CODE", {"campaign_id": "camp_unknown"}),
    (
        "POST",
        "/v1/publications",
        {"campaign": {"name": "camp_unknown"}, "customer": {"source_id": "new"}},
    ),
    ("GET", "/v1/publications/create?campaign[name]=camp_unknown&customer[source_id]=new", None),
]


def test_unknown_campaigns_are_404_naming_the_campaign(api: Api, seeded: dict[str, Any]) -> None:
    for method, path, payload in UNKNOWN_CAMPAIGN_CALLS:
        status, answer = api.call(method, path, payload)
        assert status == 404, (method, path, answer)
        assert_error(answer, 404, "not_found")
        assert (answer["resource_type"], answer["resource_id"]) == ("campaign", "camp_unknown")
        assert_unchanged(api, seeded)


def test_a_deleted_campaign_is_unknown_too(api: Api) -> None:
    campaign = create_campaign(api, "Deleted")
    status, _ = api.call("DELETE", f"/v1/campaigns/{campaign['id']}")
    assert status == 200
    before = snapshot(api)
    for method, path in [
        ("GET", f"/v1/campaigns/{campaign['id']}"),
        ("PUT", "/v1/campaigns/Deleted"),
        ("POST", "/v1/campaigns/Deleted/vouchers"),
        ("POST", f"/v1/campaigns/{campaign['id']}/enable"),
    ]:
        status, answer = api.call(method, path, {})
        assert status == 404, path
        assert_error(answer, 404, "not_found")
    status, answer = publish(api, {"source_id": "new"}, campaign={"name": "Deleted"})
    assert status == 404
    assert snapshot(api) == before


# --- counts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "key"),
    [
        (b"-1", "invalid_payload"),
        (b"5000001", "invalid_campaign_params"),
        # Beyond int64: refused before any field is read, like any such integer.
        (b"1" + b"0" * 30, "invalid_payload"),
        (b'"5"', "invalid_payload"),
        (b"2.5", "invalid_payload"),
        (b"true", "invalid_payload"),
    ],
)
def test_a_campaign_with_a_negative_or_huge_vouchers_count_is_refused(
    api: Api, seeded: dict[str, Any], count: bytes, key: str
) -> None:
    body = orjson.dumps(campaign_body("Counted", vouchers_count="COUNT"))
    status, answer = api.call("POST", "/v1/campaigns", raw=body.replace(b'"COUNT"', count))
    assert status == 400
    assert_error(answer, 400, key)
    assert "vouchers_count" in answer["details"]
    assert_unchanged(api, seeded)


@pytest.mark.parametrize("count", ["-1", "0", "5000001", "many", "2.5"])
def test_adding_a_negative_zero_or_huge_number_of_codes_is_refused(
    api: Api, seeded: dict[str, Any], count: str
) -> None:
    status, answer = api.call("POST", f"/v1/campaigns/Seed/vouchers?vouchers_count={count}")
    assert status == 400
    assert_error(answer, 400, "invalid_query_params")
    assert "vouchers_count" in answer["details"]
    assert_unchanged(api, seeded)


@pytest.mark.parametrize("count", [0, 51, -1])
def test_publishing_zero_or_more_than_50_codes_at_once_is_refused(
    api: Api, seeded: dict[str, Any], count: int
) -> None:
    status, answer = publish(api, {"source_id": "new"}, campaign={"name": "Seed", "count": count})
    assert status == 400
    assert_error(answer, 400, "invalid_payload")
    assert "count" in answer["details"]
    status, answer = api.call(
        "GET",
        f"/v1/publications/create?campaign[name]=Seed&campaign[count]={count}"
        "&customer[source_id]=new",
    )
    assert status == 400
    assert_error(answer, 400, "invalid_payload")
    assert "count" in answer["details"]
    assert_unchanged(api, seeded)


def test_a_source_id_with_several_codes_is_refused(api: Api, seeded: dict[str, Any]) -> None:
    status, answer = publish(
        api, {"source_id": "new"}, campaign={"name": "Seed", "count": 2}, source_id="crm-1"
    )
    assert status == 400
    assert_error(answer, 400, "invalid_publish_params")
    assert_unchanged(api, seeded)


# --- duplicates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "payload", "resource_type"),
    [
        ("POST", "/v1/campaigns/Seed/vouchers/TAKEN", None, "voucher"),
        (
            "POST",
            "/v1/vouchers/TAKEN",
            {"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT},
            "voucher",
        ),
        ("POST", "/v1/campaigns/Seed/import", [{"code": "FRESH"}, {"code": "TAKEN"}], "voucher"),
        ("POST", "/v1/campaigns", campaign_body("Seed"), "campaign"),
    ],
)
def test_an_existing_code_or_campaign_name_is_a_409(
    api: Api,
    seeded: dict[str, Any],
    method: str,
    path: str,
    payload: Any,
    resource_type: str,
) -> None:
    status, answer = api.call(method, path, payload)
    assert status == 409
    assert_error(answer, 409, "duplicate_found")
    assert answer["resource_type"] == resource_type
    assert_unchanged(api, seeded)


def test_a_code_of_another_campaign_is_a_409_too(api: Api, seeded: dict[str, Any]) -> None:
    code = seeded["published_code"]
    create_campaign(api, "Other")
    before = snapshot(api)
    status, answer = api.call("POST", f"/v1/campaigns/Other/vouchers/{code}")
    assert status == 409
    assert_error(answer, 409, "duplicate_found")
    assert answer["resource_id"] == code
    assert snapshot(api) == before


def test_an_import_repeating_a_code_is_refused(api: Api, seeded: dict[str, Any]) -> None:
    status, answer = api.call(
        "POST", "/v1/campaigns/Seed/import", [{"code": "TWICE"}, {"code": "TWICE"}]
    )
    assert status == 400
    assert_error(answer, 400, "duplicate_found")
    assert_unchanged(api, seeded)


# --- publications that find no code --------------------------------------------------------


def test_publishing_a_code_already_published_is_refused(api: Api, seeded: dict[str, Any]) -> None:
    code = seeded["published_code"]
    for customer in ({"source_id": "bob"}, {"source_id": "ann"}):
        status, answer = publish(api, customer, voucher=code)
        assert status == 400
        assert_error(answer, 400, "no_voucher_suitable_for_publication")
        assert code in answer["details"]
    # "bob" was not created: the refused publication rolled back whole.
    assert_unchanged(api, seeded)


def test_publishing_a_disabled_code_is_refused(api: Api, seeded: dict[str, Any]) -> None:
    status, _ = api.call("POST", "/v1/vouchers/TAKEN/disable")
    assert status == 200
    before = snapshot(api)
    status, answer = publish(api, {"source_id": "bob"}, voucher="TAKEN")
    assert status == 400
    assert_error(answer, 400, "no_voucher_suitable_for_publication")
    assert snapshot(api) == before


def test_publishing_from_a_static_campaign_with_no_codes_left_is_refused(
    api: Api, seeded: dict[str, Any]
) -> None:
    create_campaign(api, "Fixed pool", type="STATIC", vouchers_count=2)
    status, first = publish(api, {"source_id": "ann"}, campaign={"name": "Fixed pool"})
    assert status == 200
    before = snapshot(api)
    # One code is left: asking for two must not take it.
    status, answer = publish(api, {"source_id": "bob"}, campaign={"name": "Fixed pool", "count": 2})
    assert status == 400
    assert_error(answer, 400, "no_voucher_suitable_for_publication")
    assert snapshot(api) == before

    status, second = publish(api, {"source_id": "ann"}, campaign={"name": "Fixed pool"})
    assert status == 200
    assert second["voucher"]["code"] != first["voucher"]["code"]
    before = snapshot(api)
    for customer in ({"source_id": "ann"}, {"source_id": "bob"}):
        status, answer = publish(api, customer, campaign={"name": "Fixed pool"})
        assert status == 400
        assert_error(answer, 400, "no_voucher_suitable_for_publication")
    status, answer = api.call(
        "GET", "/v1/publications/create?campaign[name]=Fixed%20pool&customer[source_id]=bob"
    )
    assert status == 400
    assert_error(answer, 400, "no_voucher_suitable_for_publication")
    assert snapshot(api) == before


def test_publishing_from_a_campaign_without_codes_is_refused(api: Api) -> None:
    status, _ = api.call(
        "POST",
        "/v1/campaigns",
        {"name": "Tiers only", "campaign_type": "PROMOTION", "promotion": {"tiers": []}},
    )
    assert status == 200
    create_campaign(api, "Empty static", type="STATIC")
    before = snapshot(api)
    for name in ("Tiers only", "Empty static"):
        status, answer = publish(api, {"source_id": "bob"}, campaign={"name": name})
        assert status == 400, name
        assert_error(answer, 400, "no_voucher_suitable_for_publication")
    assert snapshot(api) == before


def test_publishing_to_a_deleted_customer_by_id_is_a_404(api: Api, seeded: dict[str, Any]) -> None:
    gone = seeded["gone_id"]
    for body in ({"campaign": {"name": "Seed"}}, {"voucher": "TAKEN"}):
        status, answer = publish(api, {"id": gone}, **body)
        assert status == 404
        assert_error(answer, 404, "not_found")
        assert (answer["resource_type"], answer["resource_id"]) == ("customer", gone)
    status, answer = api.call(
        "GET", f"/v1/publications/create?campaign[name]=Seed&customer[id]={gone}"
    )
    assert status == 404
    assert_unchanged(api, seeded)


@pytest.mark.parametrize(
    "body",
    [
        {"customer": {"source_id": "bob"}},
        {"customer": {"source_id": "bob"}, "voucher": "TAKEN", "campaign": {"name": "Seed"}},
        {"campaign": {"name": "Seed"}},
        {"customer": {"source_id": "bob"}, "campaign": {"count": 1}},
    ],
)
def test_a_publication_needs_a_customer_and_exactly_one_of_code_or_campaign(
    api: Api, seeded: dict[str, Any], body: dict[str, Any]
) -> None:
    status, answer = api.call("POST", "/v1/publications", body)
    assert status == 400
    assert_error(answer, 400)
    assert answer["key"] in ("invalid_payload", "invalid_publish_params")
    assert_unchanged(api, seeded)


# --- malformed bodies and money ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/v1/campaigns", "/v1/vouchers", "/v1/vouchers/NEW-CODE", "/v1/publications"],
)
def test_malformed_json_is_a_400_and_changes_nothing(
    api: Api, seeded: dict[str, Any], path: str
) -> None:
    status, answer = api.call("POST", path, raw=b'{"name": "half')
    assert status == 400
    assert_error(answer, 400, "invalid_payload")
    assert answer["details"] == "Request body is not valid JSON"
    assert_unchanged(api, seeded)


def calls_with_discount(discount: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """Every request that takes a discount, each given ``discount``."""
    return [
        ("POST", "/v1/campaigns", campaign_body("Fractional", voucher={"discount": discount})),
        ("POST", "/v1/vouchers", {"type": "DISCOUNT_VOUCHER", "discount": discount}),
        ("POST", "/v1/vouchers/FRACTION", {"type": "DISCOUNT_VOUCHER", "discount": discount}),
        ("PUT", "/v1/campaigns/Seed", {"discount": discount}),
        ("PUT", "/v1/vouchers/TAKEN", {"discount": discount}),
        (
            "POST",
            "/v1/campaigns",
            {
                "name": "Fractional tiers",
                "campaign_type": "PROMOTION",
                "promotion": {"tiers": [{"name": "T", "action": {"discount": discount}}]},
            },
        ),
    ]


@pytest.mark.parametrize(
    ("discount", "field"),
    [
        ({"type": "AMOUNT", "amount_off": 10.5}, "amount_off"),
        ({"type": "AMOUNT", "amount_off": 10.0}, "amount_off"),
        ({"type": "PERCENT", "percent_off": 10, "amount_limit": 99.9}, "amount_limit"),
        ({"type": "FIXED", "fixed_amount": "1000"}, "fixed_amount"),
    ],
)
def test_money_that_is_not_a_whole_number_is_refused(
    api: Api, seeded: dict[str, Any], discount: dict[str, Any], field: str
) -> None:
    for method, path, payload in calls_with_discount(discount):
        status, answer = api.call(method, path, payload)
        assert status == 400, (method, path, answer)
        assert_error(answer, 400, "invalid_payload")
        assert f"{field} must be an integer" in answer["details"]
        assert_unchanged(api, seeded)


@pytest.mark.parametrize(
    "gift",
    [{"amount": 10.5}, {"amount": 1000, "balance": 99.5}, {"amount": -1}, {"amount": "1000"}],
)
def test_a_gift_that_is_not_a_whole_number_is_refused(
    api: Api, seeded: dict[str, Any], gift: dict[str, Any]
) -> None:
    body = {
        "name": "Gifts",
        "campaign_type": "GIFT_VOUCHERS",
        "voucher": {"type": "GIFT_VOUCHER", "gift": gift},
    }
    status, answer = api.call("POST", "/v1/campaigns", body)
    assert status == 400
    assert_error(answer, 400, "invalid_payload")
    assert "gift" in answer["details"]
    assert_unchanged(api, seeded)


def test_publications_list_in_the_orders_the_sdk_offers(api: Api) -> None:
    for order in ("created_at", "-id", "customer_id", "-channel", "source_id"):
        status, body = api.call("GET", f"/v1/publications?order={order}")
        assert status == 200, order
        assert body["data_ref"] == "publications"
    status, body = api.call("GET", "/v1/publications?order=voucher_code")
    assert status == 400
    assert body["key"] == "invalid_query_params"


def test_a_campaign_named_by_a_plain_string_publishes_and_bad_counts_name_the_field(
    api: Api,
) -> None:
    status, body = api.call(
        "POST",
        "/v1/publications",
        {"campaign": {"name": "Nope", "count": 51}, "customer": {"source_id": "x"}},
    )
    assert status == 400
    assert "campaign.count" in body["details"]
    assert "PublicationCampaignBody" not in body["details"]
    status, body = api.call(
        "POST", "/v1/publications", {"campaign": "Nope", "customer": {"source_id": "x"}}
    )
    assert status == 404
    assert body["resource_type"] == "campaign"


def test_campaigns_and_publications_filter_by_status_type_and_referral(api: Api) -> None:
    status, _ = api.call(
        "POST",
        "/v1/campaigns",
        {"name": "Gifts", "campaign_type": "GIFT_VOUCHERS", "voucher": {"gift": {"amount": 500}}},
    )
    status, _ = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": "Refer",
            "campaign_type": "REFERRAL_PROGRAM",
            "voucher": {"discount": {"type": "AMOUNT", "amount_off": 100}},
        },
    )
    for campaign in ("Gifts", "Refer"):
        status, body = api.call(
            "POST", "/v1/publications", {"campaign": campaign, "customer": {"source_id": "f"}}
        )
        assert status == 200, body
    status, body = api.call("GET", "/v1/campaigns?is_referral_code=true")
    assert [c["name"] for c in body["campaigns"]] == ["Refer"]
    status, body = api.call("GET", "/v1/campaigns?campaign_status=DONE&is_referral_code=false")
    assert "Gifts" in [c["name"] for c in body["campaigns"]]
    status, body = api.call("GET", "/v1/campaigns?campaign_status=FAILED")
    assert body["total"] == 0
    status, body = api.call("GET", "/v1/publications?voucher_type=discount")
    assert [p["voucher"]["campaign"] for p in body["publications"]] == ["Refer"]
    status, body = api.call("GET", "/v1/publications?is_referral_code=false")
    assert [p["voucher"]["campaign"] for p in body["publications"]] == ["Gifts"]
    status, body = api.call("GET", "/v1/publications?result=FAILURE")
    assert body["total"] == 0
    for bad in ("result=MAYBE", "voucher_type=gift", "is_referral_code=yes"):
        status, body = api.call("GET", f"/v1/publications?{bad}")
        assert status == 400, bad
    status, body = api.call("GET", "/v1/campaigns?campaign_status=SOMETIMES")
    assert status == 400
