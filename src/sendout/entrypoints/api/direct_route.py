"""A route whose endpoint is called with the request alone, without FastAPI's per-request
machinery (dependency solving, body sniffing, telemetry hooks, two exit stacks).

Sendout's endpoints take the ``Request`` and read what they need through ``deps`` (which says
why), then answer a ``Response``: for those, FastAPI's handler only adds work on every call.
The route stays an ``APIRoute``: it is matched, documented in the OpenAPI document and
answered on errors exactly as before (the endpoint's exceptions reach the same handlers). An
endpoint declaring anything FastAPI would have to solve is refused when the route is made, so
the shortcut can never skip a declared parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response


class DirectRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        dependant = self.dependant
        declared = (
            dependant.path_params
            or dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or dependant.body_params
            or dependant.dependencies
        )
        if declared or dependant.request_param_name is None:
            raise TypeError(f"{path}: a direct route's endpoint takes the request alone")

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return endpoint
