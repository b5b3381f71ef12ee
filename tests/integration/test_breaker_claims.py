"""An open breaker fails its endpoint's due send-outs fast, on their own ladder; a person's
"try now" closes it (issue 21 §3). Real databases (both backends), real sockets, a fake clock.

Left due, a dead endpoint's send-outs are the oldest due rows, and every claim would read past
all of them before reaching a healthy endpoint's (an outage of hours: hundreds of thousands of
rows per claim). Deferring them to the probe time avoided that but stretched every ladder to
the breaker's cool-downs (a 3-retry, 1-2 s ladder took ~90 s to pause). Now each one a claim
reads is recorded as an attempt that made no connection and moves on to its next retry: no
claim reads it again before then, no connection or slot is spent on the endpoint, and a short
ladder runs out in its own time.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from aiohttp import web

from sendout.adapters.channels.http.http1 import Http1Sender
from sendout.bootstrap import Container
from sendout.domain.breaker import BreakerPolicy
from sendout.domain.channels import ChannelCatalog
from sendout.domain.customers import CustomerRef
from sendout.domain.deliveries import OutboundRequest, SendResult
from sendout.domain.distributions import DistributionStatus
from sendout.domain.retry import RetryPolicy
from sendout.domain.sendouts import Sendout, SendoutQuery, SendoutStatus
from sendout.domain.targets import TargetPolicy
from sendout.services.accounts.projects import create_project
from sendout.services.context import Context
from sendout.services.customers.events import track_custom_event
from sendout.services.pipeline.deliver import Deliverer
from sendout.services.pipeline.dispatch import Dispatcher
from sendout.services.pipeline.distributions import create_distribution, recover, set_status
from sendout.services.pipeline.endpoint_resets import try_now
from sendout.services.pipeline.sendouts import resend
from sendout.services.pipeline.webhooks import WebhookDraft, create_webhook, set_active
from sendout.testing import FIXED_START, FakeClock, make_context, webhook_distribution_draft

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
COOLDOWN = timedelta(seconds=30)
SLOTS = 2  # per endpoint: the first claim tries two, the breaker opens on their failures
BREAKER_OPEN = "EndpointUnavailable: breaker open"


def closed_port() -> int:
    """A port of 127.0.0.1 nobody listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class CountingSender:
    """The real HTTP sender, counting the attempts that reach it (a connection each)."""

    def __init__(self) -> None:
        self.inner = Http1Sender(allowed_targets=LOOPBACK, timeout=2)
        self.sent = 0

    async def send(self, request: OutboundRequest) -> SendResult:
        self.sent += 1
        return await self.inner.send(request)

    async def close(self) -> None:
        await self.inner.close()


async def answer_ok(_: web.Request) -> web.Response:
    return web.Response(text="ok")


@pytest.fixture
async def sender() -> AsyncIterator[CountingSender]:
    counting = CountingSender()
    yield counting
    await counting.close()


async def setup(
    container: Container, clock: FakeClock, url: str, count: int, ladder: RetryPolicy
) -> tuple[Context, str]:
    """A project, a distribution to ``url`` on ``ladder``, ``count`` send-outs due."""
    issued = await create_project(container.uow_factory, clock, container.rng, "breaker")
    ctx = make_context(issued.project.id, clock=clock, rng=container.rng)
    distribution = await create_distribution(
        container.uow_factory,
        ctx,
        webhook_distribution_draft("ping", url, retry=ladder),
        # The endpoint is on loopback: saved only where the operator allows it.
        catalog=ChannelCatalog(targets=TargetPolicy(allowed=LOOPBACK)),
    )
    for n in range(count):
        await track_custom_event(
            container.uow_factory,
            ctx,
            name="ping",
            customer=CustomerRef(source_id=f"c{n}"),
            metadata={},
        )
    dispatcher = Dispatcher(container.uow_factory, clock, container.rng)
    while await dispatcher.run_batch():
        pass
    return ctx, distribution.id


