"""Recording a claim's attempts: each attempt is kept; only send-outs the claim still holds
move on their ladder (a stale one is only counted), and one whose retries ran out stops its
source."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sendout.domain.retry import RetryPolicy
from sendout.domain.sendouts import ClaimState, SendoutStatus
from sendout.services.pipeline.delivery_records import Finished, record_attempts, still_claimed
from sendout.services.pipeline.delivery_routes import Route
from sendout.services.pipeline.sendout_senders import Unavailable
from sendout.testing import seeded_rng
from sendout.testing.transports import DOWN, OK
from tests.factories.pipeline import Pipeline

ONCE = RetryPolicy(retries=0, first_delay=timedelta(seconds=1), jitter=0.0)
ROUTE = Route(ONCE, Unavailable("test"))


async def test_a_claim_holds_while_its_token_is_stored_and_the_sendout_pending(
    pipe: Pipeline,
) -> None:
    await pipe.distribution("https://hooks.example.com/a")
    await pipe.event()
    (sendout,) = pipe.sendouts()
    claimed = replace(sendout, lease_token="lease_a")
    held = ClaimState(SendoutStatus.PENDING, "lease_a", 0)
    assert still_claimed(claimed, held)
    assert not still_claimed(claimed, replace(held, lease_token="lease_b"))
    assert not still_claimed(claimed, replace(held, status=SendoutStatus.FAILED))
    assert not still_claimed(sendout, replace(held, lease_token=None))  # no claim at all


async def test_a_held_claims_outcome_is_written_a_stale_one_only_counted(pipe: Pipeline) -> None:
    made = await pipe.distribution("https://hooks.example.com/a")
    await pipe.event(2)
    mine, taken = pipe.sendouts()
    now = pipe.clock.now()
    async with pipe.db() as uow:
        await uow.deliveries.lease([mine.id], now, "lease_mine")
        await uow.deliveries.lease([taken.id], now, "lease_other")
        await uow.commit()
    claimed = [replace(mine, lease_token="lease_mine"), replace(taken, lease_token="lease_mine")]
    batch = [
        Finished(sendout=s, route=ROUTE, started=now, result=r)
        for s, r in zip(claimed, [DOWN, OK], strict=True)
    ]
    async with pipe.db() as uow:
        stale = await record_attempts(uow, batch, now, seeded_rng())
        await uow.commit()
    assert [f.sendout.id for f in stale] == [taken.id]
    failed, counted = pipe.db.data.sendouts[mine.id], pipe.db.data.sendouts[taken.id]
    assert (failed.status, failed.attempts_count) == (SendoutStatus.FAILED, 1)
    assert (counted.status, counted.attempts_count, counted.lease_token) == (
        SendoutStatus.PENDING,
        1,
        "lease_other",
    )
    assert len(pipe.db.data.attempts) == 2
    assert pipe.status(made).value == "PAUSED"  # the failure stopped its source
