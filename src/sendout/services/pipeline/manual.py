"""Manual distributions: one ``manual_distribution_schedule`` event per recipient.

The worker takes a manual distribution whose ``set_live_at`` has come and records the events
in batches, each batch committed with the distribution's progress (done / total), so a
stopped worker resumes where it was. A PUBLISH distribution's batch is published and its
send-outs written in the same transaction (``manual_sends``); the dispatcher turns the events
that path leaves, and a NOTIFY distribution's, into send-outs like any other event.

A batch is claimed (``FOR UPDATE SKIP LOCKED``; on SQLite, under the write lock) and written
in one transaction: no lease, so no stale writer to fence.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from sendout.domain.channels import ChannelCatalog
from sendout.domain.clock import Clock, iso, iso_or_none
from sendout.domain.customers import Customer, CustomerOrder, CustomerQuery, simple_customer
from sendout.domain.distributions import Distribution, DistributionStatus, ManualPlan
from sendout.domain.event_catalogue import MANUAL
from sendout.domain.ids import new_request_id
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.services.context import Context, internal_context
from sendout.services.customers.customers import find_customer
from sendout.services.pipeline.manual_sends import ManualSends
from sendout.services.pipeline.sendout_making import PAYLOAD_TOO_LARGE
from sendout.services.pipeline.source_pausing import pause_after_action_failure
from sendout.services.recording import new_event

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
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        rng: random.Random,
        catalog: ChannelCatalog | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rng = rng
        self._sends = ManualSends(rng, catalog or ChannelCatalog())

    async def run_next(self) -> int:
        """Record one batch of one due manual distribution; 1 if there was one, else 0."""
        async with self._uow_factory() as uow:
            distribution = await uow.distributions.next_manual_due(self._clock.now())
            if distribution is None or distribution.manual is None:
                return 0
            ctx = internal_context(
                distribution.project_id, new_request_id(self._rng), self._clock, self._rng
            )
            customers, progressed_plan = await self._batch(uow, ctx, distribution.manual)
            data = distribution_data(distribution)
            recipients = [
                (
                    new_event(
                        ctx,
                        type=MANUAL,
                        customer_id=customer.id,
                        entity_id=distribution.id,
                        data={"distribution": data, "customer": simple_customer(customer)},
                    ),
                    customer,
                )
                for customer in customers
            ]
            too_large = await self._sends.send(uow, ctx, distribution, recipients)
            finished = progressed_plan.done >= (progressed_plan.total or 0)
            progressed = replace(
                distribution,
                status=DistributionStatus.DONE if finished else DistributionStatus.TO_SEND,
                manual=progressed_plan,
                updated_at=ctx.now(),
            )
            await uow.distributions.update(progressed)
            if too_large is not None:
                await pause_after_action_failure(
                    uow, progressed, too_large, PAYLOAD_TOO_LARGE, None, ctx.now(), self._rng
                )
            await uow.commit()
        return 1

    async def _batch(
        self, uow: UnitOfWork, ctx: Context, plan: ManualPlan
    ) -> tuple[list[Customer], ManualPlan]:
        """The next batch of recipients, and the plan's progress once they are sent."""
        if plan.customer_ids is not None:
            found = []
            for key in plan.customer_ids[plan.done : plan.done + MANUAL_BATCH]:
                customer = await find_customer(uow, ctx, key)
                if customer is not None:  # a customer deleted since is skipped
                    found.append(customer)
            total = len(plan.customer_ids)
            return found, replace(plan, done=min(total, plan.done + MANUAL_BATCH), total=total)
        wanted = dict(plan.customer_filter or {})
        query = CustomerQuery(
            limit=MANUAL_BATCH,
            email=wanted.get("email"),
            city=wanted.get("city"),
            name=wanted.get("name"),
            segment_id=wanted.get("segment_id"),
            order=CustomerOrder.CREATED_AT,
            descending=False,
        )
        customers = uow.customers
        expected = plan.total
        if expected is None:
            expected = (await customers.list(ctx.project_id, replace(query, limit=1))).total or 0
        if plan.resume_after is None and plan.done:
            # Begun before the plan kept its place: found by offset this once.
            page = plan.done // MANUAL_BATCH + 1
            batch = list((await customers.list(ctx.project_id, replace(query, page=page))).items)
        else:
            # After the last recipient, by (created_at, id): as cheap at the millionth as at
            # the first, and a customer deleted meanwhile shifts no one out of the batches.
            batch = list(await customers.matching_after(ctx.project_id, query, plan.resume_after))
        done = plan.done + len(batch)
        if len(batch) < MANUAL_BATCH:
            expected = done  # the last batch: everyone who matches now has had theirs
        resume_after = (batch[-1].created_at, batch[-1].id) if batch else plan.resume_after
        return batch, replace(plan, done=done, total=max(expected, done), resume_after=resume_after)
