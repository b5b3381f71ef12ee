"""The API's last line of defence, called as an ASGI app (no socket needed for this)."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest

from sendout.bootstrap import Container
from sendout.domain.projects import IssuedKey
from sendout.entrypoints.api.app import create_app

#: in the exception's message only (a traceback shows the raising line's source)
INTERNALS = "secret internals: password=hunter2"


class ExplodingUnitOfWork:
    async def __aenter__(self) -> ExplodingUnitOfWork:
        raise RuntimeError(INTERNALS)

    async def __aexit__(self, *exc: object) -> None:
        return None


async def call(app: Any, method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 2),
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    # Nothing escapes: a failure re-raised after its 500 would be logged again by the server.
    await app(scope, receive, send)
    status = messages[0]["status"]
    payload = b"".join(m.get("body", b"") for m in messages[1:])
    return status, dict(messages[0]["headers"]), payload


async def test_an_unexpected_failure_is_a_500_without_internals(
    container: Container, project: IssuedKey, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(container)
    real_factory = container.uow_factory
    calls = 0

    def factory() -> Any:
        nonlocal calls
        calls += 1
        # The first unit of work authenticates; the next one, the use case, explodes.
        return real_factory() if calls == 1 else ExplodingUnitOfWork()

    app.state.container = type("C", (), {"uow_factory": staticmethod(factory)})()
    app.state.authenticator._uow_factory = factory
    headers = {
        "X-App-Id": project.app_id,
        "X-App-Token": project.app_token,
        "Content-Type": "application/json",
    }
    with caplog.at_level(logging.ERROR, logger="sendout.api"):
        status, response_headers, payload = await call(
            app, "POST", "/v1/customers", headers, orjson.dumps({"source_id": "x"})
        )
    assert status == 500
    assert response_headers[b"content-type"].startswith(b"application/json")
    body = orjson.loads(payload)
    assert body["code"] == 500
    assert body["key"] == "internal_error"
    assert "hunter2" not in payload.decode()
    assert "Traceback" not in payload.decode()
    assert response_headers[b"x-request-id"] == body["request_id"].encode()
    (record,) = caplog.records
    assert record.request_id == body["request_id"]  # type: ignore[attr-defined]
    assert "RuntimeError in POST /v1/customers" in record.getMessage()
    assert "hunter2" not in caplog.text
