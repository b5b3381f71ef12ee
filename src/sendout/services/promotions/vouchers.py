"""Voucher use cases: create (random or chosen code), read, update, delete, enable, list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sendout.domain.campaign_drafts import (
    check_dates,
    validate_discount,
    validate_gift,
    validate_loyalty_card,
)
from sendout.domain.campaigns import Validity, VoucherType
from sendout.domain.codes import CodeGenerator, parse_code_config
from sendout.domain.errors import Duplicate, InvalidPayload
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.vouchers import EffectiveVoucher, Voucher, VoucherQuery
from sendout.services.context import Context
from sendout.services.customers.customers import find_customer
from sendout.services.promotions.campaign_codes import check_code, draw_free_code, validity_from
from sendout.services.promotions.campaigns import require_campaign
from sendout.services.promotions.voucher_lookup import effective, require_voucher

_TYPE_FIELD = {
    VoucherType.DISCOUNT_VOUCHER: "discount",
    VoucherType.GIFT_VOUCHER: "gift",
    VoucherType.LOYALTY_CARD: "loyalty_card",
}


def _type_specific(vtype: VoucherType, body: Mapping[str, Any]) -> dict[str, Any]:
    name = _TYPE_FIELD[vtype]
    raw = body.get(name)
    if raw is None:
        return {}
    validate = {
        "discount": validate_discount,
        "gift": validate_gift,
        "loyalty_card": validate_loyalty_card,
    }[name]
    return {name: validate(raw)}


async def create_voucher(
    uow_factory: UnitOfWorkFactory, ctx: Context, code: str | None, body: Mapping[str, Any]
) -> EffectiveVoucher:
    """``POST /v1/vouchers`` (random code) and ``POST /v1/vouchers/{code}`` (chosen code)."""
    async with uow_factory() as uow:
        made = await add_voucher(uow, ctx, code, body)
        await uow.commit()
        return made


async def add_voucher(
    uow: UnitOfWork, ctx: Context, code: str | None, body: Mapping[str, Any]
) -> EffectiveVoucher:
    """A new voucher (``code``, or one drawn when None) in the caller's transaction; every
    check comes before the first write, so a refusal leaves the transaction clean (an
    import goes on with its next row)."""
    check_dates(body.get("start_date"), body.get("expiration_date"))
    campaign = None
    campaign_key = body.get("campaign_id") or body.get("campaign")
    if campaign_key:
        campaign = await require_campaign(uow, ctx, campaign_key)
    declared = body.get("type")
    if campaign is not None and campaign.template is not None:
        vtype = campaign.template.type
        if declared is not None and declared != vtype.value:
            raise InvalidPayload(
                details=f"type must be {vtype.value}, as in campaign {campaign.name}",
                key="invalid_voucher",
            )
    else:
        try:
            vtype = VoucherType(declared or VoucherType.DISCOUNT_VOUCHER.value)
        except ValueError:
            raise InvalidPayload(
                details=f"type must be one of {', '.join(VoucherType)}", key="invalid_voucher"
            ) from None
    specific = _type_specific(vtype, body)
    if campaign is None and not specific:
        raise InvalidPayload(
            details=f"{_TYPE_FIELD[vtype]} is required for a {vtype.value} without a campaign",
            key="invalid_voucher",
        )
    if code is None:
        raw_config = body.get("code_config")
        config = (
            parse_code_config(raw_config)
            if raw_config is not None or campaign is None or campaign.template is None
            else campaign.template.code_config
        )
        code = await draw_free_code(uow, ctx, CodeGenerator(config, ctx.rng))
    else:
        check_code(code)
        if await uow.vouchers.get_by_code(ctx.project_id, code) is not None:
            raise Duplicate(
                details=f"Voucher {code} exists", resource_id=code, resource_type="voucher"
            )
    redemption = body.get("redemption") or {}
    voucher = Voucher(
        id=ctx.new_sortable_id(IdPrefix.VOUCHER),
        project_id=ctx.project_id,
        code=code,
        campaign_id=campaign.id if campaign else None,
        type=vtype,
        redemption_quantity=redemption.get("quantity"),
        active=body.get("active"),
        start_date=body.get("start_date"),
        expiration_date=body.get("expiration_date"),
        validity=_validity(body),
        additional_info=body.get("additional_info"),
        metadata=body.get("metadata"),
        category=body.get("category"),
        created_at=ctx.now(),
        **specific,
    )
    await uow.vouchers.add(voucher)
    if campaign is not None:
        await uow.campaigns.add_vouchers_count(campaign.id, 1)
    return EffectiveVoucher(voucher=voucher, campaign=campaign)


def _validity(body: Mapping[str, Any]) -> Validity | None:
    keys = ("validity_timeframe", "validity_day_of_week", "validity_hours")
    if all(body.get(k) is None for k in keys):
        return None
    return validity_from(body.get(keys[0]), body.get(keys[1]), body.get(keys[2]))


async def get_voucher(uow_factory: UnitOfWorkFactory, ctx: Context, code: str) -> EffectiveVoucher:
    async with uow_factory() as uow:
        (found,) = await effective(uow, ctx, [await require_voucher(uow, ctx, code)])
        return found


_UPDATABLE = {
    "category",
    "start_date",
    "expiration_date",
    "active",
    "additional_info",
    "metadata",
    "validity_timeframe",
    "validity_day_of_week",
    "validity_hours",
    "discount",
    "gift",
    "loyalty_card",
    "redemption",
}


async def update_voucher(
    uow_factory: UnitOfWorkFactory, ctx: Context, code: str, changes: Mapping[str, Any]
) -> EffectiveVoucher:
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise InvalidPayload(details=f"Cannot update {', '.join(sorted(unknown))}")
    async with uow_factory() as uow:
        voucher = await require_voucher(uow, ctx, code)
        (current,) = await effective(uow, ctx, [voucher])
        simple = {
            k: changes[k]
            for k in (
                "category",
                "start_date",
                "expiration_date",
                "active",
                "additional_info",
                "metadata",
            )
            if k in changes
        }
        if any(
            k in changes for k in ("validity_timeframe", "validity_day_of_week", "validity_hours")
        ):
            old = current.validity
            merged = {
                "validity_timeframe": changes.get("validity_timeframe", old.timeframe),
                "validity_day_of_week": changes.get("validity_day_of_week", old.day_of_week),
                "validity_hours": changes.get("validity_hours", old.hours),
            }
            simple["validity"] = _validity(merged) or Validity()
        vtype = current.type
        name = _TYPE_FIELD[vtype]
        if name in changes:
            simple.update(_type_specific(vtype, changes))
        if "redemption" in changes:
            quantity = (changes["redemption"] or {}).get("quantity")
            if quantity is not None and (not isinstance(quantity, int) or quantity < 1):
                raise InvalidPayload(details="redemption.quantity must be a positive integer")
            simple["redemption_quantity"] = quantity
        updated = replace(voucher, **simple, updated_at=ctx.now())
        check_dates(updated.start_date, updated.expiration_date)
        await uow.vouchers.update(updated)
        await uow.commit()
        return EffectiveVoucher(voucher=updated, campaign=current.campaign)


async def set_voucher_active(
    uow_factory: UnitOfWorkFactory, ctx: Context, code: str, active: bool
) -> EffectiveVoucher:
    return await update_voucher(uow_factory, ctx, code, {"active": active})


async def delete_voucher(uow_factory: UnitOfWorkFactory, ctx: Context, code: str) -> None:
    async with uow_factory() as uow:
        voucher = await require_voucher(uow, ctx, code)
        await uow.vouchers.remove(ctx.project_id, voucher.id)
        if voucher.campaign_id:
            await uow.campaigns.add_vouchers_count(voucher.campaign_id, -1)
        await uow.commit()


async def list_vouchers(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    query: VoucherQuery,
    *,
    campaign: str | None = None,
    customer: str | None = None,
) -> Page[EffectiveVoucher]:
    """``GET /v1/vouchers``; ``campaign`` is a name or id, ``customer`` an id or source_id."""
    async with uow_factory() as uow:
        if campaign is not None:
            found = await uow.campaigns.get(ctx.project_id, campaign)
            if found is None:
                return Page(items=[], total=0, has_more=False)
            query = replace(query, campaign_id=found.id)
        if customer is not None:
            holder = await find_customer(uow, ctx, customer)
            if holder is None:
                return Page(items=[], total=0, has_more=False)
            query = replace(query, holder_id=holder.id)
        page = await uow.vouchers.list(ctx.project_id, query)
        items = await effective(uow, ctx, page.items)
        return Page(items=items, total=page.total, has_more=page.has_more)
