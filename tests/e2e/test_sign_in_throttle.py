"""Sign-in throttling on a real server (issue 20, item 3): wrong admin passwords and wrong
API tokens earn a 429 with ``Retry-After`` after a few failures, the right credentials wait
out the lockout, other clients and other app ids are not held up, and the lockout is logged
without the secrets.

Each test is its own client: a loopback address of its own (127.0.0.0/8 all reaches the
server), so the per-address counts of one test never touch another's.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import orjson
import pytest

from sendout.bootstrap import Container
from sendout.domain.projects import IssuedKey
from sendout.services.accounts.projects import create_project
from sendout.services.accounts.sign_in_guard import ADDRESS_THRESHOLD, TARGET_THRESHOLD
from tests.e2e.conftest import Server, request, start_server, stop_server

ADMIN_PASSWORD = "correct-horse-battery-staple"
#: the first lockout: long enough for a burst of attempts to land inside it, short to wait out
LOCKOUT_SECONDS = 2


@pytest.fixture(scope="module")
def throttled(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own: an admin password, and its own lockout counts."""
    process, server = start_server(
        database_url,
        tmp_path_factory.mktemp("throttled"),
        {
            "SENDOUT_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "SENDOUT_SIGNIN_LOCKOUT_SECONDS": str(LOCKOUT_SECONDS),
        },
    )
    yield server
    stop_server(process)


class SignInForm:
    """The dashboard's sign-in form as one client at ``source`` posts it."""

    def __init__(self, server: Server, source: str) -> None:
        self.server, self.source = server, source
        _, headers, body = request(server, "GET", "/dashboard/login", source=source)
        cookie = re.match(r"sendout_login=([^;]+)", headers["set-cookie"])
        token = re.search(r'name="login_token" value="([^"]+)"', body.decode())
        assert cookie, headers
        assert token, body
        self.cookie, self.token = cookie[1], token[1]

    def post(self, fields: dict[str, str]) -> tuple[int, dict[str, str], str]:
        status, headers, body = request(
            self.server,
            "POST",
            "/dashboard/login",
            urlencode({**fields, "login_token": self.token}).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sendout_login={self.cookie}",
            },
            source=self.source,
        )
        return status, headers, body.decode()


def get_customers(
    server: Server, app_id: str, token: str, source: str, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    auth = {"X-App-Id": app_id, "X-App-Token": token}
    return request(server, "GET", "/v1/customers", headers={**auth, **headers}, source=source)


def test_wrong_admin_passwords_get_429_and_the_right_one_waits_out_the_lockout(
    throttled: Server,
) -> None:
    form = SignInForm(throttled, "127.0.0.2")
    statuses = [form.post({"admin_password": f"guess-{n:03d}"})[0] for n in range(200)]
    assert statuses[:TARGET_THRESHOLD] == [401] * TARGET_THRESHOLD
    assert statuses[TARGET_THRESHOLD] == 429
    # Had the burst outlasted a lockout, one more guess went through and doubled the next.
    assert statuses.count(401) <= TARGET_THRESHOLD + 3
    assert set(statuses) == {401, 429}

    status, headers, page = form.post({"admin_password": ADMIN_PASSWORD})
    assert status == 429
    assert "Too many failed sign-ins" in page
    time.sleep(int(headers["retry-after"]))
    status, headers, _ = form.post({"admin_password": ADMIN_PASSWORD})
    assert status == 303
    assert "sendout_session=" in headers["set-cookie"]

    log = throttled.log.read_text()
    assert re.search(r"WARNING sendout.auth sign-in locked out .*admin password.*127\.0\.0\.2", log)
    assert "guess-" not in log
    assert ADMIN_PASSWORD not in log


@pytest.fixture
async def other_project(container: Container) -> IssuedKey:
    return await create_project(container.uow_factory, container.clock, container.rng, "other")


def test_wrong_api_tokens_get_429_for_that_app_id_only(
    throttled: Server, project: IssuedKey, other_project: IssuedKey
) -> None:
    client = "127.0.0.3"
    statuses = [
        get_customers(throttled, project.app_id, "wrong-token", client)[0]
        for _ in range(TARGET_THRESHOLD + 1)
    ]
    assert statuses == [401] * TARGET_THRESHOLD + [429]

    status, headers, body = get_customers(throttled, project.app_id, project.app_token, client)
    assert status == 429
    refused = orjson.loads(body)
    assert {k: refused[k] for k in ("code", "key", "message")} == {
        "code": 429,
        "key": "too_many_requests",
        "message": "Too many requests",
    }
    assert "retry in" in refused["details"]
    assert refused["request_id"]
    assert 1 <= int(headers["retry-after"]) <= LOCKOUT_SECONDS

    # The app id is locked out wherever its guesses come from, the dashboard included ...
    assert get_customers(throttled, project.app_id, project.app_token, "127.0.0.4")[0] == 429
    keys = {"app_id": project.app_id, "app_token": project.app_token}
    assert SignInForm(throttled, "127.0.0.4").post(keys)[0] == 429
    # ... while another app id from the same client works.
    assert get_customers(throttled, other_project.app_id, other_project.app_token, client)[0] == 200

    time.sleep(int(headers["retry-after"]))
    assert get_customers(throttled, project.app_id, project.app_token, client)[0] == 200
    assert "wrong-token" not in throttled.log.read_text()


def test_a_client_guessing_many_app_ids_is_locked_out_and_forwarded_for_is_ignored(
    throttled: Server, project: IssuedKey
) -> None:
    client = "127.0.0.5"
    for number in range(ADDRESS_THRESHOLD):
        # A spoofed X-Forwarded-For from an untrusted peer changes nothing.
        forwarded = {"X-Forwarded-For": f"198.51.100.{number}"}
        status, _, _ = get_customers(throttled, f"guess-{number}", "x", client, **forwarded)
        assert status == 401
    status, headers, _ = get_customers(throttled, project.app_id, project.app_token, client)
    assert status == 429
    assert int(headers["retry-after"]) >= 1
    # Another client address is not held up.
    assert get_customers(throttled, project.app_id, project.app_token, "127.0.0.6")[0] == 200
    log = throttled.log.read_text()
    assert re.search(r"sign-in locked out .*by its client address.*127\.0\.0\.5", log)
