"""The dashboard's send-outs, notifications, campaigns and customers pages on a real server:
signed in with the project's key pair, data made through the API, every form's CSRF token
checked, and every page closed to a visitor without a session."""

from __future__ import annotations

import html
import re
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import voucherify

from sendout.domain.projects import IssuedKey
from tests.e2e.conftest import (
    WAIT_SECONDS,
    Api,
    Receiver,
    Server,
    request,
    sendouts_of,
    wait_until,
)
from tests.e2e.dashboard import Browser, campaign_with_codes, cell, notice_in, row_of, unread_badge
from tests.e2e.deliveries import distribution_to, track

PAGES = (
    "/dashboard/sendouts",
    "/dashboard/sendouts/so_missing",
    "/dashboard/notifications",
    "/dashboard/campaigns",
    "/dashboard/customers",
    "/dashboard/customers/cust_missing",
)
ACTIONS = (
    "/dashboard/sendouts/so_missing/resend",
    "/dashboard/distributions/dist_missing/recover",
    "/dashboard/notifications/read",
    "/dashboard/notifications/ntf_missing/read",
)


@pytest.fixture
def browser(server: Server, project: IssuedKey) -> Browser:
    return Browser(server, project)


def test_without_a_session_every_page_and_form_goes_to_sign_in(server: Server) -> None:
    for path in PAGES:
        status, headers, _ = request(server, "GET", path)
        assert (status, headers["location"]) == (303, "/dashboard/login"), path
        status, headers, _ = request(
            server, "GET", path, headers={"Cookie": "sendout_session=forged"}
        )
        assert (status, headers["location"]) == (303, "/dashboard/login"), path
    for path in ACTIONS:
        status, headers, _ = request(server, "POST", path, b"csrf_token=x")
        assert (status, headers["location"]) == (303, "/dashboard/login"), path


def test_the_send_out_log_its_page_and_resend(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver, browser: Browser
) -> None:
    created = distribution_to(api, receiver.url, "dashlog")
    track(sdk, "dashlog", "dash-1", "Dash <One>")
    receiver.wait_for(1)
    (sendout,) = wait_until(
        api, created["id"], lambda s: s and s[0]["status"] == "DELIVERED", "not delivered"
    )

    log = browser.page("/dashboard/sendouts")
    row = row_of(log, "data-id", sendout["id"])
    assert 'class="status DELIVERED"' in row
    assert "<td>hello</td>" in row  # the channel's event name
    assert "customer.custom_event" in row
    assert sendout["customer_id"] in row
    assert f'href="/dashboard/sendouts/{sendout["id"]}"' in row
    assert "Recover failed send-outs" not in log

    mine = browser.page(f"/dashboard/sendouts?distribution_id={created['id']}")
    row_of(mine, "data-id", sendout["id"])
    assert "Recover failed send-outs" in mine
    assert f"Send-outs of {created['name']}" in mine
    for query in (
        f"distribution_id={created['id']}&status=FAILED",
        "customer_id=cust_nobody",
        "event_type=customer.order.paid",
        "created_after=2999-01-01T00:00",
        "created_before=2000-01-01T00:00",
    ):
        assert sendout["id"] not in browser.page(f"/dashboard/sendouts?{query}"), query
    for query in (
        f"customer_id={sendout['customer_id']}&event_type=customer.custom_event",
        "created_after=2000-01-01T00:00&created_before=2999-01-01T00:00&status=DELIVERED",
    ):
        row_of(browser.page(f"/dashboard/sendouts?{query}"), "data-id", sendout["id"])
    bad = browser.page("/dashboard/sendouts?status=LOST&created_after=yesterday")
    assert "status: one of" in notice_in(bad)
    assert "not a date" in notice_in(browser.page("/dashboard/sendouts?created_after=soon"))
    assert "Next →" not in log

    detail = browser.page(f"/dashboard/sendouts/{sendout['id']}")
    assert html.escape(receiver.url) in detail
    assert "X-Api-Key: ********" in detail  # a secret header: recorded masked
    assert "secret-key" not in detail
    assert "Hello Dash &lt;One&gt;" in detail  # the body, escaped
    attempts = re.search(r'<table id="attempts">.*?</table>', detail, re.S)
    assert attempts
    assert "<td>200</td>" in attempts.group(0)
    assert '<code class="wrap">ok</code>' in attempts.group(0)
    assert " ms</td>" in attempts.group(0)

    # Without the form's token nothing is sent; with it, the send-out goes out again.
    status, _, body = browser.post(f"/dashboard/sendouts/{sendout['id']}/resend", csrf=False)
    assert status == 403, body
    assert b"Form expired" in body
    time.sleep(0.5)
    assert len(receiver.requests) == 1
    assert sendouts_of(api, created["id"])[0]["status"] == "DELIVERED"
    landed = browser.submit(f"/dashboard/sendouts/{sendout['id']}/resend")
    assert notice_in(landed) == "Send-out queued again: it goes out now"
    receiver.wait_for(2)

    missing = browser.get("/dashboard/sendouts/so_missing")
    assert missing[0] == 404
    assert "Cannot find sendout with id so_missing" in missing[1]


