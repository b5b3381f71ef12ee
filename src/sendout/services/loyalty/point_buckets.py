"""Expiring points: the buckets a loyalty card's points are kept in (``domain.points``).

Called by every change of a card's points, in its transaction with the card locked: an
addition that expires makes a bucket; a removal or a spend takes from the buckets that expire
first. The card's ``next_expiration_date`` and ``next_expiration_points`` follow.
"""

from __future__ import annotations

from typing import Any

from sendout.domain.balances import TransactionType
from sendout.domain.ids import IdPrefix
from sendout.domain.points import (
    BucketStatus,
    Expiration,
    PointsBucket,
    next_expiration,
    take_from,
)
from sendout.domain.ports import UnitOfWork
from sendout.domain.vouchers import EffectiveVoucher
from sendout.services.context import Context


async def track(
    uow: UnitOfWork,
    ctx: Context,
    card: EffectiveVoucher,
    delta: int,
    transaction_type: TransactionType | None,
    expiration: Expiration,
) -> dict[str, Any]:
    """Record ``delta`` in the card's buckets; the card fields that change with them."""
    now = ctx.now()
    voucher = card.voucher
    last_day = expiration.last_day_for(card.expiration_rules, now.date()) if delta > 0 else None
    # A card whose points never expired has no active bucket: nothing to read.
    has_buckets = (card.loyalty_card or {}).get("next_expiration_date") is not None
    if last_day is None and not has_buckets:
        return {}
    active = (
        list(await uow.points.active_buckets(ctx.project_id, voucher.id)) if has_buckets else []
    )
    if last_day is not None:
        bucket = PointsBucket(
            id=ctx.new_id(IdPrefix.BUCKET),
            project_id=ctx.project_id,
            voucher_id=voucher.id,
            campaign_id=voucher.campaign_id or "",
            total_points=delta,
            points_left=delta,
            expires_at=last_day,
            created_at=now,
        )
        await uow.points.add_bucket(bucket)
        active.append(bucket)
    elif delta < 0 and transaction_type is not TransactionType.POINTS_EXPIRATION:
        changed = take_from(active, -delta, now)
        await uow.points.update_buckets(changed)
        by_id = {b.id: b for b in changed}
        active = [by_id.get(b.id, b) for b in active]
    return next_expiration([b for b in active if b.status is BucketStatus.ACTIVE])
