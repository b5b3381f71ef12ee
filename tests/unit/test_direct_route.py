"""``DirectRoute``: the endpoint is called with the request alone, so a route declaring
anything FastAPI would solve (a query parameter, a body, a dependency) is refused when made."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends, FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from sendout.entrypoints.api.direct_route import DirectRoute


async def answer(request: Request) -> Response:
    return Response(request.method.encode(), media_type="text/plain")


async def with_query(request: Request, limit: int = 10) -> Response:
    return Response(str(limit))


def dependency() -> int:
    return 1


async def with_dependency(request: Request, n: int = Depends(dependency)) -> Response:
    return Response(str(n))


async def without_request() -> Response:
    return Response(b"")


async def call(app: FastAPI, method: str) -> tuple[int, bytes]:
    """One request to ``/direct``, as an ASGI server makes it: the status and body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/direct",
        "raw_path": b"/direct",
        "query_string": b"",
        "root_path": "",
        "headers": [],
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def test_an_endpoint_taking_the_request_alone_is_called_with_it() -> None:
    router = APIRouter(route_class=DirectRoute)
    router.add_api_route("/direct", answer, methods=["POST"])
    app = FastAPI()
    app.include_router(router)
    assert await call(app, "POST") == (200, b"POST")
    assert (await call(app, "GET"))[0] == 405  # matched as before
    assert "/direct" in app.openapi()["paths"]


@pytest.mark.parametrize("endpoint", [with_query, with_dependency, without_request])
def test_an_endpoint_declaring_what_fastapi_would_solve_is_refused(endpoint: object) -> None:
    router = APIRouter(route_class=DirectRoute)
    with pytest.raises(TypeError, match="takes the request alone"):
        router.add_api_route("/direct", endpoint, methods=["POST"])  # type: ignore[arg-type]