def deliverer_of(container: Container, clock: FakeClock, sender: CountingSender) -> Deliverer:
    return Deliverer(
        container.uow_factory,
        sender,
        clock,
        container.rng,
        attempt_timeout=2,
        endpoint_concurrency=SLOTS,
        breaker=BreakerPolicy(threshold=SLOTS, cooldown=COOLDOWN),
    )


async def sendouts_of(container: Container, ctx: Context, distribution_id: str) -> list[Sendout]:
    async with container.uow_factory() as uow:
        page = await uow.sendouts.list(
            ctx.project_id, SendoutQuery(distribution_id=distribution_id, limit=100)
        )
    return list(page.items)


async def due_now(container: Container, clock: FakeClock) -> list[Sendout]:
    async with container.uow_factory() as uow:
        return list(await uow.deliveries.due(clock.now(), 100))


async def test_an_open_breaker_fails_due_send_outs_fast_on_their_own_short_ladder(
    isolated_container: Container, sender: CountingSender
) -> None:
    container, clock = isolated_container, FakeClock()
    ladder = RetryPolicy(retries=2, first_delay=timedelta(seconds=1))
    ctx, distribution_id = await setup(
        container, clock, f"http://127.0.0.1:{closed_port()}/hook", 12, ladder
    )
    deliverer = deliverer_of(container, clock, sender)
    try:
        await deliverer.run_batch()  # two attempts, both refused
        await deliverer.settle()  # recorded: two failures in a row open the breaker
        opened = clock.now()
        await deliverer.run_batch()  # the other ten fail fast, on their own ladder

        rows = await sendouts_of(container, ctx, distribution_id)
        assert sender.sent == SLOTS  # no connection while the breaker is open
        assert {(s.status, s.attempts_count) for s in rows} == {(SendoutStatus.PENDING, 1)}
        fast = [s for s in rows if s.reason == BREAKER_OPEN]
        assert len(fast) == 12 - SLOTS
        # A second on, with the channel's jitter (±10 %).
        for s in fast:
            assert s.next_attempt_at is not None
            assert opened + 0.9 * ladder.first_delay <= s.next_attempt_at
            assert s.next_attempt_at <= opened + 1.1 * ladder.first_delay
        assert await due_now(container, clock) == []  # nothing for a claim to read past

        # The ladder runs on (1 s, then 2 s, ±10 %), not stretched to the 30 s cool-down:
        # after its last retry each send-out fails and the distribution pauses, 3.3 s in.
        clock.advance(timedelta(seconds=1.1))
        await deliverer.run_batch()
        clock.advance(timedelta(seconds=2.2))
        await deliverer.run_batch()
        rows = await sendouts_of(container, ctx, distribution_id)
        assert {(s.status, s.attempts_count) for s in rows} == {(SendoutStatus.FAILED, 3)}
        assert sender.sent == SLOTS
        async with container.uow_factory() as uow:
            paused = await uow.distributions.get(ctx.project_id, distribution_id)
            attempts = await uow.deliveries.attempts(ctx.project_id, rows[0].id)
        assert paused is not None
        assert paused.status is DistributionStatus.PAUSED
        assert [a["error"] for a in attempts][-2:] == [BREAKER_OPEN, BREAKER_OPEN]
        assert all(a["status_code"] is None for a in attempts)
    finally:
        await deliverer.settle()


