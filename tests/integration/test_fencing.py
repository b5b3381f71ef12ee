"""Fencing: a worker that stalls past its lease cannot overwrite the newer state.

Two Deliverers share one database (both backends) and one injected clock. The first claims
the send-outs and its attempts hang (a sender whose answers the test holds back, as a frozen
process would); the clock moves past the lease; the second takes them over and delivers;
then the first's attempts end, failed. Their reports come too late: recorded as attempts,
counted, and nothing else (no status, no pause, no notification). The end-to-end version,
with a real ``sendout worker`` stopped by SIGSTOP, is ``tests/e2e/test_frozen_worker.py``.
"""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest

from sendout.bootstrap import Container
from sendout.domain.customers import CustomerRef
from sendout.domain.deliveries import OutboundRequest, SendResult
from sendout.domain.distributions import DistributionStatus
from sendout.domain.notifications import NotificationQuery
from sendout.domain.retry import RetryPolicy
from sendout.domain.sendouts import Sendout, SendoutQuery, SendoutStatus
from sendout.services.accounts.projects import create_project
from sendout.services.context import Context
from sendout.services.customers.events import track_custom_event
from sendout.services.pipeline.deliver import LEASE_MARGIN, Deliverer
from sendout.services.pipeline.dispatch import Dispatcher
from sendout.services.pipeline.distributions import create_distribution, recover
from sendout.testing import FakeClock, make_context, webhook_distribution_draft

SENDOUTS = 3
TIMEOUT = 2.0  # the attempt timeout: the lease is this plus LEASE_MARGIN
NO_RETRY = RetryPolicy(retries=0)
RETRIES = RetryPolicy(retries=3, first_delay=timedelta(seconds=1), jitter=0)


class HeldSender:
    """A webhook transport whose answers wait until the test lets them go, then answer
    ``status``: the attempts of a worker frozen mid-flight."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.release = asyncio.Event()
        self.sent: list[OutboundRequest] = []

    async def send(self, request: OutboundRequest) -> SendResult:
        self.sent.append(request)
        await self.release.wait()
        return SendResult(status_code=self.status, duration_ms=1, error="frozen")

    async def close(self) -> None:
        pass


async def project_sending(
    container: Container, clock: FakeClock, retry: RetryPolicy
) -> tuple[Context, str]:
    """A project whose distribution has ``SENDOUTS`` send-outs due on ``retry``'s ladder."""
    issued = await create_project(container.uow_factory, clock, container.rng, "fencing")
    ctx = make_context(issued.project.id, clock=clock, rng=container.rng)
    distribution = await create_distribution(
        container.uow_factory,
        ctx,
        webhook_distribution_draft("ping", "https://hooks.example.com/a", retry=retry),
        catalog=container.channels,
    )
    for n in range(SENDOUTS):
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


def deliverer(container: Container, clock: FakeClock, sender: HeldSender, seed: int) -> Deliverer:
    # Each worker draws its own fencing tokens (in production from SystemRandom).
    return Deliverer(
        container.uow_factory, sender, clock, random.Random(seed), attempt_timeout=TIMEOUT
    )


async def sendouts_of(container: Container, ctx: Context, distribution_id: str) -> list[Sendout]:
    async with container.uow_factory() as uow:
        page = await uow.sendouts.list(
            ctx.project_id, SendoutQuery(distribution_id=distribution_id, limit=100)
        )
    return list(page.items)


async def attempts_recorded(container: Container, ctx: Context, sendouts: list[Sendout]) -> int:
    async with container.uow_factory() as uow:
        return sum([len(await uow.deliveries.attempts(ctx.project_id, s.id)) for s in sendouts])


async def assert_source_untouched(container: Container, ctx: Context, distribution_id: str) -> None:
    async with container.uow_factory() as uow:
        distribution = await uow.distributions.get(ctx.project_id, distribution_id)
        notifications = await uow.notifications.list(ctx.project_id, NotificationQuery())
    assert distribution is not None
    assert distribution.status is DistributionStatus.ACTIVE
    assert notifications.total == 0


async def freeze_and_take_over(
    container: Container, clock: FakeClock, retry: RetryPolicy
) -> tuple[Context, str, Deliverer, HeldSender]:
    """The first worker's attempts hang past the lease; a second worker delivers them all.
    Answers the frozen worker and its sender (still holding its answers back)."""
    ctx, distribution_id = await project_sending(container, clock, retry)
    frozen_sender = HeldSender(status=500)
    frozen = deliverer(container, clock, frozen_sender, seed=1)
    await frozen.run_batch()
    await asyncio.sleep(0)  # the attempts start, and hang
    assert len(frozen_sender.sent) == SENDOUTS

    clock.advance(timedelta(seconds=TIMEOUT) + LEASE_MARGIN + timedelta(seconds=1))
    healthy_sender = HeldSender(status=200)
    healthy_sender.release.set()
    healthy = deliverer(container, clock, healthy_sender, seed=2)
    await healthy.run_batch()
    await healthy.settle()
    assert len(healthy_sender.sent) == SENDOUTS
    rows = await sendouts_of(container, ctx, distribution_id)
    assert {s.status for s in rows} == {SendoutStatus.DELIVERED}
    return ctx, distribution_id, frozen, frozen_sender


