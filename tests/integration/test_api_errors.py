"""The API's last line of defence, called as an ASGI app (no socket needed for this)."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest

from sendout.bootstrap import Container
from sendout.domain.projects import IssuedKey
from sendout.entrypoints.api.app import create_app
from tests.factories.api import call

#: in the exception's message only (a traceback shows the raising line's source)
INTERNALS = "secret internals: password=hunter2"


class ExplodingUnitOfWork:
    async def __aenter__(self) -> ExplodingUnitOfWork:
        raise RuntimeError(INTERNALS)

    async def __aexit__(self, *exc: object) -> None:
        return None


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
