"""The worker's points jobs: pending points whose day has come are activated; buckets past
their last day expire, recording ``customer.voucher.loyalty_card.points_expired``.

Each item is handled exactly once however many workers run: a worker locks the card, then
reads the item again inside that lock; a second worker waiting on the lock finds it done.
"""

from __future__ import annotations

import random
from dataclasses import replace

from sendout.domain.balances import TransactionType, transaction_object
from sendout.domain.campaigns import simple_campaign
from sendout.domain.clock import Clock
from sendout.domain.customers import simple_customer
from sendout.domain.events import EventType
from sendout.domain.ids import new_request_id
from sendout.domain.points import BucketStatus, bucket_object
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.domain.vouchers import simple_voucher
from sendout.services.context import Context, internal_context
from sendout.services.loyalty.balances import change_balance_in
from sendout.services.loyalty.pending_activation import activate_in
from sendout.services.recording import record_event

BATCH = 200


class PointsScheduler:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, rng: random.Random) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rng = rng

    def _context(self, project_id: str) -> Context:
        return internal_context(project_id, new_request_id(self._rng), self._clock, self._rng)

    async def activate_due(self) -> int:
        """Activate the pending points due today or earlier; how many were activated."""
        async with self._uow_factory() as uow:
            due = await uow.points.due_pending(self._clock.now().date(), BATCH)
        done = 0
        for candidate in due:
            ctx = self._context(candidate.project_id)
            async with self._uow_factory() as uow:
                await uow.vouchers.lock(ctx.project_id, candidate.voucher_id)
                pending = await uow.points.get_pending(ctx.project_id, candidate.id)
                if pending is None:  # activated, canceled or taken by another worker
                    continue
                await activate_in(uow, ctx, pending)
                await uow.commit()
                done += 1
        return done

    async def expire_due(self) -> int:
        """Expire the buckets whose last day has passed; how many cards lost points."""
        today = self._clock.now().date()
        async with self._uow_factory() as uow:
            cards = await uow.points.cards_to_expire(today, BATCH)
        done = 0
        for project_id, voucher_id in cards:
            ctx = self._context(project_id)
            async with self._uow_factory() as uow:
                if await self._expire(uow, ctx, voucher_id):
                    await uow.commit()
                    done += 1
        return done

    async def _expire(self, uow: UnitOfWork, ctx: Context, voucher_id: str) -> bool:
        await uow.vouchers.lock(ctx.project_id, voucher_id)
        today = ctx.now().date()
        due = [
            b
            for b in await uow.points.active_buckets(ctx.project_id, voucher_id)
            if b.expires_at < today
        ]
        found = await uow.vouchers.get_many(ctx.project_id, [voucher_id])
        if not due or not found:
            return False  # expired by another worker meanwhile
        card = found[0]
        now = ctx.now()
        expired = [replace(b, status=BucketStatus.EXPIRED, updated_at=now) for b in due]
        await uow.points.update_buckets(expired)
        balance = int((card.loyalty_card or {}).get("balance") or 0)
        points = min(sum(b.points_left for b in due), balance)
        if points <= 0:
            return True
        update = await change_balance_in(
            uow,
            ctx,
            card.code,
            -points,
            reason="points expired",
            details={"buckets": [b.id for b in due]},
            transaction_type=TransactionType.POINTS_EXPIRATION,
        )
        loyalty = update.voucher.loyalty_card or {}
        counted = {
            **loyalty,
            "expired_points": int(loyalty.get("expired_points") or 0) + points,
        }
        await uow.vouchers.update(replace(update.voucher.voucher, loyalty_card=counted))
        holder = await uow.customers.get(ctx.project_id, card.holder_id) if card.holder_id else None
        if holder is not None:
            campaign = update.voucher.campaign
            await record_event(
                uow,
                ctx,
                type=EventType.LOYALTY_POINTS_EXPIRED.value,
                customer_id=holder.id,
                entity_id=card.id,
                data={
                    "customer": simple_customer(holder),
                    "campaign": None if campaign is None else simple_campaign(campaign),
                    "voucher": simple_voucher(update.voucher),
                    "points": points,
                    "buckets": [bucket_object(b) for b in expired],
                    "transaction": transaction_object(update.transaction),
                },
            )
        return True
