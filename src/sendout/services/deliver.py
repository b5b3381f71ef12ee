"""The sender: due send-outs out to their endpoints, attempts recorded, retries scheduled.

A batch is claimed under a lease (the send-outs' next attempt is pushed to the lease's end
in the claiming transaction), delivered concurrently with no transaction open, and reported
in a second transaction. A worker killed between the two loses nothing: when the lease runs
out the send-outs are due again and another worker sends them (at-least-once; the envelope
``id`` lets receivers drop a repeat).
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import replace
from datetime import datetime, timedelta

from sendout.domain.clock import Clock
from sendout.domain.deliveries import ChannelSender, OutboundRequest, SendResult
from sendout.domain.distributions import Distribution, DistributionStatus
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.domain.retry import RetryPolicy, parse_retry_after
from sendout.domain.sendouts import Sendout, SendoutStatus
from sendout.domain.signing import signature_headers

log = logging.getLogger("sendout.worker")

DELIVERY_BATCH = 100
DELIVERY_CONCURRENCY = 64
LEASE = timedelta(seconds=60)  # longer than the 10 s attempt timeout, with room


class Deliverer:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        sender: ChannelSender,
        clock: Clock,
        rng: random.Random,
        *,
        policy: RetryPolicy | None = None,
        batch: int = DELIVERY_BATCH,
        concurrency: int = DELIVERY_CONCURRENCY,
    ) -> None:
        self._uow_factory = uow_factory
        self._sender = sender
        self._clock = clock
        self._rng = rng
        self._policy = policy or RetryPolicy()
        self._batch = batch
        self._slots = asyncio.Semaphore(concurrency)

    async def run_batch(self) -> int:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            due = list(await uow.deliveries.claim_due(now, now + LEASE, self._batch))
            distributions = await _distributions(uow, due)
            await uow.commit()
        if not due:
            return 0
        outcomes = await asyncio.gather(
            *(self._attempt(s, distributions.get(s.distribution_id)) for s in due)
        )
        async with self._uow_factory() as uow:
            for sendout, started, result in outcomes:
                await self._report(uow, sendout, started, result, distributions)
            await uow.commit()
        return len(due)

    async def _attempt(
        self, sendout: Sendout, distribution: Distribution | None
    ) -> tuple[Sendout, datetime, SendResult | None]:
        started = self._clock.now()
        channel = next(
            (
                c
                for c in (distribution.channels if distribution else ())
                if c.id == sendout.channel_id
            ),
            None,
        )
        if channel is None:
            return sendout, started, None
        headers = {
            **sendout.headers,
            **signature_headers(
                [channel.secret], sendout.id, int(started.timestamp()), sendout.body
            ),
        }
        async with self._slots:
            result = await self._sender.send(
                OutboundRequest(url=sendout.url, headers=headers, body=sendout.body)
            )
        return sendout, started, result

    async def _report(
        self,
        uow: UnitOfWork,
        sendout: Sendout,
        started: datetime,
        result: SendResult | None,
        distributions: dict[str, Distribution],
    ) -> None:
        now = self._clock.now()
        if result is None:
            await uow.deliveries.update(
                replace(
                    sendout,
                    status=SendoutStatus.CANCELED,
                    reason="distribution_deleted",
                    next_attempt_at=None,
                    updated_at=now,
                )
            )
            return
        await uow.deliveries.add_attempt(sendout, started, result)
        attempts = sendout.attempts_count + 1
        if result.delivered:
            updated = replace(
                sendout,
                status=SendoutStatus.DELIVERED,
                attempts_count=attempts,
                next_attempt_at=None,
                reason=None,
                updated_at=now,
            )
        else:
            retry_after = parse_retry_after(result.response_headers.get("Retry-After"), now)
            next_at = (
                None
                if result.final
                else self._policy.next_attempt(
                    attempts=attempts,
                    status_code=result.status_code,
                    retry_after=retry_after,
                    now=now,
                    rng=self._rng,
                )
            )
            reason = f"HTTP {result.status_code}" if result.status_code else result.error
            updated = replace(
                sendout,
                status=SendoutStatus.PENDING if next_at else SendoutStatus.FAILED,
                attempts_count=attempts,
                next_attempt_at=next_at,
                reason=reason,
                updated_at=now,
            )
            if next_at is None:
                await self._pause(uow, distributions.get(sendout.distribution_id), now)
        await uow.deliveries.update(updated)

    async def _pause(
        self, uow: UnitOfWork, distribution: Distribution | None, now: datetime
    ) -> None:
        """Retries ran out: the distribution stops until someone sets it live again."""
        if distribution is not None and distribution.status is DistributionStatus.ACTIVE:
            log.warning("distribution %s paused: a send-out failed for good", distribution.id)
            paused = replace(distribution, status=DistributionStatus.PAUSED, updated_at=now)
            await uow.distributions.update(paused)


async def _distributions(uow: UnitOfWork, due: list[Sendout]) -> dict[str, Distribution]:
    found: dict[str, Distribution] = {}
    for key in {(s.project_id, s.distribution_id) for s in due}:
        distribution = await uow.distributions.get(*key)
        if distribution is not None:
            found[distribution.id] = distribution
    return found
