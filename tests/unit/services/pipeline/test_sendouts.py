"""Send-outs on the in-memory fakes: listed and read with their attempts; resent (the same
bytes, now, the endpoint reset) unless an attempt is in flight."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sendout.domain.errors import InvalidTransition, NotFound
from sendout.domain.retry import RetryPolicy
from sendout.domain.sendouts import SendoutQuery, SendoutStatus
from sendout.services.pipeline import sendouts as svc
from sendout.testing import make_context
from sendout.testing.transports import DOWN
from tests.factories.pipeline import Pipeline

URL = "https://hooks.example.com/a"
ONCE = RetryPolicy(retries=0, first_delay=timedelta(seconds=1), jitter=0.0)


async def test_sendouts_are_listed_and_read_with_their_attempts(pipe: Pipeline) -> None:
    distribution = await pipe.distribution(URL)
    await pipe.event(2)
    await pipe.deliver()
    page = await svc.list_sendouts(pipe.db, pipe.ctx, SendoutQuery(limit=1))
    assert (page.total, page.has_more) == (2, True)
    mine = SendoutQuery(distribution_id=distribution.id, status=SendoutStatus.DELIVERED)
    assert (await svc.list_sendouts(pipe.db, pipe.ctx, mine)).total == 2
    first = pipe.sendouts()[0]
    read = await svc.get_sendout(pipe.db, pipe.ctx, first.id)
    assert read.sendout == first
    (attempt,) = read.attempts
    assert attempt["status_code"] == 200
    with pytest.raises(NotFound):
        await svc.get_sendout(pipe.db, make_context("proj_other"), first.id)


async def test_a_failed_sendout_is_resent_now_and_its_endpoint_reset(pipe: Pipeline) -> None:
    await pipe.distribution(URL, retry=ONCE)
    pipe.http.answer(DOWN)
    await pipe.event()
    await pipe.deliver()
    (failed,) = pipe.sendouts()
    assert failed.status is SendoutStatus.FAILED
    pipe.clock.advance(timedelta(minutes=5))
    resent = await svc.resend(pipe.db, pipe.ctx, failed.id)
    assert (resent.status, resent.reason, resent.next_attempt_at) == (
        SendoutStatus.PENDING,
        "resent",
        pipe.clock.now(),
    )
    assert resent.body == failed.body
    assert pipe.db.data.resets == {URL: pipe.clock.now()}
    await pipe.deliver()  # its distribution is paused (the failure): it waits for set live
    assert pipe.sendouts()[0].status is SendoutStatus.HELD


async def test_an_attempt_in_flight_is_not_resent(pipe: Pipeline) -> None:
    await pipe.distribution(URL)
    await pipe.event()
    pipe.http.gate.clear()  # the attempt waits, in flight
    await pipe.deliverer.run_batch()
    (claimed,) = pipe.sendouts()
    with pytest.raises(InvalidTransition):
        await svc.resend(pipe.db, pipe.ctx, claimed.id)
    pipe.http.gate.set()
    await pipe.deliverer.settle()
    with pytest.raises(NotFound):
        await svc.resend(pipe.db, pipe.ctx, "whs_nope")
