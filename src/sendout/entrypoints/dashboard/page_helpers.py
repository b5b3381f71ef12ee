"""Small helpers the list and detail pages share: the page number, pager links that keep the
filters, form datetimes, and a domain refusal as a page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse

from sendout.domain.errors import DomainError
from sendout.entrypoints.dashboard.web import BadInput, Page, render

PER_PAGE = 25
#: The last page a list may be asked for (25 million rows in): far beyond any list anyone
#: pages through, and far below the integers the databases' offsets hold.
MAX_PAGE = 1_000_000


def page_number(request: Request) -> int:
    """``?page=``: a positive integer up to ``MAX_PAGE``; a page number beyond it is refused
    (400), anything that is not a number (``abc``, ``0``, ``²``) is the first page."""
    raw = request.query_params.get("page", "")
    digits = raw.lstrip("0")
    if not (raw.isascii() and raw.isdigit()) or not digits:
        return 1
    # Counted before converting: int() of thousands of digits is slow, then refused.
    if len(digits) > len(str(MAX_PAGE)) or int(digits) > MAX_PAGE:
        raise BadInput(f"page: a page number from 1 to {MAX_PAGE}.")
    return int(digits)


def pager(filters: Mapping[str, str], number: int, has_more: bool) -> tuple[str | None, str | None]:
    """The previous and next pages' query strings, filters kept."""

    def at(n: int) -> str:
        return "?" + urlencode({**filters, "page": str(n)})

    return (at(number - 1) if number > 1 else None, at(number + 1) if has_more else None)


def parse_moment(name: str, value: str | None) -> datetime | None:
    """A ``datetime-local`` field (``2024-05-01T10:30``, read as UTC) or an ISO 8601 datetime."""
    if value is None or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise ValueError(f"{name}: not a date and time ({value!r})") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def refusal(error: DomainError) -> str:
    return error.details or error.message


def refused_page(request: Request, page: Page, error: DomainError, heading: str) -> HTMLResponse:
    """A refusal on a page of its own (an unknown id): the service's words, the error's
    status (404 for an unknown resource)."""
    return render(
        request, "message.html", page, status=error.status, heading=heading, text=refusal(error)
    )
