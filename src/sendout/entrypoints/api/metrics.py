"""The API's metrics: every request counted by method, route template and status, and timed;
``GET /metrics`` in Prometheus' text format for the clients ``SENDOUT_METRICS_ALLOW`` lets in.

Everyone else gets the API's own 404 (the API's port may be public: a refusal would tell a
stranger there is something to see). Behind a reverse proxy on this machine every request
comes from loopback: uvicorn takes the client's address from the proxy's ``X-Forwarded-For``
(it trusts it from 127.0.0.1 only), so have the proxy set it, or refuse ``/metrics`` there.

The middleware is plain ASGI (a few microseconds a request: a clock read and two label
children looked up in a dict) and outermost, so it counts every answer, 413s and 500s
included. Its route label is the matched route's template (``/v1/customers/{customerId}``),
``unmatched`` when no route matched: never the raw path, which a client chooses.
"""

from __future__ import annotations

import time

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sendout.adapters.metrics import CONTENT_TYPE, Metrics, may_scrape

UNMATCHED = "unmatched"

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    container = request.app.state.container
    client = request.client.host if request.client is not None else None
    if not may_scrape(client, container.settings.metrics_allow):
        raise HTTPException(404)  # answered as any unknown path is
    return Response(await container.metrics.render(), media_type=CONTENT_TYPE)


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the application raises

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            # The router wrote the matched route into the scope (Starlette and FastAPI both).
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            self.metrics.observe_request(
                scope["method"], route, status, time.perf_counter() - started
            )
