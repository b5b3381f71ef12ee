"""A full scenario on a real server logging at DEBUG, in each log format: none of the secrets
it used (outgoing ``Authorization`` headers included), nor the personal data of a statement
that failed, appear anywhere in what the server wrote. In JSON, every line parses and carries
the ids of what it is about."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from sendout.bootstrap import Container
from sendout.services.accounts.projects import create_project
from tests.db_faults import REFUSED_DOMAIN, refuse_customers_at_refused_domain
from tests.e2e.conftest import (
    Api,
    Receiver,
    Server,
    request,
    sendouts_of,
    start_server,
    stop_server,
)
from tests.e2e.dashboard import Browser
from tests.e2e.deliveries import secret_of


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


@pytest.fixture(params=["text", "json"])
def log_format(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def debug_server(
    isolated_container: Container, tmp_path: Path, admin_password: str, log_format: str
) -> Iterator[tuple[Server, Path]]:
    """A server at DEBUG over a database of its own (no other server's worker delivers its
    webhooks, so all of its work is in this log)."""
    env = {
        "SENDOUT_LOG_LEVEL": "DEBUG",
        "SENDOUT_ADMIN_PASSWORD": admin_password,
        "SENDOUT_LOG_FORMAT": log_format,
    }
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


def deliver_a_webhook(api: Api, receiver: Receiver, scenario: Scenario) -> dict[str, Any]:
    """A webhook with an ``Authorization`` header of its own, delivered: the distribution."""
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
    return dict(distribution)


def send_an_sms(api: Api, receiver: Receiver, scenario: Scenario) -> None:
    """Through a stand-in of Twilio: the ``Authorization`` header Sendout makes from the
    integration's token goes out, and stays out of the log."""
    sid = "AC" + "2" * 32
    token = scenario.keep("twilio token", secret("tw"))
    twilio = {
        "account_sid": sid,
        "auth_token": token,
        "from_number": "+15005550006",
        "base_url": f"http://127.0.0.1:{receiver.port}",
    }
    assert api.call("PUT", "/v1/integrations/twilio", twilio)[0] == 200
    credentials = base64.b64encode(f"{sid}:{token}".encode()).decode()
    scenario.keep("outgoing Twilio Authorization", credentials)
    status, distribution = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Texted",
            "trigger": {"event": "customer.custom_event", "custom_event": "texted"},
            "action": {"type": "PLAIN"},
            "channels": [{"type": "sms", "event_name": "sms", "settings": {"body": "Hi!"}}],
        },
    )
    assert status == 200, distribution
    customer = {"source_id": "cy", "phone": "+48500100200"}
    assert api.call("POST", "/v1/customers", customer)[0] == 200
    before = len(receiver.requests)
    assert api.call("POST", "/v1/events", {"event": "texted", "customer": customer})[0] == 200
    headers, _ = receiver.wait_for(before + 1)[-1]
    assert headers["authorization"] == f"Basic {credentials}"


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
    log_format: str,
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
    send_an_sms(api, receiver, scenario)
    fail_a_statement(api, scenario)
    use_the_dashboard(server, api, admin_password, scenario)

    text = log.read_text()
    assert "worker started" in text  # the scan reads the server's log, not an empty file
    assert "send-out" in text  # ... and the worker's lines about its attempts
    leaked = {name for name, value in scenario.secrets.items() if value in text}
    assert not leaked, text
    # JSON escapes what text writes as is: the secrets' escaped forms are looked for too.
    escaped = {name for name, value in scenario.secrets.items() if json.dumps(value) in text}
    assert not escaped, text
    # Each failure in one line (the server does not log it again), under its request id,
    # besides the request's access line.
    assert text.count("unexpected error") == len(scenario.failed_request_ids), text
    lines = text.splitlines()
    for request_id in scenario.failed_request_ids:
        about = [line for line in lines if request_id in line]
        assert len(about) == 2, text
        assert sum("unexpected error" in line for line in about) == 1, text
    assert "Exception in ASGI application" not in text
    if log_format == "json":
        # A dashboard page's access line names the project of its session.
        pages = [
            line
            for line in json_lines(text)
            if line.get("route") == "/dashboard/sendouts" and line.get("status") == 200
        ]
        assert pages, text
        assert all(line["project_id"] == keys.project.id for line in pages), pages


#: what ``sendout serve`` prints on stdout (not a log line) when it creates the first project
PRINTED_KEYS = re.compile(r"Project '.*' \(proj_\w+\)|  X-App-(Id|Token): |Keep the token")


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every log line, parsed (one that is not one JSON object fails the test)."""
    return [json.loads(line) for line in text.splitlines() if not PRINTED_KEYS.match(line)]


@pytest.mark.parametrize("log_format", ["json"], indirect=True)
async def test_json_lines_carry_the_ids_of_a_request_an_event_and_a_delivery(
    isolated_container: Container, debug_server: tuple[Server, Path], receiver: Receiver
) -> None:
    server, log = debug_server
    container = isolated_container
    keys = await create_project(container.uow_factory, container.clock, container.rng, "json")
    api = Api(server, keys)
    distribution = deliver_a_webhook(api, receiver, Scenario())

    # The worker logs an attempt as it records it: the API may show the send-out delivered a
    # moment before that line reaches the file.
    deadline = time.monotonic() + 5
    while f'"distribution_id": "{distribution["id"]}"' not in log.read_text():
        assert time.monotonic() < deadline, "no log line carries the distribution's id"
        await asyncio.sleep(0.02)
    lines = json_lines(log.read_text())
    for line in lines:
        assert {"timestamp", "level", "logger", "message"} <= set(line), line
    project = keys.project.id
    (event,) = [
        line
        for line in lines
        if line["logger"] == "sendout.access" and line.get("route") == "/v1/events"
    ]
    assert (event["method"], event["status"], event["project_id"]) == ("POST", 200, project)
    assert event["request_id"].startswith("v-")
    assert event["duration_ms"] >= 0
    (sendout,) = sendouts_of(api, distribution["id"])
    attempts = [line for line in lines if line.get("distribution_id") == distribution["id"]]
    assert attempts, lines
    for line in attempts:
        assert line["logger"] == "sendout.worker"
        assert (line["sendout_id"], line["project_id"]) == (sendout["id"], project)
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # the server's own
