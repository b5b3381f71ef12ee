"""JSON responses (orjson, ``application/json; charset=utf-8``) and Voucherify list envelopes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import orjson
from starlette.responses import Response

from sendout.domain.ports import Page

T = TypeVar("T")

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


def page_response(
    data_ref: str, page: Page[T], render: Callable[[T], dict[str, Any]]
) -> JSONResponse:
    """A page of a page-based listing (``total``, ``has_more``), each item ``render``ed."""
    items = (render(item) for item in page.items)
    return json_response(list_envelope(data_ref, items, total=page.total, has_more=page.has_more))


def cursor_response(page: Page[T], render: Callable[[T], dict[str, Any]]) -> JSONResponse:
    """A page of a cursor listing (``data``, ``has_more``, ``more_starting_after``)."""
    return json_response(cursor_envelope([render(item) for item in page.items], page.has_more))


def all_response(
    data_ref: str, found: Sequence[T], render: Callable[[T], dict[str, Any]]
) -> JSONResponse:
    """A whole (unpaged) listing: every item ``render``ed, ``total`` their number."""
    return json_response(list_envelope(data_ref, (render(i) for i in found), total=len(found)))