def test_a_refused_resend_shows_the_services_words(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver, browser: Browser
) -> None:
    # The endpoint is slower than the delivery timeout: while its attempt is in flight, the
    # service refuses to resend it.
    receiver.script = [(200, {}, 3.0)]
    created = distribution_to(api, receiver.url, "dashslow")
    track(sdk, "dashslow", "slow-1", "Slow")
    (sendout,) = wait_until(api, created["id"], lambda s: len(s) == 1, "no send-out")
    receiver.wait_for(1)  # the attempt is out (for the 2 s timeout)
    browser.page(f"/dashboard/sendouts/{sendout['id']}")
    status, headers, _ = browser.post(f"/dashboard/sendouts/{sendout['id']}/resend")
    assert status == 303
    landed = browser.page(headers["location"])
    message = notice_in(landed)
    assert message.startswith("Not resent: status:"), message


def test_a_failing_endpoint_raises_a_notification_and_recovery_sends_again(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver, browser: Browser
) -> None:
    receiver.status = 410
    created = distribution_to(api, receiver.url, "dashfail")
    track(sdk, "dashfail", "fail-1", "Fail")
    (failed,) = wait_until(
        api, created["id"], lambda s: s and s[0]["status"] == "FAILED", "not failed"
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        listing = browser.page("/dashboard/notifications")
        if unread_badge(listing) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert unread_badge(listing) == 1
    _, notes = api.call("GET", "/v1/notifications")
    (note,) = notes["notifications"]
    item = row_of(listing, "data-id", note["id"])
    assert 'class="card unread"' in item
    assert note["title"] in html.unescape(item)
    assert "410" in item
    assert f'href="/dashboard/sendouts?distribution_id={created["id"]}"' in item
    assert "Mark read" in item
    assert note["id"] in browser.page(
        "/dashboard/notifications?show=unread&type=distribution.paused"
    )
    assert note["id"] not in browser.page("/dashboard/notifications?type=webhook.disabled")

    # Marking read needs the form's token; then the header's count drops.
    for path in (f"/dashboard/notifications/{note['id']}/read", "/dashboard/notifications/read"):
        status, _, _ = browser.post(path, csrf=False)
        assert status == 403
    assert unread_badge(browser.page("/dashboard/notifications")) == 1
    landed = browser.submit(f"/dashboard/notifications/{note['id']}/read", {"show": "unread"})
    assert notice_in(landed) == "Marked read"
    assert unread_badge(landed) == 0
    assert note["id"] not in landed  # the unread-only list kept its filter
    read = row_of(browser.page("/dashboard/notifications"), "data-id", note["id"])
    assert 'class="card read"' in read
    assert "Mark read" not in read
    _, notes = api.call("GET", "/v1/notifications")
    assert (notes["unread"], notes["notifications"][0]["read"]) == (0, True)
    assert "Cannot find notification" in notice_in(
        browser.submit("/dashboard/notifications/ntf_missing/read")
    )
    assert (
        notice_in(browser.submit("/dashboard/notifications/read")) == "0 notifications marked read"
    )

    # Recovery: the failed send-out goes out again once the endpoint answers.
    receiver.status = 200
    api.call("POST", f"/v1/distributions/{created['id']}/activate")
    since = datetime.fromisoformat(failed["created_at"]) - timedelta(minutes=1)
    path = f"/dashboard/distributions/{created['id']}/recover"
    browser.page(f"/dashboard/sendouts?distribution_id={created['id']}")
    status, _, _ = browser.post(path, {"since": since.strftime("%Y-%m-%dT%H:%M")}, csrf=False)
    assert status == 403
    time.sleep(0.3)
    assert sendouts_of(api, created["id"])[0]["status"] == "FAILED"
    assert "since: " in notice_in(browser.submit(path, {"since": ""}))
    assert "not a date" in notice_in(browser.submit(path, {"since": "later"}))
    landed = browser.submit(path, {"since": since.strftime("%Y-%m-%dT%H:%M")})
    assert notice_in(landed) == "1 send-out queued again"
    assert f"Send-outs of {created['name']}" in landed
    receiver.wait_for(2)
    wait_until(api, created["id"], lambda s: s[0]["status"] == "DELIVERED", "not recovered")
    refused = browser.submit(
        "/dashboard/distributions/dist_missing/recover", {"since": "2020-01-01T00:00"}
    )
    assert "Not recovered: Cannot find distribution" in notice_in(refused)


def publish(api: Api, campaign: dict[str, Any], customer: dict[str, Any]) -> str:
    status, published = api.call(
        "POST", "/v1/publications", {"customer": customer, "campaign": {"name": campaign["name"]}}
    )
    assert status == 200, published
    return str(published["voucher"]["code"])


def test_campaigns_show_pool_published_and_left(api: Api, browser: Browser) -> None:
    campaign = campaign_with_codes(api, "Dash spring", 3)
    empty = campaign_with_codes(api, "Dash empty", 0)
    publish(api, campaign, {"source_id": "dash-holder"})

    listing = browser.page("/dashboard/campaigns")
    row = row_of(listing, "data-id", campaign["id"])
    assert "Dash spring" in row
    assert "DISCOUNT_COUPONS" in row
    assert 'class="status ACTIVE"' in row
    assert (cell(row, "pool"), cell(row, "published"), cell(row, "left")) == ("3", "1", "2")
    assert 'class="status DONE"' in row
    other = row_of(listing, "data-id", empty["id"])
    assert (cell(other, "pool"), cell(other, "published"), cell(other, "left")) == ("0", "0", "0")

    status, _ = api.call("POST", f"/v1/campaigns/{campaign['id']}/disable")
    assert status == 200
    row = row_of(browser.page("/dashboard/campaigns?page=x"), "data-id", campaign["id"])
    assert 'class="status INACTIVE"' in row
    assert browser.page("/dashboard/campaigns?page=2").count("<tr data-id=") == 0


def test_customers_search_and_a_customers_codes_and_events(
    api: Api, sdk: voucherify.ApiClient, browser: Browser
) -> None:
    status, customer = api.call(
        "POST",
        "/v1/customers",
        {"source_id": "dash-cust", "name": "<b>Ada</b>", "email": "ada@example.com"},
    )
    assert status == 200, customer
    api.call("POST", "/v1/customers", {"source_id": "dash-other", "name": "Bob"})
    campaign = campaign_with_codes(api, "Dash welcome", 2)
    code = publish(api, campaign, {"id": customer["id"]})
    track(sdk, "dash_visit", "dash-cust", "<b>Ada</b>")

    everyone = browser.page("/dashboard/customers")
    assert "exactly what you type" in everyone
    row_of(everyone, "data-id", customer["id"])
    for q in ("ada@example.com", "dash-cust", customer["id"], "<b>Ada</b>"):
        found = browser.page(f"/dashboard/customers?{urlencode({'q': q})}")
        row = row_of(found, "data-id", customer["id"])
        assert "&lt;b&gt;Ada&lt;/b&gt;" in row
        assert "<b>Ada</b>" not in found
        assert "Bob" not in found, q
    nobody = browser.page("/dashboard/customers?q=%3Cscript%3E")
    assert "No customer matches &lt;script&gt;." in nobody

    page = browser.page(f"/dashboard/customers/{customer['id']}")
    assert "ada@example.com" in page
    assert "<b>Ada</b>" not in page
    codes = row_of(page, "data-code", code)
    assert "Dash welcome" in codes
    assert "DISCOUNT_VOUCHER" in codes
    assert 'class="status ACTIVE"' in codes
    events = re.search(r'<table id="events">.*?</table>', page, re.S)
    assert events
    kinds = re.findall(r'<tr data-id="[^"]+">\s*<td>([a-z_.]+)</td>', events.group(0))
    assert kinds[0] == "customer.custom_event"  # newest first
    assert "customer.publication.succeeded" in kinds
    assert f"code {code}" in events.group(0)
    assert "event dash_visit" in events.group(0)
    assert browser.page("/dashboard/customers/dash-cust").count(f'data-code="{code}"') == 1

    missing = browser.get("/dashboard/customers/cust_missing")
    assert missing[0] == 404
    assert "Cannot find customer with id cust_missing" in missing[1]


def test_signing_in_needs_the_forms_own_token(server: Server, project: IssuedKey) -> None:
    """A page elsewhere cannot sign a visitor in (login CSRF): without the token the sign-in
    form put in its cookie, the key pair is not even looked at."""
    form = {"app_id": project.app_id, "app_token": project.app_token, "login_token": "forged"}
    status, headers, body = request(
        server,
        "POST",
        "/dashboard/login",
        urlencode(form).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 400
    assert "sendout_session" not in headers.get("set-cookie", "")
    assert "expired" in body.decode()
