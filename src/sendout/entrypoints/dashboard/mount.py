"""The dashboard on the API's application: its pages, its static files, the browser security
headers, and what a page answers when the visitor is not signed in, a form lacks its CSRF
token or a request is malformed."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from sendout.entrypoints.dashboard import (
    designer,
    forms,
    pages,
    pages_campaigns,
    pages_customers,
    pages_notifications,
    pages_sendouts,
)
from sendout.entrypoints.dashboard.security_headers import SecurityHeadersMiddleware
from sendout.entrypoints.dashboard.web import (
    HERE,
    PREFIX,
    BadInput,
    CsrfRefused,
    SignInRequired,
    render,
)


def mount_dashboard(app: FastAPI) -> None:
    # Before pages: its POST /distributions/{id}/{verb} would take .../recover.
    app.include_router(pages_sendouts.router)
    app.include_router(pages_notifications.router)
    app.include_router(pages_campaigns.router)
    app.include_router(pages_customers.router)
    app.include_router(pages.router)
    app.include_router(forms.router)
    app.include_router(designer.router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="dashboard-static")
    # Added last, so outermost: its headers are on every answer, refusals included.
    app.add_middleware(SecurityHeadersMiddleware)

    async def sign_in(request: Request, exc: Exception) -> Response:
        return RedirectResponse(f"{PREFIX}/login", status_code=303)

    async def refused(request: Request, exc: Exception) -> Response:
        return render(
            request,
            "message.html",
            None,
            status=403,
            heading="Form expired",
            text="This form's security token did not match your session. Go back, reload the "
            "page and try again.",
        )

    async def bad_input(request: Request, exc: Exception) -> Response:
        text = exc.text if isinstance(exc, BadInput) else "The request was malformed."
        return render(request, "message.html", None, status=400, heading="Bad request", text=text)

    app.add_exception_handler(SignInRequired, sign_in)
    app.add_exception_handler(BadInput, bad_input)
    app.add_exception_handler(CsrfRefused, refused)
