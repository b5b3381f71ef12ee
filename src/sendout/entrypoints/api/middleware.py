"""ASGI middleware: a request id for every call (bound to every line logged while it is
handled), the request body size limit, the 500 answer to an unexpected failure, and the
access log line.

Written as plain ASGI (not ``BaseHTTPMiddleware``) because it wraps every request and the
plain form costs a few microseconds instead of a task and a queue per call.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sendout.domain.ids import new_request_id
from sendout.entrypoints.api.access_log import log_access
from sendout.entrypoints.api.errors import error_body, log_unexpected, unexpected_error_body
from sendout.entrypoints.api.responses import JSON_MEDIA_TYPE
from sendout.log_context import log_fields


class BodyTooLarge(HTTPException):
    """Raised while the body streams in. An HTTPException so that FastAPI's body parsing lets
    it through (it turns other exceptions into 400s) and the error handlers answer 413."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        rng: random.Random,
        on_write: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.rng = rng
        # A successful write may have committed events or jobs: the in-process worker is
        # woken at once instead of at its next poll.
        self.on_write = on_write

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = new_request_id(self.rng)
        scope.setdefault("state", {})["request_id"] = request_id
        # Authentication adds the project (bind_log_fields) in this same task: the access
        # line, written inside the block, carries it; leaving the block drops both.
        with log_fields(request_id=request_id):
            status = await self._answer(scope, receive, send, request_id)
            log_access(scope, status, started)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> int:
        """Runs the request; the status it was answered with."""
        limit = self.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await self._too_large(send, request_id)
                return 413

        received = 0
        response_started = False
        status = 500  # unless a response starts
        writes = scope["method"] not in ("GET", "HEAD", "OPTIONS")

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started, status
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                if self.on_write is not None and writes and message["status"] < 400:
                    self.on_write()
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await self._too_large(send, request_id)
                return 413
        except Exception as exc:
            # Answered here, not by Starlette's outermost ServerErrorMiddleware: that one runs
            # outside this middleware (its 500 would lack X-Request-Id) and re-raises after
            # answering, so that the server logs the failure a second time. Here it is logged
            # once and goes no further; a response already under way is left to be cut short.
            log_unexpected(exc, scope, request_id)
            if not response_started:
                await _respond(send, 500, unexpected_error_body(request_id), request_id)
                return 500
        return status

    async def _too_large(self, send: Send, request_id: str) -> None:
        body = error_body(
            code=413,
            key="payload_too_large",
            message="Payload too large",
            details=f"Request bodies are limited to {self.max_body_bytes} bytes",
            request_id=request_id,
        )
        await _respond(send, 413, body, request_id)


async def _respond(send: Send, status: int, error: dict[str, Any], request_id: str) -> None:
    body = orjson.dumps(error)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", JSON_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