@pytest.mark.parametrize("retry", [NO_RETRY, RETRIES], ids=["max_retries_0", "with_retries"])
async def test_a_worker_frozen_past_its_lease_cannot_overwrite_the_newer_state(
    isolated_container: Container, retry: RetryPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    container = isolated_container
    clock = FakeClock()
    ctx, distribution_id, frozen, frozen_sender = await freeze_and_take_over(
        container, clock, retry
    )

    frozen_sender.release.set()  # the frozen worker wakes: its attempts end, failed
    await frozen.settle()

    rows = await sendouts_of(container, ctx, distribution_id)
    assert {s.status for s in rows} == {SendoutStatus.DELIVERED}  # the newer worker's
    assert {s.next_attempt_at for s in rows} == {None}  # nothing sent again
    assert {s.reason for s in rows} == {None}
    assert [s.attempts_count for s in rows] == [2] * SENDOUTS  # every attempt counted
    assert await attempts_recorded(container, ctx, rows) == 2 * SENDOUTS
    await assert_source_untouched(container, ctx, distribution_id)
    assert frozen.stale_reports == SENDOUTS
    stale_lines = [r for r in caplog.records if "taken over" in r.getMessage()]
    assert sorted(r.getMessage().split()[1] for r in stale_lines) == sorted(
        f"{s.id}:" for s in rows
    )
    assert {r.levelname for r in stale_lines} == {"WARNING"}


async def test_a_late_report_cannot_overwrite_what_a_person_did(
    isolated_container: Container,
) -> None:
    """The newer worker's attempts fail for good (the distribution is paused); a person
    recovers the send-outs; then the frozen worker's attempts end, delivered. Its reports
    change nothing: the send-outs stay due, as the person left them."""
    container = isolated_container
    clock = FakeClock()
    ctx, distribution_id = await project_sending(container, clock, NO_RETRY)
    frozen_sender = HeldSender(status=200)
    frozen = deliverer(container, clock, frozen_sender, seed=1)
    await frozen.run_batch()
    await asyncio.sleep(0)

    clock.advance(timedelta(seconds=TIMEOUT) + LEASE_MARGIN + timedelta(seconds=1))
    failing_sender = HeldSender(status=500)
    failing_sender.release.set()
    failing = deliverer(container, clock, failing_sender, seed=2)
    await failing.run_batch()
    await failing.settle()
    assert {s.status for s in await sendouts_of(container, ctx, distribution_id)} == {
        SendoutStatus.FAILED
    }
    recovered = await recover(
        container.uow_factory, ctx, distribution_id, clock.now() - timedelta(hours=1)
    )
    assert recovered == SENDOUTS

    frozen_sender.release.set()
    await frozen.settle()

    rows = await sendouts_of(container, ctx, distribution_id)
    assert {(s.status, s.reason, s.next_attempt_at) for s in rows} == {
        (SendoutStatus.PENDING, "recovered", clock.now())
    }
    assert {s.lease_token for s in rows} == {None}
    assert [s.attempts_count for s in rows] == [2] * SENDOUTS
    assert frozen.stale_reports == SENDOUTS


async def test_a_report_after_the_lease_counts_while_nobody_took_over(
    isolated_container: Container,
) -> None:
    """The fence is the claim, not the clock: a slow worker whose lease ran out but whose
    send-outs nobody claimed since records its outcome as usual."""
    container = isolated_container
    clock = FakeClock()
    ctx, distribution_id = await project_sending(container, clock, NO_RETRY)
    sender = HeldSender(status=200)
    slow = deliverer(container, clock, sender, seed=1)
    await slow.run_batch()
    await asyncio.sleep(0)
    clock.advance(timedelta(seconds=TIMEOUT) + LEASE_MARGIN + timedelta(seconds=1))
    sender.release.set()
    await slow.settle()

    rows = await sendouts_of(container, ctx, distribution_id)
    assert {(s.status, s.attempts_count, s.lease_token) for s in rows} == {
        (SendoutStatus.DELIVERED, 1, None)
    }
    assert slow.stale_reports == 0
