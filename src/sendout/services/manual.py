"""Manual distributions: one ``manual_distribution_schedule`` event per recipient.

The worker takes a manual distribution whose ``set_live_at`` has come and records the events
in batches, each batch committed with the distribution's progress (done / total), so a
stopped worker resumes where it was. The dispatcher then turns each event into send-outs like
any other event.

A batch is claimed (``FOR UPDATE SKIP LOCKED``; on SQLite, under the write lock) and written
in one transaction: no lease, so no stale writer to fence.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from sendout.domain.clock import Clock, iso, iso_or_none
from sendout.domain.customers import Customer, CustomerOrder, CustomerQuery, simple_customer
from sendout.domain.distributions import MANUAL, Distribution, DistributionStatus, ManualPlan
from sendout.domain.ids import new_request_id
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.services.context import Context, internal_context
from sendout.services.customers import find_customer
from sendout.services.recording import record_event

MANUAL_BATCH = 500


def distribution_data(distribution: Distribution) -> dict[str, Any]:
    """The ``distribution`` object of a ``manual_distribution_schedule`` event."""
    plan = distribution.manual or ManualPlan()
    return {
        "id": distribution.id,
        "created_at": iso(distribution.created_at),
        "updated_at": iso_or_none(distribution.updated_at),
        "status": distribution.status.value,
        "parameters": {
            "method": "webhook",
            "subject": distribution.name,
            "customer": None,
            "campaign_id": distribution.action.campaign_id,
            "promotion_tier_id": distribution.action.promotion_tier_id,
        },
        "consents": {"disabled": True},
        "set_live_at": iso_or_none(plan.set_live_at),
        "distribution_channels": [c.event_name for c in distribution.channels],
    }


class ManualScheduler:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, rng: random.Random) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rng = rng

    async def run_next(self) -> int:
        """Record one batch of one due manual distribution; 1 if there was one, else 0."""
        async with self._uow_factory() as uow:
            distribution = await uow.distributions.next_manual_due(self._clock.now())
            if distribution is None or distribution.manual is None:
                return 0
            ctx = internal_context(
                distribution.project_id, new_request_id(self._rng), self._clock, self._rng
            )
            plan = distribution.manual
            customers, total = await self._batch(uow, ctx, plan)
            data = distribution_data(distribution)
            for customer in customers:
                await record_event(
                    uow,
                    ctx,
                    type=MANUAL,
                    customer_id=customer.id,
                    entity_id=distribution.id,
                    data={"distribution": data, "customer": simple_customer(customer)},
                )
            done = min(total, plan.done + MANUAL_BATCH)
            status = DistributionStatus.DONE if done >= total else DistributionStatus.TO_SEND
            await uow.distributions.update(
                replace(
                    distribution,
                    status=status,
                    manual=replace(plan, done=done, total=total),
                    updated_at=ctx.now(),
                )
            )
            await uow.commit()
        return 1

    async def _batch(
        self, uow: UnitOfWork, ctx: Context, plan: ManualPlan
    ) -> tuple[list[Customer], int]:
        """The next batch of recipients, and how many there are in all."""
        if plan.customer_ids is not None:
            found = []
            for key in plan.customer_ids[plan.done : plan.done + MANUAL_BATCH]:
                customer = await find_customer(uow, ctx, key)
                if customer is not None:  # a customer deleted since is skipped
                    found.append(customer)
            return found, len(plan.customer_ids)
        wanted = dict(plan.customer_filter or {})
        query = CustomerQuery(
            limit=MANUAL_BATCH,
            page=plan.done // MANUAL_BATCH + 1,
            email=wanted.get("email"),
            city=wanted.get("city"),
            name=wanted.get("name"),
            segment_id=wanted.get("segment_id"),
            order=CustomerOrder.CREATED_AT,
            descending=False,
        )
        page = await uow.customers.list(ctx.project_id, query)
        total = plan.total if plan.total is not None else page.total or 0
        return list(page.items), total
