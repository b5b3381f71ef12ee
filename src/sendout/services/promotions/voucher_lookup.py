"""Reading codes with their campaigns' templates: what every service that touches a code
needs, kept apart from the vouchers API so that balances, redemptions and earning rules can
use it without depending on the customers service (which depends on segments)."""

from __future__ import annotations

from collections.abc import Sequence

from sendout.domain.errors import NotFound
from sendout.domain.ports import UnitOfWork
from sendout.domain.vouchers import EffectiveVoucher, Voucher
from sendout.services.context import Context


async def effective(
    uow: UnitOfWork, ctx: Context, vouchers: Sequence[Voucher]
) -> list[EffectiveVoucher]:
    """Codes with their campaigns' templates (one lookup for all campaigns)."""
    campaign_ids = sorted({v.campaign_id for v in vouchers if v.campaign_id})
    campaigns = await uow.campaigns.get_many(ctx.project_id, campaign_ids)
    return [
        EffectiveVoucher(voucher=v, campaign=campaigns.get(v.campaign_id or "")) for v in vouchers
    ]


async def require_voucher(uow: UnitOfWork, ctx: Context, code: str) -> Voucher:
    voucher = await uow.vouchers.get_by_code(ctx.project_id, code)
    if voucher is None:
        raise NotFound.of("voucher", code)
    return voucher
