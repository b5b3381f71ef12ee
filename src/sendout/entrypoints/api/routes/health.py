"""Liveness and readiness probes (no key needed)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout import __version__
from sendout.entrypoints.api.responses import json_response

router = APIRouter(tags=["Health"])
log = logging.getLogger("sendout.api")


@router.get("/healthz", summary="The process is up")
async def healthz() -> Response:
    return json_response({"status": "ok", "version": __version__})


@router.get("/readyz", summary="The database answers and takes writes")
async def readyz(request: Request) -> Response:
    container = request.app.state.container
    # Any driver failure means "not ready", reported, never raised. A database that answers
    # but refuses writes (a read-only file or server) is not ready either: every request that
    # records anything would fail.
    try:
        await container.check_database()
    except Exception as exc:
        log.warning("readiness check failed: %s", exc)
        return json_response({"status": "unavailable", "database": "unreachable"}, 503)
    try:
        await container.check_database_writes()
    except Exception as exc:
        log.warning("readiness check failed: the database refuses writes: %s", exc)
        return json_response({"status": "unavailable", "database": "not_writable"}, 503)
    return json_response({"status": "ok", "database": "ok"})
