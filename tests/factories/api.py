"""Calling the API as an ASGI app (no socket), and the bodies the target checks send."""

from __future__ import annotations

from typing import Any

import orjson

from sendout.bootstrap import Container
from sendout.domain.projects import IssuedKey
from sendout.entrypoints.api.app import create_app


class Client:
    def __init__(self, container: Container, project: IssuedKey) -> None:
        self._app = create_app(container)
        self._headers = {
            "X-App-Id": project.app_id,
            "X-App-Token": project.app_token,
            "Content-Type": "application/json",
        }

    async def __call__(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        status, _, payload = await call(self._app, method, path, self._headers, orjson.dumps(body))
        return status, orjson.loads(payload) if payload else None


def distribution(url: str) -> dict[str, Any]:
    return {
        "name": "Checked",
        "trigger": {"event": "customer.custom_event", "custom_event": "checked"},
        "action": {"type": "PLAIN"},
        "channels": [{"type": "webhook", "event_name": "checked", "url": url}],
    }


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
