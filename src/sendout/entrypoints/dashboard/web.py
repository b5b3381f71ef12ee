"""What every dashboard page shares: the session from its cookie (HttpOnly, SameSite=Lax),
the CSRF token every form carries, the project's context, the header's unread count, and
rendering with Jinja2 (autoescaped). Pages live in the modules beside this one.

Why server-rendered pages and a few lines of plain JavaScript: every asset is served by this
process (these machines have no internet, so no CDN), and there is no build step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sendout.bootstrap import Container
from sendout.domain.events import EventChannel, EventSource
from sendout.domain.projects import Project
from sendout.domain.sessions import DashboardSession
from sendout.log_context import bind_log_fields
from sendout.services.accounts import dashboard_sessions as sessions
from sendout.services.accounts.notifications import unread_count
from sendout.services.context import Context

HERE = Path(__file__).parent
COOKIE = "sendout_session"
PREFIX = "/dashboard"

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def container(request: Request) -> Container:
    found: Container = request.app.state.container
    return found


class SignInRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in page."""


class CsrfRefused(Exception):
    """A form or script request without the session's CSRF token."""


class BadInput(Exception):
    """A request no page can answer (a form body that is not UTF-8 text, a page number out of
    range): the visitor sees a 400 page saying what was wrong."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """The signed-in visitor: their session, their project's context, and the header."""

    session: DashboardSession
    ctx: Context
    projects: list[Project]
    unread: int


async def signed_in(request: Request) -> Page:
    box = container(request)
    session = await sessions.session_for(box.uow_factory, box.clock, request.cookies.get(COOKIE))
    if session is None:
        raise SignInRequired
    bind_log_fields(project_id=session.project_id)
    ctx = Context(
        project_id=session.project_id,
        request_id=getattr(request.state, "request_id", "v-dashboard"),
        source=EventSource(channel=EventChannel.USER_PORTAL),
        clock=box.clock,
        rng=box.rng,
    )
    unread = await unread_count(box.uow_factory, ctx)
    projects = await sessions.projects_for(box.uow_factory, session)
    return Page(session=session, ctx=ctx, projects=projects, unread=unread)


async def posted(request: Request, page: Page) -> dict[str, str]:
    """A form's fields, once its CSRF token is checked (the last value of a repeated name;
    ``posted_lists`` keeps them all)."""
    return last_values(await posted_lists(request, page))


def last_values(fields: Mapping[str, list[str]]) -> dict[str, str]:
    """Each field's last value (as browsers send one value per name, bar a tampered form)."""
    return {name: values[-1] for name, values in fields.items()}


async def form_fields(request: Request) -> dict[str, list[str]]:
    """A posted form's fields, every value of a repeated name kept. Browsers send forms as
    UTF-8 with every byte outside ASCII percent-encoded: anything else (raw bytes that are not
    UTF-8, an encoded byte sequence that is not UTF-8, a NUL, which no database stores in
    text) is refused here with a 400 rather than failing deeper down."""
    try:
        raw = (await request.body()).decode("utf-8")
        pairs = parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadInput("The form was not sent as UTF-8 text.") from None
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            raise BadInput("The form holds a NUL character, which no field accepts.")
        fields.setdefault(name, []).append(value)
    return fields


async def posted_lists(request: Request, page: Page) -> dict[str, list[str]]:
    fields = await form_fields(request)
    given = fields.get("csrf_token")
    token = given[-1] if given else request.headers.get("x-csrf-token")
    if not sessions.csrf_matches(page.session, token):
        raise CsrfRefused
    return fields


def check_csrf_header(request: Request, page: Page) -> None:
    """Script requests carry the token in ``X-CSRF-Token``."""
    if not sessions.csrf_matches(page.session, request.headers.get("x-csrf-token")):
        raise CsrfRefused


def render(
    request: Request, name: str, page: Page | None, status: int = 200, **values: Any
) -> HTMLResponse:
    html = templates.get_template(name).render(
        page=page,
        prefix=PREFIX,
        path=request.url.path,
        csrf=None if page is None else page.session.csrf_token,
        **values,
    )
    return HTMLResponse(html, status_code=status)


def go(path: str, notice: str | None = None, **query: str) -> RedirectResponse:
    """After a form: back to a page (303, so a reload does not post again), with a notice."""
    params = {**query, **({"notice": notice} if notice else {})}
    where = f"{PREFIX}{path}" + (f"?{urlencode(params)}" if params else "")
    return RedirectResponse(where, status_code=303)


def with_cookie(response: Response, token: str | None, secure: bool) -> Response:
    if token is None:
        response.delete_cookie(COOKIE, path=PREFIX)
    else:
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="lax", secure=secure, path=PREFIX
        )
    return response


def query_of(request: Request) -> Mapping[str, str]:
    return {k: v for k, v in request.query_params.items() if v != ""}
