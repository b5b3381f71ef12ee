"""Signing in and out, and the distributions list with its row menu (edit, pause, set live,
delete)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sendout.domain.distributions import DistributionQuery, DistributionStatus
from sendout.domain.errors import DomainError, TooManyRequests
from sendout.domain.event_catalogue import ACTIONS_BY_TRIGGER
from sendout.domain.sendouts import SendoutStatus
from sendout.domain.throttle import TargetKind, client_key
from sendout.entrypoints.dashboard.page_helpers import page_number
from sendout.entrypoints.dashboard.web import (
    PREFIX,
    container,
    form_fields,
    go,
    last_values,
    posted,
    render,
    signed_in,
    with_cookie,
)
from sendout.services.accounts import dashboard_sessions as sessions
from sendout.services.pipeline import distributions as service

router = APIRouter(prefix=PREFIX, include_in_schema=False)
LOGIN_COOKIE = "sendout_login"


@router.get("")
async def home() -> Response:
    return RedirectResponse(f"{PREFIX}/distributions", status_code=303)


def _login_page(
    request: Request, status: int = 200, error: str | None = None, app_id: str | None = None
) -> Response:
    """The sign-in forms, with a fresh token in a cookie and in each form: before there is a
    session, CSRF is the double-submit kind (a page elsewhere cannot read the cookie, so it
    cannot post the matching token and sign a visitor in to its own account)."""
    box = container(request)
    token = box.rng.randbytes(16).hex()
    response = render(
        request,
        "login.html",
        None,
        status=status,
        error=error,
        app_id=app_id,
        login_token=token,
        admin_enabled=box.settings.admin_password is not None,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=box.settings.secure_cookies,
        path=f"{PREFIX}/login",
    )
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    box = container(request)
    fields = last_values(await form_fields(request))
    if not sessions.tokens_match(request.cookies.get(LOGIN_COOKIE), fields.get("login_token")):
        return _login_page(request, 400, "The sign-in form expired: please sign in again.")
    as_admin = bool(fields.get("admin_password"))
    kind, name = (TargetKind.ADMIN, "") if as_admin else (TargetKind.APP, fields.get("app_id", ""))
    host = request.client.host if request.client else None
    address = client_key(host)
    try:
        # Throttled with the API's key pairs: the same guesser, the same count.
        with box.sign_in_guard.attempt(kind, name.strip(), address, host):
            if as_admin:
                token, _ = await sessions.sign_in_as_admin(
                    box.uow_factory,
                    box.clock,
                    box.rng,
                    fields["admin_password"],
                    box.settings.admin_password,
                )
            else:
                token, _ = await sessions.sign_in_with_keys(
                    box.uow_factory,
                    box.clock,
                    box.rng,
                    fields.get("app_id", ""),
                    fields.get("app_token", ""),
                )
    except TooManyRequests as refused:
        message = f"Too many failed sign-ins: try again in {refused.retry_after} seconds."
        response = _login_page(request, 429, message, fields.get("app_id"))
        response.headers["Retry-After"] = str(refused.retry_after)
        return response
    except DomainError as error:
        message = f"Not signed in: {error.details or error.message}"
        return _login_page(request, 401, message, fields.get("app_id"))
    return with_cookie(go("/distributions"), token, box.settings.secure_cookies)


@router.post("/logout")
async def logout(request: Request) -> Response:
    page = await signed_in(request)
    await posted(request, page)
    token = request.cookies.get("sendout_session")
    if token:
        await sessions.sign_out(container(request).uow_factory, token)
    return with_cookie(go("/login"), None, container(request).settings.secure_cookies)


@router.post("/project")
async def switch_project(request: Request) -> Response:
    page = await signed_in(request)
    fields = await posted(request, page)
    await sessions.switch_project(
        container(request).uow_factory, page.session, fields.get("project_id", "")
    )
    return go("/distributions")


@router.get("/distributions")
async def distributions(request: Request) -> Response:
    page = await signed_in(request)
    box = container(request)
    number = page_number(request)
    found = await service.list_distributions(
        box.uow_factory, page.ctx, DistributionQuery(limit=25, page=number)
    )
    counts = await service.sendout_counts(box.uow_factory, page.ctx, [d.id for d in found.items])
    return render(
        request,
        "distributions.html",
        page,
        distributions=found.items,
        counts=counts,
        statuses=[s.value for s in SendoutStatus],
        number=number,
        has_more=found.has_more,
        notice=request.query_params.get("notice"),
        actions_by_trigger=ACTIONS_BY_TRIGGER,
    )


@router.post("/distributions/{distribution_id}/{verb}")
async def act_on(request: Request, distribution_id: str, verb: str) -> Response:
    """The row menu: ``pause``, ``activate`` (set live) or ``delete``."""
    page = await signed_in(request)
    await posted(request, page)
    box = container(request)
    try:
        if verb == "delete":
            await service.delete_distribution(box.uow_factory, page.ctx, distribution_id)
            return go("/distributions", "Distribution deleted")
        status = {"pause": DistributionStatus.PAUSED, "activate": DistributionStatus.ACTIVE}.get(
            verb
        )
        if status is None:
            return go("/distributions", f"Unknown action {verb}")
        updated = await service.set_status(box.uow_factory, page.ctx, distribution_id, status)
    except DomainError as error:
        return go("/distributions", f"Not done: {error.details or error.message}")
    done = "paused" if status is DistributionStatus.PAUSED else "live"
    return go("/distributions", f"{updated.name} is {done}")
