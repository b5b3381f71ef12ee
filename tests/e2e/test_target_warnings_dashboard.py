"""The dashboard shows the warning about a webhook URL that cannot be delivered to now (issue 22,
section 4) after saving the distribution form, on a real server per backend."""

from __future__ import annotations

import pytest

from sendout.domain.projects import IssuedKey
from tests.e2e.conftest import Server
from tests.e2e.dashboard import Browser, notice_in


@pytest.fixture
def browser(server: Server, project: IssuedKey) -> Browser:
    return Browser(server, project)


def test_saving_a_distribution_shows_its_warning_escaped(browser: Browser) -> None:
    browser.page("/dashboard/distributions/new")
    # ``.invalid`` never resolves (RFC 6761): whether the server's resolver says so at once or
    # does not answer within the bound, the save succeeds with a warning about the channel.
    fields = {
        "name": "<b>Warned</b>",
        "trigger_event": "customer.order.paid",
        "action_type": "PLAIN",
        "status": "ACTIVE",
        "ch0_type": "webhook",
        "ch0_event_name": "paid",
        "ch0_url": "https://hooks.invalid/paid",
    }
    page = browser.submit("/dashboard/distributions", fields)
    notice = notice_in(page)
    assert notice.startswith("Saved <b>Warned</b>. channels[0].url: hooks.invalid "), notice
    assert "<b>Warned</b>" not in page  # user text is escaped
