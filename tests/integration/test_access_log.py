"""One access line per request, with the route's template, status, duration and the ids of
the request and its project; nothing of the path's values and no credential."""

from __future__ import annotations

import logging
import secrets
import timeit
from typing import Any

import orjson
from fastapi import FastAPI

from sendout.bootstrap import Container
from sendout.domain.projects import IssuedKey
from sendout.entrypoints.api.access_log import access_log, log_access
from sendout.entrypoints.api.app import create_app
from tests.factories.api import call
from tests.log_lines import captured_log


def headers_of(keys: IssuedKey) -> dict[str, str]:
    return {
        "X-App-Id": keys.app_id,
        "X-App-Token": keys.app_token,
        "Content-Type": "application/json",
    }


async def one_access_line(
    app: FastAPI, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[dict[str, Any], str, dict[bytes, bytes]]:
    """The request's only access line, the whole log text, and the response headers."""
    with captured_log(level=logging.INFO) as log:
        _, response_headers, _ = await call(app, method, path, headers, body)
    (line,) = log.by("sendout.access")
    return line, log.text, response_headers


async def test_an_authenticated_request_logs_its_route_template_and_ids(
    container: Container, project: IssuedKey
) -> None:
    app = create_app(container)
    email = f"ann.{secrets.token_hex(4)}@shop.test"
    body = orjson.dumps({"source_id": "ann-access", "email": email})
    await call(app, "POST", "/v1/customers", headers_of(project), body)

    line, text, headers = await one_access_line(
        app, "GET", "/v1/customers/ann-access", headers_of(project)
    )
    assert line["method"] == "GET"
    assert line["route"] == "/v1/customers/{customer_id}"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["request_id"] == headers[b"x-request-id"].decode()
    assert line["project_id"] == project.project.id
    assert line["message"].startswith("GET /v1/customers/{customer_id} 200 ")
    assert line["level"] == "INFO"
    assert "ann-access" not in text  # the path's value stays out
    assert project.app_token not in text


async def test_refused_and_unmatched_requests_are_logged_without_a_project(
    container: Container, project: IssuedKey
) -> None:
    app = create_app(container)
    wrong = {**headers_of(project), "X-App-Token": "wrong-" + secrets.token_hex(8)}
    line, text, _ = await one_access_line(app, "GET", "/v1/customers", wrong)
    assert (line["route"], line["status"]) == ("/v1/customers", 401)
    assert "project_id" not in line
    assert wrong["X-App-Token"] not in text

    line, _, _ = await one_access_line(app, "GET", "/v1/no-such-thing", headers_of(project))
    assert (line["route"], line["status"]) == ("unmatched", 404)

    too_large = {**headers_of(project), "Content-Length": str(10**9)}
    line, _, _ = await one_access_line(app, "POST", "/v1/customers", too_large)
    assert line["status"] == 413


async def test_requests_one_after_another_do_not_inherit_each_others_project(
    container: Container, project: IssuedKey
) -> None:
    # The middleware's block ends with the request: what authentication bound goes with it.
    app = create_app(container)
    with captured_log(level=logging.INFO) as log:
        await call(app, "GET", "/v1/customers", headers_of(project), b"")
        await call(app, "GET", "/healthz", {}, b"")
    first, second = log.by("sendout.access")
    assert first["project_id"] == project.project.id
    assert "project_id" not in second
    assert first["request_id"] != second["request_id"]


def test_the_access_line_is_cheap_and_costs_nothing_when_disabled() -> None:
    """Prints its cost per request (see the report); bounds it loosely, as machines vary."""
    route = type("Route", (), {"path": "/v1/customers/{customer_id}"})()
    scope = {"type": "http", "method": "GET", "route": route}
    previous = access_log.level
    try:
        access_log.setLevel(logging.WARNING)
        disabled = min(timeit.repeat(lambda: log_access(scope, 200, 0.0), number=10_000, repeat=3))
        with captured_log(level=logging.INFO, logger="sendout.access"):
            enabled = min(
                timeit.repeat(lambda: log_access(scope, 200, 0.0), number=2_000, repeat=3)
            )
    finally:
        access_log.setLevel(previous)
    per_disabled_us = disabled / 10_000 * 1e6
    per_enabled_us = enabled / 2_000 * 1e6
    print(f"access line: {per_enabled_us:.1f} us enabled (JSON), {per_disabled_us:.2f} us off")
    assert per_disabled_us < 5
    assert per_enabled_us < 500
