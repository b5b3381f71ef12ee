"""The dispatcher and the sender on the in-memory pipeline stores and a recording transport:
claim -> send -> record, the retry ladder, giving up, fencing, set-aside and the breaker,
without a database (their end-to-end tests run the same on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from sendout.domain.breaker import BREAKER_OPEN, BreakerPolicy
from sendout.domain.deliveries import SendResult
from sendout.domain.distributions import DistributionStatus
from sendout.domain.retry import RetryPolicy
from sendout.domain.sendouts import SendoutStatus
from sendout.services.pipeline.deliver import LEASE_MARGIN, Deliverer
from sendout.testing.transports import DOWN, OK
from tests.factories.pipeline import TIMEOUT, Pipeline

LEASE = timedelta(seconds=TIMEOUT) + LEASE_MARGIN
PAUSED_URL, GONE_URL = "https://hooks.example.com/paused", "https://hooks.example.com/gone"
LADDER = RetryPolicy(retries=2, first_delay=timedelta(seconds=10), jitter=0.0)


async def test_an_event_makes_one_sendout_per_channel_once(pipe: Pipeline) -> None:
    await pipe.distribution("https://hooks.example.com/a")
    await pipe.event()
    (sendout,) = pipe.sendouts()
    assert sendout.status is SendoutStatus.PENDING
    assert sendout.url == "https://hooks.example.com/a"
    assert await pipe.dispatcher.run_batch() == 0  # dispatched: never again


async def test_claim_send_record_delivers_a_signed_request(pipe: Pipeline) -> None:
    await pipe.distribution("https://hooks.example.com/a")
    await pipe.event()
    await pipe.deliver()
    (sendout,) = pipe.sendouts()
    assert (sendout.status, sendout.attempts_count, sendout.lease_token) == (
        SendoutStatus.DELIVERED,
        1,
        None,
    )
    (request,) = pipe.http.requests
    assert request.body == sendout.body
    assert request.headers["webhook-id"] == sendout.id
    assert request.headers["webhook-signature"].startswith("v1,")
    assert len(pipe.db.data.attempts) == 1


async def test_failures_are_retried_on_the_channels_ladder(pipe: Pipeline) -> None:
    await pipe.distribution("https://hooks.example.com/a", retry=LADDER)
    await pipe.event()
    pipe.http.answer(DOWN, DOWN)
    await pipe.deliver()
    (sendout,) = pipe.sendouts()
    assert sendout.status is SendoutStatus.PENDING
    assert sendout.attempts_count == 1
    assert sendout.next_attempt_at == pipe.clock.now() + LADDER.first_delay
    pipe.clock.advance(LADDER.first_delay - timedelta(seconds=1))
    await pipe.deliver()
    assert len(pipe.http.requests) == 1  # not due yet
    pipe.clock.advance(timedelta(seconds=1))
    await pipe.deliver()
    (sendout,) = pipe.sendouts()
    assert sendout.attempts_count == 2
    assert sendout.next_attempt_at == pipe.clock.now() + 2 * LADDER.first_delay
    pipe.clock.advance(2 * LADDER.first_delay)
    await pipe.deliver()  # the script ran out: delivered
    assert [s.status for s in pipe.sendouts()] == [SendoutStatus.DELIVERED]
    assert pipe.sendouts()[0].attempts_count == 3


async def test_giving_up_fails_pauses_and_notifies_once(pipe: Pipeline) -> None:
    distribution = await pipe.distribution(
        "https://hooks.example.com/a", retry=RetryPolicy(retries=0)
    )
    await pipe.event(count=2)
    pipe.http.answer(DOWN, DOWN)
    await pipe.deliver()
    assert [s.status for s in pipe.sendouts()] == [SendoutStatus.FAILED] * 2
    assert pipe.status(distribution) is DistributionStatus.PAUSED
    (notification,) = pipe.db.data.notifications
    assert notification.resource_id == distribution.id
    # Paused: a new event's send-out is written held, and never sent.
    await pipe.event()
    await pipe.deliver()
    assert pipe.sendouts()[-1].status is SendoutStatus.HELD
    assert len(pipe.http.requests) == 2


async def test_a_report_after_the_lease_was_taken_over_changes_nothing_but_the_count(
    pipe: Pipeline,
) -> None:
    distribution = await pipe.distribution(
        "https://hooks.example.com/a", retry=RetryPolicy(retries=0)
    )
    await pipe.event()
    frozen = pipe.sender()
    pipe.http.gate.clear()  # the frozen worker's attempt hangs
    await frozen.run_batch()
    pipe.clock.advance(LEASE)
    pipe.http.answer(DOWN, OK)  # the frozen attempt fails, the newer one delivers
    newer = pipe.sender()
    await newer.run_batch()  # the lease ran out: taken over
    pipe.http.gate.set()
    await newer.settle()
    await frozen.settle()
    (sendout,) = pipe.sendouts()
    assert (sendout.status, sendout.attempts_count) == (SendoutStatus.DELIVERED, 2)
    assert (frozen.stale_reports, newer.stale_reports) == (1, 0)
    assert len(pipe.db.data.attempts) == 2  # the stale attempt happened: recorded
    assert pipe.status(distribution) is DistributionStatus.ACTIVE
    assert pipe.db.data.notifications == []


async def test_sendouts_of_a_paused_source_are_held_and_of_a_gone_one_canceled(
    pipe: Pipeline,
) -> None:
    paused = await pipe.distribution(PAUSED_URL)
    gone = await pipe.distribution(GONE_URL)
    await pipe.event()
    async with pipe.db() as uow:
        await uow.distributions.update(replace(paused, status=DistributionStatus.PAUSED))
        await uow.commit()
    del pipe.db.data.distributions[gone.id]
    await pipe.deliver()
    by_url = {s.url: s for s in pipe.sendouts()}
    held, canceled = by_url[PAUSED_URL], by_url[GONE_URL]
    assert (held.status, held.reason) == (SendoutStatus.HELD, "distribution_paused")
    assert (canceled.status, canceled.reason) == (SendoutStatus.CANCELED, "source_deleted")
    assert pipe.http.requests == []


async def test_an_open_breaker_fails_its_endpoint_fast_on_each_ladder_and_others_flow(
    pipe: Pipeline,
) -> None:
    await pipe.distribution("https://hooks.example.com/down", retry=LADDER)
    sender = pipe.sender(
        endpoint_concurrency=1,
        breaker=BreakerPolicy(threshold=1, cooldown=timedelta(seconds=60)),
    )
    await pipe.event()
    pipe.http.answer(DOWN)
    await pipe.deliver(sender)  # one failure opens the breaker; its retry at +10 s
    await pipe.distribution("https://hooks.example.com/up")
    pipe.clock.advance(LADDER.first_delay)
    await pipe.event()
    await pipe.deliver(sender)
    urls = [r.url for r in pipe.http.requests]
    assert urls == ["https://hooks.example.com/down", "https://hooks.example.com/up"]
    # The down endpoint's due send-outs failed fast, no connection made, each one step down
    # its own ladder (the breaker does not stretch it), and wait for their next retry.
    fast = [r for _, _, r in pipe.db.data.attempts if r is BREAKER_OPEN]
    assert len(fast) == 2
    down = [s for s in pipe.sendouts() if s.url.endswith("/down")]
    assert all(s.status is SendoutStatus.PENDING for s in down)
    assert all(s.next_attempt_at and s.next_attempt_at > pipe.clock.now() for s in down)
    pipe.clock.advance(timedelta(seconds=60))
    await pipe.deliver(sender)  # half-open: one probe goes out, and is answered
    assert [r.url for r in pipe.http.requests].count("https://hooks.example.com/down") == 2
    # The probe (the send-out due first) is delivered; the other, due meanwhile, spent the
    # last step of its ladder failing fast: failed, as its ladder says, at its own time.
    statuses = sorted(s.status for s in pipe.sendouts() if s.url.endswith("/down"))
    assert statuses == [SendoutStatus.DELIVERED, SendoutStatus.FAILED]


async def claim_round(pipe: Pipeline, sender: Deliverer) -> int:
    """One claim with every attempt held in flight: how many went out; then all answered."""
    pipe.http.gate.clear()
    before = len(pipe.http.requests)
    await sender.run_batch()
    for _ in range(3):  # let the claimed attempts reach the transport
        await asyncio.sleep(0)
    taken = len(pipe.http.requests) - before
    pipe.http.gate.set()
    await sender.settle()
    return taken


async def test_a_fast_endpoint_is_given_more_attempts_in_flight_with_each_round(
    pipe: Pipeline,
) -> None:
    await pipe.distribution("https://hooks.example.com/fast")
    for _ in range(3):
        await pipe.event(100)  # a dispatch batch at most
    sender = pipe.sender(concurrency=256, batch=200)  # at most 128 to one endpoint
    rounds = [await claim_round(pipe, sender) for _ in range(4)]
    assert rounds == [16, 32, 64, 128]  # the start, then doubled by each round of fast answers
    assert all(s.status is SendoutStatus.DELIVERED for s in pipe.sendouts()[:240])


async def test_an_overloaded_endpoint_is_given_fewer(pipe: Pipeline) -> None:
    await pipe.distribution("https://hooks.example.com/busy", retry=LADDER)
    await pipe.event(100)
    sender = pipe.sender(breaker=BreakerPolicy(threshold=1_000))  # the limit, not the breaker
    pipe.http.answer(*[SendResult(status_code=429, duration_ms=1)] * 16)
    assert await claim_round(pipe, sender) == 16
    assert await claim_round(pipe, sender) == 8  # halved once for that round of 429s
    # answered in time again: growing back, by one per round past the point it was cut to
    assert await claim_round(pipe, sender) == 9


async def test_endpoint_concurrency_caps_the_adaptive_limit(pipe: Pipeline) -> None:
    await pipe.distribution("https://hooks.example.com/capped")
    await pipe.event(100)
    sender = pipe.sender(endpoint_concurrency=20)
    assert [await claim_round(pipe, sender) for _ in range(3)] == [16, 20, 20]
