"""``sendout worker``'s ``/metrics``: a small HTTP listener on the worker's event loop.

aiohttp's server (a dependency already, for its HTTP client) rather than prometheus-client's
``start_http_server``: that one answers from a thread of its own, where the queue figures,
read from the database through the event loop's connection, cannot be awaited. It listens on
``SENDOUT_METRICS_HOST`` (127.0.0.1 unless told) and ``SENDOUT_METRICS_PORT`` or
``--metrics-port``, and answers clients outside ``SENDOUT_METRICS_ALLOW`` as it answers any
other path: 404. It is on by default (127.0.0.1:9464); when that port is taken (a second
worker on the machine) the worker says so once and works on without it: metrics must never
stop delivery.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from sendout.adapters.metrics import CONTENT_TYPE, Metrics, may_scrape
from sendout.config import IPNetwork

log = logging.getLogger("sendout.worker")


@contextlib.asynccontextmanager
async def metrics_listener(
    metrics: Metrics, host: str, port: int, allowed: tuple[IPNetwork, ...] | None
) -> AsyncIterator[None]:
    async def scrape(request: web.Request) -> web.Response:
        if not may_scrape(request.remote, allowed):
            raise web.HTTPNotFound()
        return web.Response(body=await metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            log.warning(
                "worker metrics not served: %s:%d is not available (%s); set "
                "SENDOUT_METRICS_PORT or --metrics-port to another port, or off",
                host,
                port,
                type(exc).__name__,
            )
        else:
            log.info("worker metrics on http://%s:%d/metrics", host, port)
        yield
    finally:
        await runner.cleanup()
