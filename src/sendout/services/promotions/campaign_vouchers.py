"""Codes added to a campaign: one now or many by the worker, a chosen code, an import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sendout.domain.async_actions import AsyncAction, AsyncActionType
from sendout.domain.campaigns import CampaignKind, GenerationStatus
from sendout.domain.errors import Duplicate, InvalidPayload
from sendout.domain.ports import UnitOfWorkFactory
from sendout.domain.vouchers import Voucher
from sendout.services.context import Context
from sendout.services.promotions.campaign_codes import (
    add_code,
    check_code,
    code_config_for,
    generate_one,
    jsonable,
    voucher_overrides,
)
from sendout.services.promotions.campaigns import (
    MAX_IMPORT_ITEMS,
    check_count,
    enqueue,
    require_campaign,
)


async def add_vouchers(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    id_or_name: str,
    count: int,
    body: Mapping[str, Any],
) -> Voucher | AsyncAction:
    """One code now (a ``Voucher``), or many by the worker (an ``AsyncAction``)."""
    check_count(count)
    overrides = voucher_overrides(body)
    async with uow_factory() as uow:
        campaign = await require_campaign(uow, ctx, id_or_name)
        config = code_config_for(campaign, body.get("code_config"))
        if campaign.kind is CampaignKind.STANDALONE and campaign.vouchers_count + count > 1:
            raise InvalidPayload(
                details="A STANDALONE campaign has one code", key="invalid_campaign_params"
            )
        config.check_capacity(campaign.vouchers_count + count)
        if count == 1:
            voucher = await generate_one(uow, ctx, campaign, config, overrides)
            await uow.commit()
            return voucher
        await uow.campaigns.update(
            replace(campaign, vouchers_generation_status=GenerationStatus.IN_PROGRESS)
        )
        request: dict[str, Any] = {"campaign_id": campaign.id, "count": count}
        if body.get("code_config") is not None:
            request["code_config"] = config.as_object()
        if overrides:
            request["overrides"] = jsonable(overrides)
        action = await enqueue(uow, ctx, AsyncActionType.VOUCHERS_GENERATE, request, count)
        await uow.commit()
        return action


async def add_voucher_with_code(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    id_or_name: str,
    code: str,
    body: Mapping[str, Any],
) -> Voucher:
    overrides = voucher_overrides(body)
    check_code(code)
    async with uow_factory() as uow:
        campaign = await require_campaign(uow, ctx, id_or_name)
        code_config_for(campaign, None)
        if await uow.vouchers.get_by_code(ctx.project_id, code) is not None:
            raise Duplicate(
                details=f"Voucher {code} exists", resource_id=code, resource_type="voucher"
            )
        voucher = await add_code(uow, ctx, campaign, code, overrides)
        await uow.commit()
        return voucher


async def import_vouchers(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    id_or_name: str,
    items: Sequence[Mapping[str, Any]],
) -> AsyncAction:
    """``POST /v1/campaigns/{id}/import``: chosen codes, added by the worker."""
    if not 1 <= len(items) <= MAX_IMPORT_ITEMS:
        raise InvalidPayload(details=f"Import 1 to {MAX_IMPORT_ITEMS} codes at a time")
    codes = []
    for n, item in enumerate(items):
        code = item.get("code")
        if not isinstance(code, str):
            raise InvalidPayload(details=f"[{n}].code is required")
        check_code(code)
        codes.append(code)
    if len(set(codes)) != len(codes):
        raise InvalidPayload(details="The import repeats a code", key="duplicate_found")
    async with uow_factory() as uow:
        campaign = await require_campaign(uow, ctx, id_or_name)
        code_config_for(campaign, None)
        taken = await uow.vouchers.existing_codes(ctx.project_id, codes)
        if taken:
            raise Duplicate(
                details=f"Codes exist already: {', '.join(sorted(taken)[:10])}",
                resource_type="voucher",
            )
        items_json = [{"code": item["code"], **jsonable(voucher_overrides(item))} for item in items]
        action = await enqueue(
            uow,
            ctx,
            AsyncActionType.VOUCHERS_IMPORT,
            {"campaign_id": campaign.id, "items": items_json},
            len(items),
        )
        await uow.commit()
        return action
