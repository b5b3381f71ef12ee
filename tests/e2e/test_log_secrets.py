"""A full scenario on a real server logging at DEBUG: none of the secrets it used, nor the
personal data of a statement that failed, appear anywhere in what the server wrote."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest

from sendout.bootstrap import Container
from sendout.services.projects import create_project
from tests.db_faults import REFUSED_DOMAIN, refuse_customers_at_refused_domain
from tests.e2e.conftest import Api, Receiver, Server, request, start_server, stop_server
from tests.e2e.test_dashboard_pages import Browser
from tests.e2e.test_delivery import secret_of


def secret(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(12)}"


@dataclass
class Scenario:
    """What the server was told: the secrets to look for, and its answers to remember."""

    secrets: dict[str, str] = field(default_factory=dict)
    failed_request_ids: list[str] = field(default_factory=list)

    def keep(self, name: str, value: str) -> str:
        self.secrets[name] = value
        return value


@pytest.fixture
def admin_password() -> str:
    return secret("admin-password")


@pytest.fixture
def debug_server(
    isolated_container: Container, tmp_path: Path, admin_password: str
) -> Iterator[tuple[Server, Path]]:
    """A server at DEBUG over a database of its own (no other server's worker delivers its
    webhooks, so all of its work is in this log)."""
    env = {"SENDOUT_LOG_LEVEL": "DEBUG", "SENDOUT_ADMIN_PASSWORD": admin_password}
    process, server = start_server(isolated_container.settings.database_url, tmp_path, env)
    try:
        yield server, server.log
    finally:
        stop_server(process)


def configure_integrations(api: Api, scenario: Scenario) -> None:
    smtp = {
        "host": "mail.example.com",
        "port": 587,
        "username": "promo",
        "password": scenario.keep("smtp password", secret("smtp")),
        "from_address": "promo@shop.test",
    }
    assert api.call("PUT", "/v1/integrations/smtp", smtp)[0] == 200
    twilio = {"account_sid": "AC" + "1" * 32, "auth_token": scenario.keep("twilio", secret("tw"))}
    assert api.call("PUT", "/v1/integrations/twilio", twilio)[0] == 200
    # The audit's case: a NUL byte that PostgreSQL refuses (a 400 once the API refuses it).
    nul = {**twilio, "auth_token": "\x00" + scenario.keep("NUL token", secret("nul"))}
    status, answer = api.call("PUT", "/v1/integrations/twilio", nul)
    assert status in (200, 400, 500), answer
    if status == 500:
        scenario.failed_request_ids.append(answer["request_id"])


def deliver_a_webhook(api: Api, receiver: Receiver, scenario: Scenario) -> None:
    authorization = "Bearer " + scenario.keep("Authorization header", secret("bearer"))
    status, distribution = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Logged",
            "trigger": {"event": "customer.custom_event", "custom_event": "logged"},
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    "type": "webhook",
                    "event_name": "logged",
                    "url": receiver.url,
                    "headers": {"Authorization": authorization},
                    "payload": '{"email": "{{customer.email}}"}',
                }
            ],
        },
    )
    assert status == 200, distribution
    scenario.keep("webhook secret", secret_of(api, distribution)["secret"])
    email = scenario.keep("customer email", f"ann.{secrets.token_hex(6)}@shop.test")
    customer = {"source_id": "ann", "email": email}
    assert api.call("POST", "/v1/customers", customer)[0] == 200
    event = {"event": "logged", "customer": {"source_id": "ann"}}
    assert api.call("POST", "/v1/events", event)[0] == 200
    ((headers, body),) = receiver.wait_for(1)
    assert headers["authorization"] == authorization
    assert email.encode() in body


def fail_a_statement(api: Api, scenario: Scenario) -> None:
    email = scenario.keep("refused email", f"bob.{secrets.token_hex(6)}@{REFUSED_DOMAIN}")
    status, answer = api.call("POST", "/v1/customers", {"source_id": "bob", "email": email})
    assert status == 500, answer
    scenario.failed_request_ids.append(answer["request_id"])


def sign_in_as_admin(server: Server, password: str) -> tuple[int, str]:
    """The sign-in form posted with the admin password: the status and the cookies set."""
    _, headers, page = request(server, "GET", "/dashboard/login")
    login = re.match(r"sendout_login=([^;]+)", headers["set-cookie"])
    token = re.search(r'name="login_token" value="([^"]+)"', page.decode())
    assert login, headers
    assert token, page
    form = {"admin_password": password, "login_token": token[1]}
    status, headers, _ = request(
        server,
        "POST",
        "/dashboard/login",
        urlencode(form).encode(),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"sendout_login={login[1]}",
        },
    )
    return status, f"{login[1]} {headers.get('set-cookie', '')}"


def use_the_dashboard(server: Server, api: Api, admin_password: str, scenario: Scenario) -> None:
    wrong = scenario.keep("wrong admin password", secret("wrong"))
    assert sign_in_as_admin(server, wrong)[0] in (401, 429)
    status, cookies = sign_in_as_admin(server, admin_password)
    assert status == 303, cookies
    session = re.search(r"sendout_session=([^;]+)", cookies)
    assert session, cookies
    scenario.keep("admin session cookie", session[1])
    browser = Browser(server, api.keys)
    scenario.keep("key-pair session cookie", browser.cookie)
    browser.page("/dashboard/sendouts")
    browser.page("/dashboard/customers")


async def test_the_log_holds_none_of_the_secrets_a_full_scenario_used(
    isolated_container: Container,
    debug_server: tuple[Server, Path],
    admin_password: str,
    receiver: Receiver,
) -> None:
    server, log = debug_server
    container = isolated_container
    keys = await create_project(container.uow_factory, container.clock, container.rng, "logs")
    await refuse_customers_at_refused_domain(container)
    api = Api(server, keys)
    scenario = Scenario()
    scenario.keep("app token", keys.app_token)
    scenario.keep("admin password", admin_password)

    configure_integrations(api, scenario)
    deliver_a_webhook(api, receiver, scenario)
    fail_a_statement(api, scenario)
    use_the_dashboard(server, api, admin_password, scenario)

    text = log.read_text()
    assert "worker started" in text  # the scan reads the server's log, not an empty file
    leaked = {name for name, value in scenario.secrets.items() if value in text}
    assert not leaked, text
    # Each failure in one line (the server does not log it again), under its request id.
    assert text.count("unexpected error") == len(scenario.failed_request_ids), text
    for request_id in scenario.failed_request_ids:
        assert text.count(request_id) == 1, text
    assert "Exception in ASGI application" not in text
