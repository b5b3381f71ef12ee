"""The browser-facing security headers, in one place: every response says what a browser may do
with it, and every dashboard page (and its static files) also carries a Content Security Policy.

The policy is what the pages need and nothing more: their scripts, styles and images come from
this origin only (no inline script, no inline style, no ``eval``), forms post to this origin,
and no other site may frame them (clickjacking). Should an escaping mistake ever let markup
through, the browser still refuses to run it.

Written as plain ASGI, like the API's request-context middleware, because it wraps every
request and only appends a few headers to the response's start message.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sendout.entrypoints.dashboard.web import PREFIX

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

#: On every response, API included: no content-type guessing, no address leaked to other sites.
EVERY_RESPONSE: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)

#: On the dashboard's pages and static files as well (not on the API: ``/docs`` loads its own
#: scripts, and JSON is never rendered as a page).
DASHBOARD_ONLY: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
)


def headers_for(path: str) -> tuple[tuple[bytes, bytes], ...]:
    on_dashboard = path == PREFIX or path.startswith(f"{PREFIX}/")
    return EVERY_RESPONSE + DASHBOARD_ONLY if on_dashboard else EVERY_RESPONSE


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
