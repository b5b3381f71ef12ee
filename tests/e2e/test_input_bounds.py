"""Raw HTTP: integers beyond 64 bits, NUL characters and absurd pages are refused with a 400
naming the field (they used to reach storage and answer 500), on every JSON route.

Bodies are encoded with the standard library's ``json`` here: ``orjson`` (the clients' usual
encoder) cannot even write integers beyond 64 bits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from sendout.domain.bounds import INT64_MAX, INT64_MIN, MAX_PAGE, MAX_REDEMPTION_QUANTITY
from tests.e2e.conftest import Api

BIG = INT64_MAX + 1
SMALL = INT64_MIN - 1
DISCOUNT = {"type": "AMOUNT", "amount_off": 500}


def send(api: Api, method: str, path: str, document: Any) -> tuple[int, Any]:
    return api.call(method, path, raw=json.dumps(document).encode())


def created(api: Api, method: str, path: str, document: Any) -> Any:
    status, body = send(api, method, path, document)
    assert status == 200, body
    return body


def loyalty_program(api: Api) -> str:
    program = created(
        api,
        "POST",
        "/v1/loyalties",
        {
            "name": "Bounds club",
            "campaign_type": "LOYALTY_PROGRAM",
            "type": "AUTO_UPDATE",
            "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
        },
    )
    return str(program["id"])


def member_card(api: Api) -> str:
    program = loyalty_program(api)
    card = created(
        api, "POST", f"/v1/loyalties/{program}/members", {"customer": {"source_id": "m"}}
    )
    return str(card["code"])


def gift_card(api: Api) -> str:
    created(
        api, "POST", "/v1/vouchers/BOUNDS-GIFT", {"type": "GIFT_VOUCHER", "gift": {"amount": 1}}
    )
    return "BOUNDS-GIFT"


def customer(api: Api) -> str:
    return str(created(api, "POST", "/v1/customers", {"source_id": "bounded"})["id"])


def distribution(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Bounds",
        "trigger": {"event": "customer.custom_event", "custom_event": "upgraded"},
        "action": {"type": "PLAIN"},
        # Loopback, port 9 (discard): nothing is delivered anyway.
        "channels": [{"event_name": "bounds", "url": "http://127.0.0.1:9/hook"}],
        **fields,
    }


@dataclass(frozen=True)
class Case:
    """A request whose body holds one bad value; ``{}`` in the path is filled by ``setup``."""

    name: str
    method: str
    path: str
    body: Any
    field: str
    setup: Callable[[Api], str] | None = field(default=None, compare=False)

    def call(self, api: Api) -> tuple[int, Any]:
        path = self.path if self.setup is None else self.path.format(self.setup(api))
        return send(api, self.method, path, self.body)


INTEGER_CASES = [
    Case("customer metadata", "POST", "/v1/customers",
         {"source_id": "big", "metadata": {"big": BIG}}, "metadata.big"),
    Case("customer metadata below int64", "PUT", "/v1/customers/{}",
         {"metadata": {"low": SMALL}}, "metadata.low", customer),
    Case("event metadata", "POST", "/v1/events",
         {"event": "upgraded", "customer": {"source_id": "e"}, "metadata": {"n": BIG}},
         "metadata.n"),
    Case("event metadata, deep in a list", "POST", "/v1/events",
         {"event": "upgraded", "customer": {"source_id": "e"},
          "metadata": {"list": [1, {"deep": 2**64}]}}, "metadata.list[1].deep"),
    Case("gift amount", "POST", "/v1/vouchers",
         {"type": "GIFT_VOUCHER", "gift": {"amount": BIG}}, "gift.amount"),
    Case("discount amount", "POST", "/v1/vouchers",
         {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": BIG}},
         "discount.amount_off"),
    Case("campaign discount amount", "POST", "/v1/campaigns",
         {"name": "Big", "voucher": {"type": "DISCOUNT_VOUCHER",
                                     "discount": {"type": "AMOUNT", "amount_off": BIG}}},
         "voucher.discount.amount_off"),
    Case("redemption quantity", "POST", "/v1/vouchers",
         {"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT, "redemption": {"quantity": BIG}},
         "redemption.quantity"),
    Case("gift balance", "POST", "/v1/vouchers/{}/balance", {"amount": BIG}, "amount", gift_card),
    Case("order item quantity", "POST", "/v1/orders",
         {"amount": 100, "items": [{"product_id": "p", "quantity": BIG, "price": 100}]},
         "items[0].quantity"),
    Case("redeemed order amount", "POST", "/v1/redemptions",
         {"redeemables": [{"object": "voucher", "id": "NONE"}], "order": {"amount": BIG}},
         "order.amount"),
    Case("segment filter value", "POST", "/v1/segments",
         {"name": "Big", "type": "auto-update",
          "filter": {"junction": "and",
                     "metadata.size": {"conditions": {"$more_than": [BIG]}}}},
         "filter.metadata.size.conditions.$more_than[0]"),
    Case("distribution condition", "POST", "/v1/distributions",
         distribution(conditions={"event.metadata.n": {"$gt": BIG}}),
         "conditions.event.metadata.n.$gt"),
    Case("retry.max_retries", "POST", "/v1/distributions",
         distribution(channels=[{"event_name": "b", "url": "http://127.0.0.1:9/hook",
                                 "retry": {"max_retries": BIG}}]),
         "channels[0].retry.max_retries"),
    Case("tier points", "POST", "/v1/loyalties/{}/tiers",
         [{"name": "Top", "points": {"from": BIG}}], "[0].points.from", loyalty_program),
    Case("member points", "POST", "/v1/loyalties/members/{}/balance", {"points": BIG}, "points",
         member_card),
]  # fmt: skip

NUL_CASES = [
    Case("customer name", "POST", "/v1/customers", {"source_id": "n", "name": "a\0b"}, "name"),
    Case("metadata key", "POST", "/v1/customers",
         {"source_id": "n", "metadata": {"k\0": 1}}, "metadata.k\\u0000"),
    Case("event customer", "POST", "/v1/events",
         {"event": "upgraded", "customer": {"source_id": "\0"}}, "customer.source_id"),
    Case("event metadata value", "POST", "/v1/events",
         {"event": "upgraded", "customer": {"source_id": "e"}, "metadata": {"note": "\0"}},
         "metadata.note"),
    Case("distribution name", "POST", "/v1/distributions", distribution(name="x\0"), "name"),
    Case("webhook header", "POST", "/v1/distributions",
         distribution(channels=[{"event_name": "b", "url": "http://127.0.0.1:9/hook",
                                 "headers": {"X-Key": "k\0"}}]),
         "channels[0].headers.X-Key"),
    Case("integration secret", "PUT", "/v1/integrations/twilio",
         {"account_sid": "AC" + "0" * 32, "auth_token": "t\0ken",
          "from_number": "+15005550006"}, "auth_token"),
    Case("tier name", "POST", "/v1/loyalties/{}/tiers",
         [{"name": "T\0p", "points": {"from": 0}}], "[0].name", loyalty_program),
]  # fmt: skip


@pytest.mark.parametrize("case", INTEGER_CASES + NUL_CASES, ids=lambda case: case.name)
def test_a_value_storage_cannot_hold_is_a_400_naming_its_field(api: Api, case: Case) -> None:
    status, error = case.call(api)
    assert status == 400, error
    assert error["key"] == "invalid_payload"
    assert error["details"].startswith(f"{case.field}: "), error


def test_the_int64_extremes_are_kept_exactly(api: Api) -> None:
    extremes = {"max": INT64_MAX, "min": INT64_MIN}
    saved = created(api, "POST", "/v1/customers", {"source_id": "edge", "metadata": extremes})
    status, got = api.call("GET", f"/v1/customers/{saved['id']}")
    assert (status, got["metadata"]) == (200, extremes)
    event = {"event": "edge", "customer": {"id": saved["id"]}, "metadata": extremes}
    status, body = send(api, "POST", "/v1/events", event)
    assert status == 200, body
    card = created(
        api, "POST", "/v1/vouchers/EDGE", {"type": "GIFT_VOUCHER", "gift": {"amount": INT64_MAX}}
    )
    assert card["gift"]["amount"] == INT64_MAX


def test_a_redemption_quantity_fits_its_32_bit_column(api: Api) -> None:
    def code(name: str, quantity: int) -> tuple[int, Any]:
        redemption = {"quantity": quantity}
        return send(
            api,
            "POST",
            f"/v1/vouchers/{name}",
            {"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT, "redemption": redemption},
        )

    status, voucher = code("MOST", MAX_REDEMPTION_QUANTITY)
    assert (status, voucher["redemption"]["quantity"]) == (200, MAX_REDEMPTION_QUANTITY), voucher
    status, error = code("TOO-MANY", MAX_REDEMPTION_QUANTITY + 1)
    assert status == 400, error
    assert error["details"].startswith("redemption.quantity: "), error
    campaign = {
        "name": "Many",
        "voucher": {"discount": DISCOUNT, "redemption": {"quantity": MAX_REDEMPTION_QUANTITY + 1}},
    }
    status, error = send(api, "POST", "/v1/campaigns", campaign)
    assert status == 400, error
    assert "voucher.redemption.quantity" in error["details"], error


def test_look_alikes_of_nul_and_of_big_numbers_are_plain_text(api: Api) -> None:
    # An escaped backslash followed by "u0000" is six characters of text, not NUL; a long
    # run of digits in a string is text too.
    text, digits = "\\u0000", "1" * 40
    saved = created(
        api,
        "POST",
        "/v1/customers",
        {"source_id": digits, "name": text, "metadata": {digits: 1.5e300}},
    )
    assert (saved["source_id"], saved["name"], saved["metadata"]) == (
        digits,
        text,
        {digits: 1.5e300},
    )


def page_routes(api: Api) -> list[str]:
    """Every documented GET route taking ``page``, its path parameters filled with ids that
    name nothing (``page`` is checked before anything is looked up)."""
    status, schema = api.call("GET", "/openapi.json", authenticated=False)
    assert status == 200
    routes = [
        path
        for path, operations in schema["paths"].items()
        if any(p["name"] == "page" for p in operations.get("get", {}).get("parameters", []))
    ]
    return [re.sub(r"\{[^}]+\}", "missing", path) for path in routes]


@pytest.mark.parametrize("page", [MAX_PAGE + 1, 2**62, 2**63, 2**70])
def test_pages_beyond_the_maximum_are_refused_on_every_list(api: Api, page: int) -> None:
    routes = page_routes(api)
    assert len(routes) >= 10, routes
    for path in routes:
        status, error = api.call("GET", f"{path}?page={page}")
        assert status == 400, (path, error)
        assert error["key"] == "invalid_query_params", (path, error)
        assert error["details"] == f"page must be between 1 and {MAX_PAGE}", (path, error)


def test_the_last_page_allowed_is_answered_with_the_true_total(api: Api) -> None:
    customer(api)
    for path, total in (("/v1/customers", 1), ("/v1/vouchers", 0), ("/v1/distributions", 0)):
        status, listing = api.call("GET", f"{path}?page={MAX_PAGE}&limit=100")
        assert status == 200, (path, listing)
        # A page past the end counts what there is, not the rows it skipped.
        assert (listing["total"], listing["has_more"]) == (total, False), (path, listing)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("/v1/customers?email=a%00b", "email"),
        ("/v1/vouchers?ids=%00", "ids"),
        ("/v1/vouchers?code=X%00", "code"),
        ("/v1/publications?filters[source_id][conditions][$in]=a%00", "filters[source_id]"),
        ("/v1/publications/create?voucher=V&customer[source_id]=%00", "customer[source_id]"),
        ("/v1/redemptions?customer=%00", "customer"),
        ("/v1/customers?k%00=1", "k\\u0000"),
    ],
)
def test_nul_in_a_query_parameter_is_a_400_naming_it(api: Api, query: str, parameter: str) -> None:
    status, error = api.call("GET", query)
    assert status == 400, error
    assert error["key"] == "invalid_query_params"
    assert error["details"].startswith(f"{parameter}"), error


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/customers/a%00b"),
        ("PUT", "/v1/customers/%00"),
        ("GET", "/v1/vouchers/X%00"),
        ("POST", "/v1/vouchers/X%00/enable"),
        ("DELETE", "/v1/distributions/distr_%00"),
        ("GET", "/v1/loyalties/%00/members"),
    ],
)
def test_an_id_with_nul_names_nothing(api: Api, method: str, path: str) -> None:
    status, error = send(api, method, path, {})
    assert status == 404, error
    assert error["key"] == "not_found"


def test_the_openapi_schema_states_the_bounds(api: Api) -> None:
    status, schema = api.call("GET", "/openapi.json", authenticated=False)
    assert status == 200

    def body(path: str) -> dict[str, Any]:
        request_body: dict[str, Any] = schema["paths"][path]["post"]["requestBody"]
        assert "64-bit signed" in request_body["description"]
        assert "NUL" in request_body["description"]
        return dict(request_body["content"]["application/json"]["schema"])

    int64 = {"type": "integer", "format": "int64", "minimum": INT64_MIN, "maximum": INT64_MAX}
    assert body("/v1/vouchers/{code}/balance")["properties"]["amount"] == {
        **int64,
        "title": "Amount",
    }
    quantity = body("/v1/vouchers")["properties"]["redemption"]["anyOf"][0]["properties"]
    assert {**int64, "minimum": 1, "maximum": MAX_REDEMPTION_QUANTITY}.items() <= (
        quantity["quantity"]["anyOf"][0].items()
    )


def test_int64_values_a_field_cannot_use_are_refused_not_500s(api: Api) -> None:
    retry = {"max_retries": 1, "initial_delay_seconds": INT64_MAX, "max_delay_seconds": INT64_MAX}
    channel = {"event_name": "b", "url": "http://127.0.0.1:9/hook", "retry": retry}
    status, error = send(api, "POST", "/v1/distributions", distribution(channels=[channel]))
    assert status == 400, error
    assert "retry.initial_delay_seconds" in error["details"], error

    code = created(
        api, "POST", "/v1/vouchers/FULL", {"type": "GIFT_VOUCHER", "gift": {"amount": INT64_MAX}}
    )["code"]
    status, error = send(api, "POST", f"/v1/vouchers/{code}/balance", {"amount": 1})
    assert status == 400, error
    assert error["key"] == "invalid_add_balance_params"
    status, card = api.call("GET", f"/v1/vouchers/{code}")
    assert card["gift"]["balance"] == INT64_MAX
