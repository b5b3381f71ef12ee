"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.responses import RedirectResponse

from sendout import __version__
from sendout.bootstrap import Container
from sendout.entrypoints.api.auth import Authenticator
from sendout.entrypoints.api.errors import install_error_handlers
from sendout.entrypoints.api.metrics import HttpMetricsMiddleware
from sendout.entrypoints.api.metrics import router as metrics_router
from sendout.entrypoints.api.middleware import RequestContextMiddleware
from sendout.entrypoints.api.openapi.document import install_openapi
from sendout.entrypoints.api.responses import JSONResponse
from sendout.entrypoints.api.routes import (
    async_actions,
    campaigns,
    customers,
    distributions,
    events,
    exports,
    health,
    imports,
    integrations,
    loyalties,
    loyalty_members,
    loyalty_points,
    notifications,
    orders,
    promotions,
    publications,
    qualifications,
    redemptions,
    referrals,
    rewards,
    segments,
    sendouts,
    validations,
    vouchers,
    webhooks,
)
from sendout.entrypoints.dashboard.mount import mount_dashboard

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(container: Container, *, background: Lifespan | None = None) -> FastAPI:
    """The API over ``container``. ``background`` runs alongside it (the in-process worker)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if background is None:
            yield
        else:
            async with background(app):
                yield
        await container.close()

    # /docs and /redoc with Swagger UI's and ReDoc's assets served from this process
    # (fastapi-offline ships them), so the docs work without internet access.
    app = FastAPIOffline(
        title="Sendout",
        version=__version__,
        description="Self-hosted, Voucherify-compatible distributions engine for promotions.",
        default_response_class=JSONResponse,
        lifespan=lifespan,
    )
    app.state.container = container
    app.state.authenticator = Authenticator(
        container.uow_factory,
        container.clock,
        container.rng,
        container.settings.auth_cache_seconds,
        container.sign_in_guard,
    )
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=container.settings.max_body_bytes,
        rng=container.rng,
        on_write=container.wake_worker,
    )
    # Most frequent first: routes are matched in order.
    # First: its fixed paths (/v1/orders/export) must win over the resources' /{id} paths.
    app.include_router(exports.router)
    app.include_router(events.router)
    app.include_router(imports.router)  # before the routes of a code or customer id
    app.include_router(publications.router)
    app.include_router(customers.router)
    app.include_router(vouchers.router)
    app.include_router(campaigns.router)
    app.include_router(promotions.router)
    app.include_router(qualifications.router)
    app.include_router(async_actions.router)
    app.include_router(distributions.router)
    app.include_router(sendouts.router)
    app.include_router(notifications.router)
    app.include_router(webhooks.router)
    app.include_router(orders.router)
    app.include_router(segments.router)
    app.include_router(redemptions.router)
    app.include_router(validations.router)
    app.include_router(rewards.loyalty_router)
    app.include_router(loyalty_points.router)
    app.include_router(loyalty_members.router)
    app.include_router(loyalties.router)
    app.include_router(rewards.router)
    app.include_router(referrals.router)
    app.include_router(integrations.router)
    app.include_router(health.router)
    app.include_router(metrics_router)
    mount_dashboard(app)
    install_openapi(app)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/dashboard", status_code=307)

    # Added last, so outermost: it counts every answer (the dashboard's and 413s included).
    app.add_middleware(HttpMetricsMiddleware, metrics=container.metrics)
    return app
