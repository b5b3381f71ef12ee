"""The dashboard's defences over HTTP on a real server, per backend: the browser security
headers on every page and static file, and malformed requests (tokens that are not ASCII,
bodies that are not UTF-8, page numbers out of range, a preview body that is not an object)
answered 400 or 403, never 500."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from sendout.domain.projects import IssuedKey
from sendout.entrypoints.dashboard.page_helpers import MAX_PAGE
from sendout.entrypoints.dashboard.security_headers import CONTENT_SECURITY_POLICY
from tests.e2e.conftest import Api, Server, request
from tests.e2e.dashboard import Browser, login_form, post_login

LISTS = (
    "/dashboard/distributions",
    "/dashboard/sendouts",
    "/dashboard/notifications",
    "/dashboard/campaigns",
    "/dashboard/customers",
)
EVERY_RESPONSE = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}
ON_THE_DASHBOARD = {
    **EVERY_RESPONSE,
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
}


@pytest.fixture
def browser(server: Server, project: IssuedKey) -> Browser:
    return Browser(server, project)


def test_the_policy_allows_no_inline_script_and_no_framing() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_every_dashboard_answer_carries_the_security_headers(
    server: Server, api: Api, browser: Browser
) -> None:
    signed_in = {"Cookie": f"sendout_session={browser.cookie}"}
    answers = {
        path: request(server, "GET", path, headers=signed_in)
        for path in (
            *LISTS,
            "/dashboard/distributions/new",
            "/dashboard/customers/cust_missing",
            "/dashboard/static/dashboard.js",
            "/dashboard/static/dashboard.css",
            "/dashboard/static/designer.js",
            "/dashboard/api/keys?event=customer.order.paid",
        )
    }
    answers["login"] = request(server, "GET", "/dashboard/login")
    answers["redirect"] = request(server, "GET", "/dashboard/sendouts")
    answers["403"] = request(server, "POST", "/dashboard/notifications/read", b"", signed_in)
    for what, (status, headers, _) in answers.items():
        assert status in (200, 303, 403, 404), (what, status)
        for name, value in ON_THE_DASHBOARD.items():
            assert headers.get(name) == value, (what, name, headers)

    status, headers, _ = request(server, "GET", "/v1/distributions", headers=api.auth)
    assert status == 200
    for name, value in EVERY_RESPONSE.items():
        assert headers.get(name) == value, (name, headers)
    assert "content-security-policy" not in headers  # /docs runs its own inline script


def test_a_csrf_token_that_is_not_ascii_is_refused_not_a_500(browser: Browser) -> None:
    browser.page("/dashboard/notifications")
    status, _, body = browser.post("/dashboard/notifications/read", {"csrf_token": "é"}, csrf=False)
    assert status == 403, body
    assert b"Form expired" in body
    status, _, body = request(
        browser.server,
        "POST",
        "/dashboard/api/preview",
        b"{}",
        {"Cookie": f"sendout_session={browser.cookie}", "X-CSRF-Token": "\u00e9t\u00e9"},
    )
    assert status == 403, body


@pytest.mark.parametrize(
    "body",
    [
        b"app_id=x&app_token=y&login_token=\xff\xfe",  # raw bytes that are not UTF-8
        b"app_id=x&app_token=y&login_token=%FF",  # an encoded byte that is not UTF-8
        "app_id=é&app_token=ü&login_token=ß".encode(),  # UTF-8 sent raw: a token not ASCII
        b"app_id=%C3%A9&app_token=y&login_token=%E2%82%AC",
        b"app_id=a%00b&app_token=y&login_token=TOKEN",  # NUL, even with the right token
        b"admin_password=%00&login_token=TOKEN",
    ],
)
def test_an_odd_sign_in_body_is_a_400_page(server: Server, body: bytes) -> None:
    cookie, token = login_form(server)
    status, headers, answer = post_login(server, body.replace(b"TOKEN", token.encode()), cookie)
    assert status == 400, answer
    assert headers["content-type"].startswith("text/html")
    assert "sendout_session" not in headers.get("set-cookie", "")


def test_a_signed_in_form_that_is_not_utf8_is_a_400_page(browser: Browser) -> None:
    browser.page("/dashboard/notifications")
    body = f"csrf_token={browser.csrf}&show=\xff".encode("latin-1")
    status, _, answer = request(
        browser.server,
        "POST",
        "/dashboard/notifications/read",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"sendout_session={browser.cookie}",
        },
    )
    assert status == 400, answer
    assert b"not sent as UTF-8" in answer


def test_a_page_number_that_is_not_one_is_the_first_page_and_a_huge_one_a_400(
    browser: Browser,
) -> None:
    for path in LISTS:
        for page in ("abc", "0", "-3", "\u00b2", "1e3", ""):
            status, text = browser.get(f"{path}?{urlencode({'page': page})}")
            assert status == 200, (path, page, text)
        for page in (str(MAX_PAGE + 1), str(2**63), str(2**70), "9" * 5000):
            status, text = browser.get(f"{path}?page={page}")
            assert status == 400, (path, page, text)
            assert f"a page number from 1 to {MAX_PAGE}" in text
        status, _ = browser.get(f"{path}?page={MAX_PAGE}")
        assert status == 200, path


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'[{"fields": {}}]',
        b"null",
        b"42",
        b'"text"',
        b"{not json",
        b"\xff\xfe",
        b'{"fields": ["name"]}',
        b'{"fields": {"name": 1}}',
        b'{"fields": {}, "event_id": 5}',
        b'{"fields": {"name": "a\\u0000b"}}',
    ],
)
def test_a_preview_body_that_is_not_the_designers_object_is_a_400(
    browser: Browser, body: bytes
) -> None:
    browser.page("/dashboard/distributions/new")
    status, headers, answer = request(
        browser.server,
        "POST",
        "/dashboard/api/preview",
        body,
        {
            "Content-Type": "application/json",
            "Cookie": f"sendout_session={browser.cookie}",
            "X-CSRF-Token": browser.csrf,
        },
    )
    assert status == 400, answer
    assert headers["content-type"].startswith("application/json")
    assert json.loads(answer)["error"]


def test_the_designers_own_preview_still_renders(browser: Browser) -> None:
    browser.page("/dashboard/distributions/new")
    fields = {
        "trigger_event": "customer.order.paid",
        "action_type": "PLAIN",
        "ch0_type": "webhook",
        "ch0_event_name": "paid",
        "ch0_url": "https://example.com/hook",
        "ch0_payload": '{"who": "{{customer.name}}"}',
    }
    status, _, answer = request(
        browser.server,
        "POST",
        "/dashboard/api/preview",
        json.dumps({"fields": fields, "event_id": None}).encode(),
        {
            "Content-Type": "application/json",
            "Cookie": f"sendout_session={browser.cookie}",
            "X-CSRF-Token": browser.csrf,
        },
    )
    assert status == 200, answer
    (output,) = json.loads(answer)["outputs"]
    assert output["channel"] == {"type": "webhook", "event_name": "paid"}
