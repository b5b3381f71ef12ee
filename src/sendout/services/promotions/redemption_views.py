"""Redemptions read back: one, a page, a code's, with their order, customer and code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sendout.domain.customers import Customer, simple_customer
from sendout.domain.errors import NotFound
from sendout.domain.orders import Order, order_object
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.redemptions import (
    Redemption,
    RedemptionQuery,
    redemption_object,
)
from sendout.domain.vouchers import EffectiveVoucher, voucher_object
from sendout.services.context import Context
from sendout.services.promotions.voucher_lookup import effective


@dataclass(frozen=True, slots=True, kw_only=True)
class RedemptionView:
    redemption: Redemption
    order: Order | None
    customer: Customer | None
    voucher: EffectiveVoucher | None
    children: Sequence[str] = ()

    def as_object(self) -> dict[str, Any]:
        return redemption_object(
            self.redemption,
            order=None if self.order is None else order_object(self.order),
            customer=None if self.customer is None else simple_customer(self.customer),
            voucher=None if self.voucher is None else voucher_object(self.voucher),
            children=self.children,
        )


async def view_of(uow: UnitOfWork, ctx: Context, redemption: Redemption) -> RedemptionView:
    order = (
        await uow.orders.get(ctx.project_id, redemption.order_id) if redemption.order_id else None
    )
    customer = (
        await uow.customers.get(ctx.project_id, redemption.customer_id)
        if redemption.customer_id
        else None
    )
    voucher = None
    if redemption.voucher_code is not None:
        found = await uow.vouchers.get_by_code(ctx.project_id, redemption.voucher_code)
        voucher = None if found is None else (await effective(uow, ctx, [found]))[0]
    children: Sequence[str] = ()
    if redemption.is_parent:
        children = [c.id for c in await uow.redemptions.children(ctx.project_id, redemption.id)]
    return RedemptionView(
        redemption=redemption, order=order, customer=customer, voucher=voucher, children=children
    )


async def get_redemption(
    uow_factory: UnitOfWorkFactory, ctx: Context, redemption_id: str
) -> RedemptionView:
    async with uow_factory() as uow:
        found = await uow.redemptions.get(ctx.project_id, redemption_id)
        if found is None:
            raise NotFound.of("redemption", redemption_id)
        return await view_of(uow, ctx, found)


async def list_redemptions(
    uow_factory: UnitOfWorkFactory, ctx: Context, query: RedemptionQuery
) -> Page[RedemptionView]:
    async with uow_factory() as uow:
        page = await uow.redemptions.list(ctx.project_id, query)
        views = [await view_of(uow, ctx, r) for r in page.items]
    return Page(items=views, total=page.total, has_more=page.has_more)


async def voucher_redemptions(
    uow_factory: UnitOfWorkFactory, ctx: Context, code: str
) -> tuple[EffectiveVoucher, Sequence[Redemption]]:
    async with uow_factory() as uow:
        found = await uow.vouchers.get_by_code(ctx.project_id, code)
        if found is None:
            raise NotFound.of("voucher", code)
        (voucher,) = await effective(uow, ctx, [found])
        return voucher, await uow.redemptions.of_voucher(ctx.project_id, found.id)
