"""The dashboard in a real browser (Debian's headless Chromium driven by Playwright) against the
session's ``sendout serve``, per backend: sign in through the form, build a distribution with
the payload designer's live output, see its send-out delivered, pause it and set it live from
the row menu, and see the notification a failing endpoint raises. Screenshots of the pages go
to ``artifacts/screenshots/``.

Chromium missing and impossible to install is the only reason these tests skip.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from sendout.domain.projects import IssuedKey
from tests.e2e.browser import (
    open_page,
    reload_until,
    screenshot,
    sign_in,
    skip_without_chromium,
)
from tests.e2e.conftest import Api, Receiver, Server, wait_until

GOOD_PAYLOAD = '{"hello": "Hello {{customer.name}}", "note": "typed in the browser"}'
BAD_PAYLOAD = '{\n  "hello": "{{customer.nickname}}"\n}'


@pytest.fixture(scope="module")
def chromium() -> None:
    skip_without_chromium()


@pytest.fixture
def page(chromium: None, server: Server, project: IssuedKey) -> Iterator[Page]:
    """A fresh browser per test (after the server and project fixtures: see ``open_page``)."""
    with open_page() as page:
        yield page


@pytest.fixture
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


def other_distributions(api: Api, url: str) -> None:
    """Two more rows for the list (and its screenshot): one live, one draft."""
    for name, status, trigger, event_name in (
        ("Order confirmation", "ACTIVE", {"event": "customer.order.paid"}, "order_paid"),
        (
            "Win-back offer",
            "DRAFT",
            {"event": "customer.custom_event", "custom_event": "churn_risk"},
            "win_back",
        ),
    ):
        created, body = api.call(
            "POST",
            "/v1/distributions",
            {
                "name": name,
                "status": status,
                "trigger": trigger,
                "action": {"type": "PLAIN"},
                "channels": [{"type": "webhook", "event_name": event_name, "url": url}],
            },
        )
        assert created == 200, body


def fire(api: Api, event: str, source_id: str, name: str) -> None:
    status, body = api.call(
        "POST", "/v1/events", {"event": event, "customer": {"source_id": source_id, "name": name}}
    )
    assert status == 200, body


def test_build_a_distribution_see_it_deliver_pause_it_and_see_a_failure_notified(
    page: Page, server: Server, api: Api, project: IssuedKey, receiver: Receiver, backend: str
) -> None:
    base = f"{server.url}/dashboard"
    name = f"Browser greeting {secrets.token_hex(2)}"
    event = f"browser_{secrets.token_hex(3)}"

    page.goto(f"{base}/login")
    expect(page.get_by_role("button", name="Sign in").first).to_be_visible()
    screenshot(page, f"{backend}-login")
    sign_in(page, server.url, project)
    other_distributions(api, receiver.url)

    # The form: trigger, action, the webhook channel, and the designer's live output.
    page.locator("#new-distribution").click()
    expect(page).to_have_url(f"{base}/distributions/new")
    form = page.locator("#distribution-form")
    form.locator("input[name=name]").fill(name)
    page.locator("#trigger-event").select_option("customer.custom_event")
    custom_event = form.locator("input[name=trigger_custom_event]")
    expect(custom_event).to_be_visible()
    custom_event.fill(event)
    page.locator("#action-type").select_option("PLAIN")
    channel = form.locator("[data-channel='0']")
    expect(channel).to_have_attribute("data-kind", "webhook")
    channel.locator("input[name=ch0_event_name]").fill("greeting")
    channel.locator("input[name=ch0_url]").fill(receiver.url)
    payload = channel.locator("textarea[name=ch0_payload]")
    output, preview_status = page.locator("#output"), page.locator("#preview-status")

    payload.fill("")
    payload.press_sequentially(BAD_PAYLOAD)
    expect(preview_status).to_have_class("problem")
    expect(preview_status).to_contain_text("line 2")
    expect(preview_status).to_contain_text("column")
    expect(preview_status).to_contain_text("customer.nickname")

    payload.fill("")
    payload.press_sequentially(GOOD_PAYLOAD)
    expect(preview_status).to_have_text("Rendered with sample data.")
    expect(output).to_contain_text('"note": "typed in the browser"')
    expect(output).to_contain_text("webhook · greeting")
    expect(output).to_contain_text('"hello": "Hello ')
    expect(output).not_to_contain_text("order_paid")  # the starter's channel, replaced
    screenshot(page, f"{backend}-designer", full_page=True)

    page.locator("#save").click()
    expect(page.locator(".notice")).to_have_text(f"Saved {name}")
    # The notice is shown once: it leaves the address, so a reload does not show it again.
    expect(page).to_have_url(f"{base}/distributions")
    row = page.locator("#distributions tbody tr", has_text=name)
    badge = row.locator("td").nth(1).locator(".status")
    expect(badge).to_have_text("ACTIVE")
    expect(row).to_contain_text(f"custom_event: {event}")
    expect(row.locator("td.counts")).to_have_text("none yet")
    expect(page.locator("#distributions tbody tr")).to_have_count(3)
    distribution_id = row.get_attribute("data-id")
    assert distribution_id

    # An event through the API: the worker delivers, the list counts it.
    fire(api, event, "browser-ann", "Ann")
    reload_until(page, row.locator("td.counts"), "DELIVERED 1")
    ((_, body),) = receiver.wait_for(1)
    assert json.loads(body)["data"] == {"hello": "Hello Ann", "note": "typed in the browser"}
    screenshot(page, f"{backend}-distributions")

    # The send-out log, from the list's count, and the send-out with its request and attempt.
    row.locator("td.counts a", has_text="DELIVERED").click()
    log = page.locator("#sendouts tbody tr")
    expect(log).to_have_count(1)
    expect(log.first.locator(".status")).to_have_text("DELIVERED")
    screenshot(page, f"{backend}-sendouts")
    log.first.get_by_role("link", name="Open").click()
    expect(page.locator("h1 .status")).to_have_text("DELIVERED")
    expect(page.locator("#request")).to_contain_text(receiver.url)
    expect(page.locator("#request")).to_contain_text("Hello Ann")
    expect(page.locator("#attempts tbody")).to_contain_text("200")
    screenshot(page, f"{backend}-sendout", full_page=True)
    page.goto(f"{base}/distributions")

    # The row menu: pause, then set live again.
    row.locator("details.menu summary").click()
    row.get_by_role("button", name="Pause").click()
    expect(page.locator(".notice")).to_have_text(f"{name} is paused")
    expect(badge).to_have_text("PAUSED")
    row.locator("details.menu summary").click()
    expect(row.get_by_role("button", name="Pause")).to_have_count(0)
    row.get_by_role("button", name="Set live").click()
    expect(page.locator(".notice")).to_have_text(f"{name} is live")
    expect(badge).to_have_text("ACTIVE")

    # The endpoint gone (410): the send-out fails, the distribution pauses, a notification.
    expect(page.locator("#unread-count")).to_have_count(0)
    receiver.status = 410
    fire(api, event, "browser-bob", "Bob")
    wait_until(api, distribution_id, lambda s: any(x["status"] == "FAILED" for x in s), "failed")
    reload_until(page, page.locator("#unread-count"), "1")
    expect(badge).to_have_text("PAUSED")
    expect(row.locator("td").nth(1)).to_contain_text("delivery_failed")
    expect(row.locator("td.counts")).to_contain_text("FAILED 1")
    screenshot(page, f"{backend}-distributions-paused")

    # The notifications page lists it; marking it read clears the header's count.
    page.locator("header nav a", has_text="Notifications").click()
    expect(page).to_have_url(f"{base}/notifications")
    note = page.locator("#notifications li", has_text=distribution_id)
    expect(note).to_have_count(1)
    expect(note).to_have_class("card unread")
    expect(note).to_contain_text("distribution.paused")
    expect(note).to_contain_text("410")
    screenshot(page, f"{backend}-notifications")
    note.get_by_role("button", name="Mark read").click()
    expect(page.locator(".notice")).to_have_text("Marked read")
    expect(page.locator("#unread-count")).to_have_count(0)


def test_without_a_session_pages_redirect_to_sign_in_and_signing_out_ends_it(
    page: Page, server: Server, project: IssuedKey
) -> None:
    base = f"{server.url}/dashboard"
    for path in ("", "/distributions", "/distributions/new", "/sendouts", "/notifications"):
        page.goto(f"{base}{path}")
        expect(page).to_have_url(f"{base}/login")
        expect(page.locator("input[name=app_id]")).to_be_visible()
    assert "sendout_session" not in [c["name"] for c in page.context.cookies()]

    form = page.locator("form", has=page.locator("input[name=app_id]"))
    form.locator("input[name=app_id]").fill(project.app_id)
    form.locator("input[name=app_token]").fill("not-the-secret")
    form.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error")).to_contain_text("Not signed in")
    expect(page.locator("input[name=app_id]")).to_have_value(project.app_id)

    sign_in(page, server.url, project)
    assert "sendout_session" in [c["name"] for c in page.context.cookies()]
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base}/login")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert "sendout_session" not in [c["name"] for c in page.context.cookies()]
    page.goto(f"{base}/distributions")
    expect(page).to_have_url(f"{base}/login")
