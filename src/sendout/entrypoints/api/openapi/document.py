"""The OpenAPI document: FastAPI's, completed with what the routes cannot declare cheaply.

Each operation gets its real success schema (``operations.py``), the error object for the
statuses it can answer, and no 422 (FastAPI adds it by default; the API answers malformed
input with 400 ``invalid_payload``). The distribution, send-out and webhook payloads carry
examples, and the envelope a webhook receiver gets is documented under ``webhooks``.
Built once, on the first request for ``/openapi.json``; nothing here runs per request.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from sendout.entrypoints.api.openapi.common import Error, Readiness, list_schema
from sendout.entrypoints.api.openapi.distributions import (
    DISTRIBUTION_EXAMPLE,
    DISTRIBUTION_REQUEST_EXAMPLE,
)
from sendout.entrypoints.api.openapi.operations import (
    SUCCESS,
    Listing,
    Many,
    OneOrMany,
    Success,
)
from sendout.entrypoints.api.openapi.sendouts import (
    ENVELOPE_EXAMPLE,
    SENDOUT_EXAMPLE,
    WebhookEnvelope,
)

REF = "#/components/schemas/{model}"
ERROR_REF = {"$ref": "#/components/schemas/Error"}

ERRORS = {
    400: "Invalid input (``invalid_payload``, ``invalid_query``...): ``details`` says what",
    401: "Missing or wrong X-App-Id / X-App-Token",
    404: "The resource, or one the request names, does not exist in this project",
    409: "A duplicate or a conflicting state (``duplicate_found``...)",
    413: "The request body is larger than SENDOUT_MAX_BODY_BYTES",
    429: "Too many failed sign-ins from this client: retry after ``Retry-After`` seconds",
    503: "Stored secrets cannot be opened with the configured SENDOUT_ENCRYPTION_KEY",
}
#: where stored secrets (channel headers and secrets, integration keys) are read
SECRET_PREFIXES = ("/v1/distributions", "/v1/webhooks", "/v1/integrations")
UNAUTHENTICATED = ("/healthz", "/readyz")

EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/distributions"): DISTRIBUTION_EXAMPLE,
    ("GET", "/v1/distributions/{distribution_id}"): DISTRIBUTION_EXAMPLE,
    ("GET", "/v1/sendouts/{sendout_id}"): SENDOUT_EXAMPLE,
}
REQUEST_EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/distributions"): DISTRIBUTION_REQUEST_EXAMPLE,
}


class Components:
    """The named schemas the document refers to, collected as operations use them."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def ref(self, model: Any) -> dict[str, Any]:
        name = model.__name__
        if name not in self.schemas:
            schema = TypeAdapter(model).json_schema(ref_template=REF, mode="serialization")
            self.schemas.update(schema.pop("$defs", {}))
            self.schemas[name] = schema
        return {"$ref": REF.format(model=name)}

    def body(self, body: Any) -> dict[str, Any]:
        if isinstance(body, Listing):
            item = self.ref(body.item)
            self.schemas.setdefault(body.name, list_schema(body.name, body.data_ref, item["$ref"]))
            return {"$ref": REF.format(model=body.name)}
        if isinstance(body, Many):
            return {"type": "array", "items": self.ref(body.item)}
        if isinstance(body, OneOrMany):
            one = self.ref(body.item)
            return {"oneOf": [one, {"type": "array", "items": one}]}
        return self.ref(body)


def error_statuses(method: str, path: str) -> list[int]:
    if path in UNAUTHENTICATED:
        return []
    statuses = [400, 401, 404, 429]
    if method in ("POST", "PUT", "DELETE"):
        statuses.append(409)
    if method in ("POST", "PUT"):
        statuses.append(413)
    if path.startswith(SECRET_PREFIXES):
        statuses.append(503)
    return sorted(statuses)


def complete_operation(
    method: str, path: str, operation: dict[str, Any], components: Components
) -> None:
    success = SUCCESS.get((method, path))
    if success is None:
        raise LookupError(f"{method} {path}: declare its answer in openapi/operations.py")
    operation["responses"] = {
        **_success(method, path, success, components),
        **{
            str(status): {
                "description": ERRORS[status],
                "content": {"application/json": {"schema": ERROR_REF}},
            }
            for status in error_statuses(method, path)
        },
    }
    if path == "/readyz":
        operation["responses"]["503"] = {
            "description": "Not ready: the database is unreachable or refuses writes",
            "content": {"application/json": {"schema": components.ref(Readiness)}},
        }
    example = REQUEST_EXAMPLES.get((method, path))
    if example is not None:
        operation["requestBody"]["content"]["application/json"]["example"] = example


def _success(method: str, path: str, success: Success, components: Components) -> dict[str, Any]:
    if success.body is None:
        return {str(success.status): {"description": "Done; no content"}}
    content: dict[str, Any] = {"schema": components.body(success.body)}
    example = EXAMPLES.get((method, path))
    if example is not None:
        content["example"] = example
    return {str(success.status): {"description": "OK", "content": {"application/json": content}}}


def build_document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = Components()
    components.ref(Error)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            complete_operation(method.upper(), path, operation, components)
    envelope = components.ref(WebhookEnvelope)
    document["webhooks"] = {
        "sendout": {
            "post": {
                "summary": "What a distribution's webhook channel sends (the envelope)",
                "requestBody": {
                    "content": {
                        "application/json": {"schema": envelope, "example": ENVELOPE_EXAMPLE}
                    }
                },
                "responses": {"2XX": {"description": "Delivered (any 2xx); else retried"}},
            }
        }
    }
    # FastAPI's own validation-error schemas: nothing refers to them any more.
    document["components"] = {"schemas": dict(sorted(components.schemas.items()))}
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve ``build_document(app)`` at ``/openapi.json``, built on first use."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
