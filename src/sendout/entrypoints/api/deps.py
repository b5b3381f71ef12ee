"""What every route needs from the request: the caller's context, storage, a parsed body.

Routes call these directly instead of declaring FastAPI dependencies: on the ingest path
each declared dependency cost more than the database work it fronts (measured in
``bench/api_ingest.py``). Bodies are parsed from bytes by pydantic's JSON parser for the same
reason, and documented in the OpenAPI schema with ``body_docs``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from sendout.domain.bounds import INT64_MAX, INT64_MIN
from sendout.domain.channels import ChannelCatalog
from sendout.domain.errors import InvalidPayload
from sendout.domain.ports import TargetProbe, UnitOfWorkFactory
from sendout.domain.targets import TargetPolicy
from sendout.entrypoints.api.auth import Authenticator
from sendout.entrypoints.api.bounds import check_body, check_url
from sendout.services.context import Context

M = TypeVar("M", bound=BaseModel)

#: What ``check_body`` enforces everywhere in a body, free-form objects (metadata) included.
BODY_RULES = (
    f"Integers anywhere in the body are 64-bit signed ({INT64_MIN} to {INT64_MAX}); "
    "text (values and keys) must not contain NUL (\\u0000)."
)


async def context(request: Request) -> Context:
    """The authenticated caller's context (401 without a valid key pair). Every route starts
    here, so the URL is checked here too (NUL in an id or a query parameter)."""
    authenticator: Authenticator = request.app.state.authenticator
    ctx = await authenticator.context(request)
    check_url(request)
    return ctx


def storage(request: Request) -> UnitOfWorkFactory:
    factory: UnitOfWorkFactory = request.app.state.container.uow_factory
    return factory


def channels(request: Request) -> ChannelCatalog:
    """The channel kinds this installation sends through (webhooks aside)."""
    catalog: ChannelCatalog = request.app.state.container.channels
    return catalog


def targets(request: Request) -> TargetPolicy:
    """Where this installation's channels may connect (checked when targets are saved)."""
    return channels(request).targets


def target_probe(request: Request) -> TargetProbe:
    """Resolves a saved webhook's host name (the answer warns when sends would be refused)."""
    probe: TargetProbe = request.app.state.container.target_probe
    return probe


def wake_worker(request: Request) -> None:
    """Tell an in-process worker that new work was just committed (else it polls)."""
    request.app.state.container.wake_worker()


async def parse_body(request: Request, model: type[M]) -> M:
    """The JSON body as ``model``; a 400 ``invalid_payload`` naming each bad field otherwise."""
    raw = await request.body()
    check_body(raw)
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        raise InvalidPayload(details=describe_validation(exc.errors())) from None


def describe_validation(errors: Any) -> str:
    parts = []
    for error in errors:
        if error.get("type") == "json_invalid":
            return "Request body is not valid JSON"
        location = [str(p) for p in error.get("loc", ()) if p != "body"]
        parts.append(f"{'.'.join(location) or 'body'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "Invalid request"


def body_docs(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting ``model`` as the JSON request body of a route."""
    schema = _inline_refs(model.model_json_schema())
    return {
        "requestBody": {
            "required": True,
            "description": BODY_RULES,
            "content": {"application/json": {"schema": schema}},
        }
    }


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved
