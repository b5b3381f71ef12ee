"""Recording attempts: each one stored, and the send-out moved on only while the claim it
was sent under still holds it (fencing: see ``services/pipeline/deliver.py``)."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime

from sendout.domain.deliveries import SendResult
from sendout.domain.ports import UnitOfWork
from sendout.domain.sendout_lifecycle import after_attempt
from sendout.domain.sendouts import ClaimState, Sendout, SendoutStatus
from sendout.services.pipeline.delivery_routes import Route
from sendout.services.pipeline.source_pausing import stop_after_delivery_failure


@dataclass(slots=True)
class Finished:
    """An attempt that came back, waiting to be recorded."""

    sendout: Sendout
    route: Route
    started: datetime
    result: SendResult
    #: how many times recording it failed already
    tries: int = 0


async def record_attempts(
    uow: UnitOfWork, batch: list[Finished], now: datetime, rng: random.Random
) -> list[Finished]:
    """Record every attempt; move on only the send-outs this worker's claim still holds
    (their retry ladder counted from the attempts stored now), stopping the source of those
    whose retries ran out. Answers the stale ones."""
    stored = await uow.deliveries.claim_states({f.sendout.id for f in batch})
    outcomes: list[Sendout] = []
    stale: list[Finished] = []
    for finished in batch:
        current = stored.get(finished.sendout.id)
        if current is None or not still_claimed(finished.sendout, current):
            stale.append(finished)
            continue
        in_flight = finished.sendout
        if in_flight.attempts_count != current.attempts_count:  # stale attempts counted since
            in_flight = replace(in_flight, attempts_count=current.attempts_count)
        policy = finished.route.policy
        outcomes.append(after_attempt(in_flight, finished.result, policy, now, rng))
    await uow.deliveries.add_attempts([(f.sendout, f.started, f.result) for f in batch])
    await uow.deliveries.update_many(outcomes)
    await uow.deliveries.count_attempts([f.sendout.id for f in stale])
    for outcome in outcomes:
        if outcome.status is SendoutStatus.FAILED:
            reason = outcome.reason or "failed"
            await stop_after_delivery_failure(uow, outcome, reason, now, rng)
    return stale


def still_claimed(claimed: Sendout, current: ClaimState) -> bool:
    """Whether the claim ``claimed`` was taken under still holds the send-out: nobody
    claimed it since, and no person acted on it (both change or clear the token)."""
    return (
        claimed.lease_token is not None
        and current.lease_token == claimed.lease_token
        and current.status is SendoutStatus.PENDING
    )
