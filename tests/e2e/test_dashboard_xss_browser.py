"""Stored XSS, tried the way an attacker with one project's API key would, in a real browser
(Debian's headless Chromium) per backend: every text a project sets (project, distribution,
channel, header, payload, campaign, customer and event names and values, hence the
notifications and send-outs they lead to) holds a script payload, and the operator's
all-projects session clicks through every page, menu, button and confirm dialog.

Nothing runs: the payloads' marker stays unset on every page, the pages carry the Content
Security Policy, and our own scripts (designer, notice, project switcher, delete confirm) work
under it without a single violation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page, Response, expect

from sendout.bootstrap import Container
from sendout.domain.projects import IssuedKey
from sendout.entrypoints.dashboard.security_headers import CONTENT_SECURITY_POLICY
from sendout.services.accounts.projects import create_project
from tests.e2e.browser import open_page, skip_without_chromium
from tests.e2e.conftest import Api, Receiver, Server, start_server, stop_server, wait_until
from tests.e2e.dashboard import campaign_with_codes

ADMIN_PASSWORD = "operator-password-for-the-xss-test"
#: What every payload does if it ever runs; it survives navigation in localStorage.
MARK = "window.__xss=localStorage.xss=1"
PAYLOADS = (
    f"x'+({MARK})+'",  # out of a JavaScript string inside an attribute (the old confirm)
    f'"><img src=x onerror={MARK}>',  # out of an attribute, into markup
    f"</script><script>{MARK}</script>",  # out of a script element
    f"javascript:{MARK}",  # as a link
)
TRIGGER = "xss_probe"


@pytest.fixture
async def projects(isolated_container: Container) -> list[IssuedKey]:
    """One project per payload, named with it, in a database of their own (the operator's
    project list shows them all); the first is where the attacker stores the rest."""
    box = isolated_container
    return [await create_project(box.uow_factory, box.clock, box.rng, p) for p in PAYLOADS]


@pytest.fixture
def operator_server(
    projects: list[IssuedKey], isolated_container: Container, tmp_path: Path
) -> Iterator[Server]:
    skip_without_chromium()
    process, server = start_server(
        isolated_container.settings.database_url,
        tmp_path,
        {"SENDOUT_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    yield server
    stop_server(process)


def created(api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = api.call("POST", path, body)
    assert status == 200, (path, answer)
    return dict(answer)


def store_payloads(api: Api, receiver: Receiver) -> list[dict[str, Any]]:
    """Everything a project can name, named with the payloads: the distributions (each fails
    its one send-out, so a notification quotes its name) are returned."""
    distributions = []
    for n, payload in enumerate(PAYLOADS):
        distributions.append(
            created(
                api,
                "/v1/distributions",
                {
                    "name": payload,
                    "trigger": {"event": "customer.custom_event", "custom_event": TRIGGER},
                    "action": {"type": "PLAIN"},
                    "channels": [
                        {
                            "type": "webhook",
                            "event_name": f"probe_{n}",  # letters and digits only
                            "url": f"{receiver.url}?q={quote(payload)}",
                            "headers": {"X-Note": payload},
                            "payload": f'{{"note": {json.dumps(payload)}}}',
                        }
                    ],
                },
            )
        )
        campaign_with_codes(api, payload, 0)
        customer = {
            "source_id": f"xss-{n}",
            "name": payload,
            "description": payload,
            "metadata": {"note": payload},
        }
        created(api, "/v1/customers", customer)
        created(api, "/v1/events", {"event": payload, "customer": {"source_id": f"xss-{n}"}})
    receiver.status = 410  # gone: each send-out fails and its distribution is paused
    created(api, "/v1/events", {"event": TRIGGER, "customer": {"source_id": "xss-0"}})
    for distribution in distributions:
        wait_until(api, distribution["id"], lambda s: s and s[0]["status"] == "FAILED", "failed")
    return distributions


class Watch:
    """What the browser saw on every page: CSP violations, script errors, dialogs, and each
    dashboard document's headers."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.violations: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.documents: list[Response] = []
        self.accept = True
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._dialog)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(message.text)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        if self.accept:
            dialog.accept()
        else:
            dialog.dismiss()

    def _response(self, response: Response) -> None:
        if response.request.resource_type == "document" and "/dashboard" in response.url:
            self.documents.append(response)

    def nothing_ran(self) -> None:
        where = self.page.url
        assert self.page.evaluate("typeof window.__xss") == "undefined", where
        assert self.page.evaluate("localStorage.getItem('xss')") is None, where
        assert self.violations == [], where
        assert self.errors == [], where

    def go(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")
        self.nothing_ran()


def test_script_payloads_in_every_user_set_text_never_run_in_the_operators_session(
    projects: list[IssuedKey], operator_server: Server, receiver: Receiver
) -> None:
    work = projects[0]
    api = Api(operator_server, work)
    distributions = store_payloads(api, receiver)
    base = f"{operator_server.url}/dashboard"

    with open_page() as page:
        watch = Watch(page, base)
        # The operator signs in; the project switcher (a select, submitted by our script).
        page.goto(f"{base}/login")
        admin = page.locator("form", has=page.locator("input[name=admin_password]"))
        admin.locator("input[name=admin_password]").fill(ADMIN_PASSWORD)
        admin.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{base}/distributions")
        switcher = page.locator("select[name=project_id]")
        for other in (projects[1], work):
            switcher.select_option(other.project.id)
            expect(switcher).to_have_value(other.project.id)
            expect(switcher.locator("option:checked")).to_have_text(other.project.name)
            watch.nothing_ran()

        # The list and each row's menu: set live, pause, and the delete confirm dismissed.
        rows = page.locator("#distributions tbody tr")
        expect(rows).to_have_count(len(PAYLOADS))
        for distribution in distributions:
            row = page.locator(f"tr[data-id='{distribution['id']}']")
            expect(row.locator("td").first).to_contain_text(distribution["name"])
            for verb, done in (("Set live", "live"), ("Pause", "paused")):
                row.locator("details.menu summary").click()
                row.get_by_role("button", name=verb).click()
                expect(page.locator(".notice")).to_have_text(f"{distribution['name']} is {done}")
                assert "notice=" not in page.url  # our notice script ran
                watch.nothing_ran()
            watch.accept = False
            row.locator("details.menu summary").click()
            row.get_by_role("button", name="Delete").click()
            assert watch.dialogs.pop() == f"Delete {distribution['name']}?"
            expect(rows).to_have_count(len(PAYLOADS))
            row.locator("details.menu summary").click()  # closed again: it hides the next row
            watch.accept = True
            watch.nothing_ran()

        # Each distribution's form: the designer renders its output under the policy.
        for distribution in distributions:
            watch.go(f"/distributions/{distribution['id']}/edit")
            expect(page.locator("#preview-status")).to_have_text("Rendered with sample data.")
            expect(page.locator("#output")).to_contain_text(json.dumps(distribution["name"]))
            expect(page.locator("#keys code").first).to_be_visible()
            page.locator("button.add-channel[data-kind=webhook]").click()
            page.locator("#channels [data-channel='1'] .remove-channel").click()
            watch.nothing_ran()
        page.locator("#save").click()
        expect(page.locator(".notice")).to_have_text(f"Saved {distributions[-1]['name']}")
        watch.nothing_ran()

        # Send-outs of each, one send-out's request, resend.
        for distribution in distributions:
            watch.go(f"/sendouts?{urlencode({'distribution_id': distribution['id']})}")
            expect(page.locator("h1")).to_have_text(f"Send-outs of {distribution['name']}")
        page.get_by_role("link", name="Open").first.click()
        expect(page.locator("#request")).to_contain_text(f"X-Note: {PAYLOADS[-1]}")
        page.locator("#resend button").click()
        expect(page.locator(".notice")).to_contain_text("queued again")
        watch.nothing_ran()
        watch.go(f"/sendouts?{urlencode({'status': PAYLOADS[1], 'event_type': PAYLOADS[2]})}")
        expect(page.locator(".error")).to_contain_text(PAYLOADS[1])

        # Notifications quoting the names: mark one read, then all.
        watch.go("/notifications")
        expect(page.locator("#notifications li")).to_have_count(len(PAYLOADS))
        page.locator("#notifications .mark-read button").first.click()
        expect(page.locator(".notice")).to_have_text("Marked read")
        page.locator("#mark-all-read button").click()
        expect(page.locator(".notice")).to_contain_text("marked read")
        watch.nothing_ran()

        # Campaigns, the customer search and each customer with their events.
        watch.go("/campaigns")
        expect(page.locator("#campaigns tbody tr")).to_have_count(len(PAYLOADS))
        for n, payload in enumerate(PAYLOADS):
            watch.go("/customers")
            page.locator("#customer-search input[name=q]").fill(payload)
            page.locator("#customer-search button").click()
            page.locator("#customers tbody a").first.click()
            expect(page.locator("#customer-facts")).to_contain_text(f"metadata.note{payload}")
            expect(page.locator("#events")).to_contain_text(f"event {payload}")
            watch.nothing_ran()
            watch.go(f"/customers/xss-{n}")
        watch.go(f"/distributions?{urlencode({'notice': PAYLOADS[2], 'page': PAYLOADS[0]})}")
        expect(page.locator(".notice")).to_have_text(PAYLOADS[2])

        # The delete confirm, accepted: it asks with the name as plain text, then deletes.
        watch.go("/distributions")
        for distribution in distributions:
            row = page.locator(f"tr[data-id='{distribution['id']}']")
            row.locator("details.menu summary").click()
            row.get_by_role("button", name="Delete").click()
            expect(page.locator(".notice")).to_have_text("Distribution deleted")
            assert watch.dialogs.pop() == f"Delete {distribution['name']}?"
            watch.nothing_ran()
        expect(rows).to_have_count(1)  # the empty list's one row

        # Signed out, the sign-in page echoes what was typed.
        page.get_by_role("button", name="Sign out").click()
        keys = page.locator("form", has=page.locator("input[name=app_id]"))
        keys.locator("input[name=app_id]").fill(PAYLOADS[1])
        keys.locator("input[name=app_token]").fill(PAYLOADS[0])
        keys.get_by_role("button", name="Sign in").click()
        expect(page.locator(".error")).to_contain_text("Not signed in")
        expect(keys.locator("input[name=app_id]")).to_have_value(PAYLOADS[1])
        watch.nothing_ran()

        assert watch.dialogs == []
        assert len(watch.documents) > 30
        for document in watch.documents:
            headers = document.all_headers()
            assert headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, document.url
            assert headers.get("x-frame-options") == "DENY", document.url
            assert headers.get("x-content-type-options") == "nosniff", document.url
            assert headers.get("referrer-policy") == "no-referrer", document.url
