"""The access log: one INFO line per request on ``sendout.access``.

The route is the matched path template (``/v1/customers/{customer_id}``), never the path
itself: paths hold customers' ids, emails and codes, and a template keeps the lines
groupable. The request id and the project id come from the request's log context
(``sendout.log_context``); method, route, status and duration are fields of their own in
JSON (``SENDOUT_LOG_FORMAT=json``).
"""

from __future__ import annotations

import logging
import time

from starlette.types import Scope

access_log = logging.getLogger("sendout.access")

UNMATCHED = "unmatched"  # no route took the request (a 404, or refused before routing)


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or UNMATCHED


def log_access(scope: Scope, status: int, started: float) -> None:
    """``started`` is the ``time.perf_counter()`` of the request's arrival."""
    # Checked first so that a disabled access log (SENDOUT_LOG_LEVEL=WARNING) costs one call.
    if not access_log.isEnabledFor(logging.INFO):
        return
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    method = scope["method"]
    route = route_template(scope)
    access_log.info(
        "%s %s %d %.2f ms",
        method,
        route,
        status,
        duration_ms,
        extra={"method": method, "route": route, "status": status, "duration_ms": duration_ms},
    )
