"""Raw HTTP: auth, errors, limits, and that a refused request changes nothing."""

from __future__ import annotations

import http.client
import secrets
from typing import Any

import orjson
import pytest

from sendout.bootstrap import Container
from sendout.services.accounts.projects import create_project
from tests.db_faults import REFUSED_DOMAIN, refuse_customers_at_refused_domain
from tests.e2e.conftest import Api, Server, request

ERROR_KEYS = {"code", "key", "message", "details", "request_id"}


def snapshot(api: Api) -> tuple[int, list[str]]:
    """What storage holds for this project: customer count and every customer's activity."""
    status, listing = api.call("GET", "/v1/customers?limit=100")
    assert status == 200
    activity = []
    for customer in listing["customers"]:
        status, page = api.call("GET", f"/v1/customers/{customer['id']}/activity?limit=100")
        assert status == 200
        activity.extend(a["id"] for a in page["data"])
    return listing["total"], activity


@pytest.fixture
def seeded(api: Api) -> tuple[int, list[str]]:
    status, _ = api.call("POST", "/v1/customers", {"source_id": "seed", "name": "Seed"})
    assert status == 200
    return snapshot(api)


def assert_error(body: Any, code: int, key: str | None = None) -> None:
    assert body["code"] == code
    assert ERROR_KEYS - ({"key"} if code == 401 else set()) <= set(body)
    assert body["request_id"].startswith("v-")
    if key is not None:
        assert body["key"] == key


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/customers"),
        ("POST", "/v1/customers"),
        ("GET", "/v1/customers/cust_x"),
        ("PUT", "/v1/customers/cust_x"),
        ("DELETE", "/v1/customers/cust_x"),
        ("POST", "/v1/customers/cust_x/permanent-deletion"),
        ("GET", "/v1/customers/cust_x/activity"),
        ("POST", "/v1/events"),
    ],
)
def test_every_v1_route_needs_the_key_pair(
    api: Api, seeded: tuple[int, list[str]], method: str, path: str
) -> None:
    body = {"source_id": "intruder", "event": "x", "customer": {"source_id": "intruder"}}
    status, answer = api.call(method, path, body, authenticated=False)
    assert status == 401
    assert_error(answer, 401)
    status, answer = api.call(
        method,
        path,
        body,
        authenticated=False,
        headers={"X-App-Id": api.keys.app_id, "X-App-Token": "wrong"},
    )
    assert status == 401
    assert snapshot(api) == seeded


def test_a_known_app_id_with_another_projects_token_is_refused(
    api: Api, server: Server, seeded: tuple[int, list[str]]
) -> None:
    status, _ = api.call("GET", "/v1/customers", headers={"X-App-Token": api.keys.app_token + "x"})
    assert status == 401


def test_malformed_json_is_a_400_and_changes_nothing(
    api: Api, seeded: tuple[int, list[str]]
) -> None:
    for path in ("/v1/customers", "/v1/events", "/v1/customers/seed"):
        method = "PUT" if path.endswith("seed") else "POST"
        status, body = api.call(method, path, raw=b'{"source_id": "half')
        assert status == 400, path
        assert_error(body, 400, "invalid_payload")
        assert body["details"] == "Request body is not valid JSON"
    assert snapshot(api) == seeded


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/v1/customers", {"source_id": "x", "email": 5}, "email"),
        ("/v1/customers", {"source_id": 12}, "source_id"),
        ("/v1/customers", {"source_id": "x", "metadata": ["not", "an", "object"]}, "metadata"),
        ("/v1/customers", {"source_id": "x", "birthdate": "someday"}, "birthdate"),
        ("/v1/customers", {"source_id": "x", "address": "Main St"}, "address"),
        ("/v1/customers", ["a", "list"], "body"),
        ("/v1/events", {"customer": {"source_id": "x"}}, "event"),
        ("/v1/events", {"event": "e"}, "customer"),
        ("/v1/events", {"event": "", "customer": {"source_id": "x"}}, "event"),
        ("/v1/events", {"event": "e", "customer": {"source_id": "x"}, "metadata": 3}, "metadata"),
        ("/v1/events", {"event": "e", "customer": {"source_id": "x"}, "referral": {}}, "code"),
    ],
)
def test_wrong_types_and_missing_fields_name_the_field(
    api: Api, seeded: tuple[int, list[str]], path: str, payload: Any, field: str
) -> None:
    status, body = api.call("POST", path, payload)
    assert status == 400
    assert_error(body, 400, "invalid_payload")
    assert field in body["details"]
    assert snapshot(api) == seeded


def test_a_customer_without_id_or_source_id_is_refused(
    api: Api, seeded: tuple[int, list[str]]
) -> None:
    status, body = api.call("POST", "/v1/customers", {"name": "Nobody"})
    assert status == 400
    assert_error(body, 400, "invalid_customer")
    assert snapshot(api) == seeded


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("GET", "/v1/customers/cust_unknown", None),
        ("PUT", "/v1/customers/cust_unknown", {"name": "x"}),
        ("DELETE", "/v1/customers/cust_unknown", None),
        ("POST", "/v1/customers/cust_unknown/permanent-deletion", None),
        ("GET", "/v1/customers/cust_unknown/activity", None),
        ("POST", "/v1/customers", {"id": "cust_unknown", "name": "x"}),
    ],
)
def test_unknown_customers_are_404_naming_the_resource(
    api: Api, seeded: tuple[int, list[str]], method: str, path: str, payload: Any
) -> None:
    status, body = api.call(method, path, payload)
    assert status == 404
    assert_error(body, 404, "not_found")
    assert (body["resource_id"], body["resource_type"]) == ("cust_unknown", "customer")
    assert snapshot(api) == seeded


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "page=0", "order=email", "created_at[before]=soon", "limit=many"],
)
def test_bad_query_parameters_are_400(api: Api, query: str) -> None:
    status, body = api.call("GET", f"/v1/customers?{query}")
    assert status == 400
    assert_error(body, 400, "invalid_query_params")


