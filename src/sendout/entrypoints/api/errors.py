"""The one place where failures become Voucherify-style HTTP errors.

Every error body is ``{code, key, message, details, request_id}`` plus ``resource_id`` and
``resource_type`` when the error is about one resource.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from sendout.domain.errors import DomainError, TooManyRequests
from sendout.entrypoints.api.deps import describe_validation
from sendout.entrypoints.api.responses import json_response
from sendout.logs import exception_class, valueless_traceback

log = logging.getLogger("sendout.api")

_HTTP_KEYS = {
    404: ("not_found", "Resource not found"),
    405: ("method_not_allowed", "Method not allowed"),
    413: ("payload_too_large", "Payload too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
}


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def error_body(
    *,
    code: int,
    key: str,
    message: str,
    details: str | None,
    request_id: str | None,
    resource_id: str | None = None,
    resource_type: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "key": key,
        "message": message,
        "details": details,
        "request_id": request_id,
    }
    if resource_id is not None:
        body["resource_id"] = resource_id
    if resource_type is not None:
        body["resource_type"] = resource_type
    return body


def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    body = error_body(
        code=exc.status,
        key=exc.key,
        message=exc.message,
        details=exc.details,
        request_id=request_id_of(request),
        resource_id=exc.resource_id,
        resource_type=exc.resource_type,
    )
    if exc.status == 401:
        # The SDK's documented 401 carries no key.
        body.pop("key")
    response = json_response(body, exc.status)
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return json_response(
        error_body(
            code=400,
            key="invalid_payload",
            message="Invalid payload",
            details=describe_validation(exc.errors()),
            request_id=request_id_of(request),
        ),
        400,
    )


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    key, message = _HTTP_KEYS.get(exc.status_code, ("error", "Error"))
    details = exc.detail if isinstance(exc.detail, str) and exc.detail != message else None
    return json_response(
        error_body(
            code=exc.status_code,
            key=key,
            message=message,
            details=details,
            request_id=request_id_of(request),
        ),
        exc.status_code,
    )


def unexpected_error_body(request_id: str | None) -> dict[str, Any]:
    return error_body(
        code=500,
        key="internal_error",
        message="Internal server error",
        details=f"Something went wrong on our side; quote request id {request_id}",
        request_id=request_id,
    )


def log_unexpected(exc: BaseException, scope: Scope, request_id: str | None) -> None:
    """One line per failure: class, request id, method, the route's path template (the path
    itself may hold an email or a code) and a traceback without values (``sendout.logs``).
    Formatted here rather than left to ``exc_info``: the line stays safe whatever formatter
    the handlers use (the test runner's, an embedding application's)."""
    route = scope.get("route")
    where = getattr(route, "path", None) or "(no route)"
    log.error(
        "unexpected error %s in %s %s (request %s)\n%s",
        exception_class(exc),
        scope.get("method", "-"),
        where,
        request_id,
        valueless_traceback(exc),
        extra={"request_id": request_id},
    )


def _unexpected_error(request: Request, exc: Exception) -> Response:
    # Reached only by a failure outside RequestContextMiddleware, which answers the others.
    request_id = request_id_of(request)
    log_unexpected(exc, request.scope, request_id)
    return json_response(unexpected_error_body(request_id), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