async def test_the_probe_keeps_its_schedule_and_a_persons_try_now_closes_the_breaker(
    isolated_container: Container, sender: CountingSender
) -> None:
    container, clock = isolated_container, FakeClock()
    port = closed_port()
    url = f"http://127.0.0.1:{port}/hook"
    ladder = RetryPolicy(retries=5, first_delay=COOLDOWN)
    ctx, distribution_id = await setup(container, clock, url, 4, ladder)
    deliverer = deliverer_of(container, clock, sender)
    runner: web.AppRunner | None = None
    try:
        async with container.uow_factory() as uow:
            # A reset from before the failures began says nothing about them.
            await try_now(uow, [url], clock.now() - timedelta(seconds=1))
            await uow.commit()
        await deliverer.run_batch()
        await deliverer.settle()  # the breaker opens
        await deliverer.run_batch()  # the other two fail fast
        assert sender.sent == SLOTS

        # At the probe time one real attempt goes out (refused again), the rest fail fast.
        clock.advance(1.1 * COOLDOWN + timedelta(seconds=1))  # the ladder's first retry
        await deliverer.run_batch()
        await deliverer.settle()
        assert sender.sent == SLOTS + 1
        rows = await sendouts_of(container, ctx, distribution_id)
        assert sorted(s.attempts_count for s in rows) == [2, 2, 2, 2]
        assert await due_now(container, clock) == []

        # The endpoint is fixed; a person resends one send-out, whose retry is a minute away.
        app = web.Application()
        app.router.add_post("/hook", answer_ok)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        clock.advance(timedelta(seconds=1))
        resent = await resend(container.uow_factory, ctx, rows[0].id)
        assert (resent.status, resent.next_attempt_at) == (SendoutStatus.PENDING, clock.now())
        await deliverer.run_batch()  # reads the reset: the breaker closes, it goes out now
        await deliverer.settle()
        assert sender.sent == SLOTS + 2
        rows = await sendouts_of(container, ctx, distribution_id)
        delivered = [s for s in rows if s.status is SendoutStatus.DELIVERED]
        assert [s.id for s in delivered] == [resent.id]

        # The others go out for real at their own retry time: the breaker is closed.
        clock.advance(2.2 * COOLDOWN)  # the ladder's second retry
        for _ in range(2):  # two slots for three
            await deliverer.run_batch()
            await deliverer.settle()
        rows = await sendouts_of(container, ctx, distribution_id)
        assert {s.status for s in rows} == {SendoutStatus.DELIVERED}
        assert sender.sent == SLOTS + 2 + 3
    finally:
        await deliverer.settle()
        if runner is not None:
            await runner.cleanup()


async def resets_of(container: Container, url: str) -> dict[str, datetime]:
    async with container.uow_factory() as uow:
        return dict(await uow.endpoint_resets.of([url]))


async def test_every_persons_try_now_writes_its_endpoints_reset(
    isolated_container: Container, sender: CountingSender
) -> None:
    container, clock = isolated_container, FakeClock()
    url = f"http://127.0.0.1:{closed_port()}/hook"
    ctx, distribution_id = await setup(container, clock, url, 1, RetryPolicy(retries=0))
    deliverer = deliverer_of(container, clock, sender)
    await deliverer.run_batch()
    await deliverer.settle()  # failed: the distribution is paused
    assert await resets_of(container, url) == {}

    clock.advance(timedelta(seconds=1))
    assert await recover(container.uow_factory, ctx, distribution_id, clock.now()) == 0
    assert await resets_of(container, url) == {}  # nothing requeued: nothing said
    recovered = clock.now()
    assert await recover(container.uow_factory, ctx, distribution_id, FIXED_START) == 1
    assert await resets_of(container, url) == {url: recovered}

    clock.advance(timedelta(seconds=1))
    await set_status(container.uow_factory, ctx, distribution_id, DistributionStatus.ACTIVE)
    assert await resets_of(container, url) == {url: clock.now()}  # nothing held: its channel

    hook = f"http://127.0.0.1:{closed_port()}/project"
    targets = TargetPolicy(allowed=LOOPBACK)
    webhook = await create_webhook(
        container.uow_factory,
        ctx,
        WebhookDraft(target_url=hook, events=["customer.created"], active=False),
        targets=targets,
    )
    clock.advance(timedelta(seconds=1))
    await set_active(container.uow_factory, ctx, webhook.id, True)
    assert await resets_of(container, hook) == {hook: clock.now()}