def test_the_sdks_none_literals_and_datetime_formats_are_accepted(api: Api) -> None:
    api.call("POST", "/v1/customers", {"source_id": "q"})
    query = (
        "limit=None&page=None&email=None&created_at[after]=2020-01-01T00:00:00.000000%2B0000"
        "&created_at[before]=2999-01-01T00:00:00%2B00:00"
    )
    status, body = api.call("GET", f"/v1/customers?{query}")
    assert status == 200
    assert body["total"] == 1


def test_an_unknown_activity_type_is_refused(api: Api, seeded: tuple[int, list[str]]) -> None:
    status, body = api.call("GET", "/v1/customers/seed/activity?type=customer.invented")
    assert status == 400
    assert_error(body, 400)


def test_a_body_over_the_limit_is_413_and_changes_nothing(
    api: Api, seeded: tuple[int, list[str]]
) -> None:
    huge = b'{"source_id": "big", "description": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    status, body = api.call("POST", "/v1/customers", raw=huge)
    assert status == 413
    assert_error(body, 413, "payload_too_large")
    assert snapshot(api) == seeded


def test_a_streamed_body_over_the_limit_is_413_too(
    api: Api, server: Server, seeded: tuple[int, list[str]]
) -> None:
    import http.client

    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    chunks = (b'{"source_id": "big", "description": "', b"y" * (1024 * 1024 + 10), b'"}')
    conn.request(
        "POST",
        "/v1/customers",
        body=iter(chunks),
        headers={**api.auth, "Content-Type": "application/json"},
        encode_chunked=True,
    )
    response = conn.getresponse()
    assert response.status == 413
    conn.close()
    assert snapshot(api) == seeded


def test_deletes_answer_204_with_no_body(api: Api) -> None:
    status, body = api.call("POST", "/v1/customers", {"source_id": "del"})
    assert status == 200
    status, body = api.call("DELETE", f"/v1/customers/{body['id']}")
    assert (status, body) == (204, None)


def test_unknown_routes_and_methods_answer_voucherify_errors(api: Api) -> None:
    status, body = api.call("GET", "/v1/nothing-here")
    assert status == 404
    assert_error(body, 404, "not_found")
    status, body = api.call("PATCH", "/v1/customers")
    assert status == 405
    assert_error(body, 405)


async def test_keys_of_one_project_never_see_another_projects_data(
    api: Api, container: Container
) -> None:
    other = Api(
        api.server,
        await create_project(container.uow_factory, container.clock, container.rng, "other"),
    )
    status, mine = api.call("POST", "/v1/customers", {"source_id": "private", "name": "Mine"})
    assert status == 200
    api.call("POST", "/v1/events", {"event": "secret", "customer": {"source_id": "private"}})

    for path in (f"/v1/customers/{mine['id']}", "/v1/customers/private"):
        status, body = other.call("GET", path)
        assert status == 404
    status, body = other.call("GET", f"/v1/customers/{mine['id']}/activity")
    assert status == 404
    status, body = other.call("PUT", f"/v1/customers/{mine['id']}", {"name": "Stolen"})
    assert status == 404
    status, body = other.call("DELETE", f"/v1/customers/{mine['id']}")
    assert status == 404
    status, body = other.call("GET", "/v1/customers?limit=100")
    assert body["total"] == 0
    # The same source_id in the other project is another customer entirely.
    status, twin = other.call("POST", "/v1/customers", {"source_id": "private"})
    assert twin["id"] != mine["id"]
    status, body = api.call("GET", "/v1/customers/private")
    assert body["name"] == "Mine"


def test_health_readiness_and_docs_need_no_key(server: Server) -> None:
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
        status, _headers, content = request(server, "GET", path)
        assert status == 200, path
        assert content
    status, _headers, content = request(server, "GET", "/openapi.json")
    assert b"/v1/customers/{customer_id}/activity" in content
    assert b"/v1/events" in content


async def test_an_unexpected_500_keeps_the_keep_alive_connection_usable_and_is_logged_once(
    api: Api, container: Container
) -> None:
    await refuse_customers_at_refused_domain(container)
    conn = http.client.HTTPConnection(api.server.host, api.server.port, timeout=10)
    headers = {"Content-Type": "application/json", **api.auth}
    try:
        failing = {"source_id": "refused", "email": f"x.{secrets.token_hex(4)}@{REFUSED_DOMAIN}"}
        conn.request("POST", "/v1/customers", orjson.dumps(failing), headers)
        response = conn.getresponse()
        body = orjson.loads(response.read())
        assert response.status == 500, body
        assert_error(body, 500)
        assert response.getheader("x-request-id") == body["request_id"]
        # Kept open (no "Connection: close"): the next request on it must be answered.
        assert (response.getheader("connection") or "").lower() != "close"
        assert not response.will_close
        sock = conn.sock
        for n in range(3):
            conn.request("POST", "/v1/customers", orjson.dumps({"source_id": f"ka-{n}"}), headers)
            response = conn.getresponse()
            assert response.status == 200, response.read()
            response.read()
            assert conn.sock is sock  # the same connection, not a new one
    finally:
        conn.close()
    log = api.server.log.read_text(errors="replace")
    # The failure logged once (the server does not log it again), beside its access line.
    about = [line for line in log.splitlines() if body["request_id"] in line]
    assert len(about) == 2, log
    assert sum("unexpected error" in line for line in about) == 1, log
    assert "Exception in ASGI application" not in log
