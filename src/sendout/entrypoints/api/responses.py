"""JSON responses (orjson, ``application/json; charset=utf-8``) and Voucherify list envelopes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from starlette.responses import Response

JSON_MEDIA_TYPE = "application/json; charset=utf-8"


class JSONResponse(Response):
    media_type = JSON_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_response(content: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(content, status_code=status_code)


def no_content() -> Response:
    return Response(status_code=204)


def list_envelope(
    data_ref: str,
    items: Iterable[dict[str, Any]],
    *,
    total: int | None = None,
    has_more: bool | None = None,
    more_starting_after: str | None = None,
) -> dict[str, Any]:
    """``{object: "list", data_ref, <data_ref>: [...], total, has_more}`` as Voucherify lists do.

    Page-based lists carry ``total``; cursor lists carry ``more_starting_after`` instead.
    """
    body: dict[str, Any] = {"object": "list", "data_ref": data_ref, data_ref: list(items)}
    if total is not None:
        body["total"] = total
    if has_more is not None:
        body["has_more"] = has_more
    if more_starting_after is not None:
        body["more_starting_after"] = more_starting_after
    return body


def cursor_envelope(items: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    """A cursor list (``data``): ``more_starting_after`` names the last item when there is
    more."""
    return list_envelope(
        "data",
        items,
        has_more=has_more,
        more_starting_after=items[-1]["id"] if has_more and items else None,
    )
