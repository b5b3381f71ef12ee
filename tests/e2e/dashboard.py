"""Signing in to the dashboard and reading its pages over plain HTTP (no real browser: see
browser.py for that): a signed-in visitor posting forms with their CSRF token, the pieces of
a page the tests look at, and a campaign with codes to show."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlencode

from sendout.domain.projects import IssuedKey
from tests.e2e.conftest import Api, Server, request


def login_form(server: Server) -> tuple[str, str]:
    """The sign-in form's double-submit token: (its cookie's value, the form's value)."""
    status, headers, body = request(server, "GET", "/dashboard/login")
    assert status == 200, body
    login = re.match(r"sendout_login=([^;]+)", headers["set-cookie"])
    token = re.search(r'name="login_token" value="([^"]+)"', body.decode())
    assert login, headers
    assert token, body
    return login[1], token[1]


def post_login(server: Server, body: bytes, cookie: str) -> tuple[int, dict[str, str], bytes]:
    """A sign-in form posted with the sign-in cookie ``cookie``."""
    return request(
        server,
        "POST",
        "/dashboard/login",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"sendout_login={cookie}",
        },
    )


class Browser:
    """A signed-in visitor: the session cookie on every request, the CSRF token of the last
    page read."""

    def __init__(self, server: Server, keys: IssuedKey) -> None:
        self.server = server
        cookie, token = login_form(server)
        form = {"app_id": keys.app_id, "app_token": keys.app_token, "login_token": token}
        status, headers, _ = post_login(server, urlencode(form).encode(), cookie)
        assert status == 303, headers
        match = re.match(r"sendout_session=([^;]+)", headers["set-cookie"])
        assert match, headers["set-cookie"]
        self.cookie = match.group(1)
        self.csrf = ""

    def get(self, path: str) -> tuple[int, str]:
        status, headers, body = request(
            self.server, "GET", path, headers={"Cookie": f"sendout_session={self.cookie}"}
        )
        text = body.decode()
        found = re.search(r'<meta name="csrf-token" content="([^"]+)">', text)
        if found:
            self.csrf = found.group(1)
        if status == 303:
            return status, headers["location"]
        return status, text

    def page(self, path: str) -> str:
        status, text = self.get(path)
        assert status == 200, (path, status, text)
        return text

    def post(
        self, path: str, fields: dict[str, str] | None = None, *, csrf: bool = True
    ) -> tuple[int, dict[str, str], bytes]:
        form = {**(fields or {}), **({"csrf_token": self.csrf} if csrf else {})}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if getattr(self, "cookie", None):
            headers["Cookie"] = f"sendout_session={self.cookie}"
        return request(self.server, "POST", path, urlencode(form).encode(), headers)

    def submit(self, path: str, fields: dict[str, str] | None = None) -> str:
        """Post a form with its token and follow the redirect: the page it lands on."""
        status, headers, body = self.post(path, fields)
        assert status == 303, (status, body)
        location = headers["location"]
        assert location.startswith("/dashboard/")
        return self.page(location)


def unread_badge(text: str) -> int:
    found = re.search(r'id="unread-count">(\d+)<', text)
    return int(found.group(1)) if found else 0


def row_of(text: str, attribute: str, value: str) -> str:
    """The table row (or list item) whose ``attribute`` is ``value``."""
    found = re.search(rf'<(tr|li)[^>]*{attribute}="{re.escape(value)}".*?</\1>', text, re.S)
    assert found, f"no {attribute}={value} in the page"
    return found.group(0)


def cell(row: str, name: str) -> str:
    found = re.search(rf'class="num {name}">(\d+)', row)
    assert found, row
    return found.group(1)


def notice_in(text: str) -> str:
    found = re.search(r'<p class="(notice|error)" role="(?:status|alert)">(.*?)</p>', text, re.S)
    assert found, "no notice on the page"
    return html.unescape(found.group(2))


def campaign_with_codes(api: Api, name: str, count: int) -> dict[str, Any]:
    status, campaign = api.call(
        "POST",
        "/v1/campaigns",
        {
            "name": name,
            "campaign_type": "DISCOUNT_COUPONS",
            "type": "STATIC",
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 500},
            },
        },
    )
    assert status == 200, campaign
    for _ in range(count):
        status, voucher = api.call("POST", f"/v1/campaigns/{campaign['id']}/vouchers")
        assert status == 200, voucher
    return dict(campaign)
