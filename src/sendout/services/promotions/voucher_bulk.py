"""Codes by the thousand: standalone imports (a JSON list or a CSV file), a campaign's CSV
import, and metadata set on many codes. The API records an async action of rows
(``services/row_jobs.py``); the worker applies them here, row by row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sendout.domain.async_actions import AsyncAction, AsyncActionType
from sendout.domain.errors import Duplicate, InvalidPayload
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.services.context import Context
from sendout.services.promotions.campaign_codes import (
    add_code,
    check_code,
    code_config_for,
    from_json_dates,
    voucher_overrides,
)
from sendout.services.promotions.campaigns import require_campaign
from sendout.services.promotions.voucher_lookup import require_voucher
from sendout.services.promotions.vouchers import add_voucher
from sendout.services.row_jobs import RowHandler, enqueue_rows, rows, start_rows


async def import_vouchers(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    items: Sequence[Mapping[str, Any]],
    type: AsyncActionType = AsyncActionType.STANDALONE_VOUCHERS_IMPORT,
) -> AsyncAction:
    """``POST /v1/vouchers/import`` and ``/importCSV``: standalone codes, each made as
    ``POST /v1/vouchers/{code}`` makes one (its JSON values: dates as ISO text)."""
    return await start_rows(uow_factory, ctx, type, items, ref="code")


async def import_campaign_vouchers(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    id_or_name: str,
    items: Sequence[Mapping[str, Any]],
) -> AsyncAction:
    """``POST /v1/campaigns/{id}/importCSV``: chosen codes of the campaign, row by row."""
    async with uow_factory() as uow:
        campaign = await require_campaign(uow, ctx, id_or_name)
        code_config_for(campaign, None)  # a campaign without codes (a promotion) takes none
        action = await enqueue_rows(
            uow,
            ctx,
            AsyncActionType.CAMPAIGN_VOUCHERS_IMPORT_CSV,
            items,
            ref="code",
            campaign_id=campaign.id,
        )
        await uow.commit()
        return action


async def update_vouchers(
    uow_factory: UnitOfWorkFactory, ctx: Context, updates: Sequence[Mapping[str, Any]]
) -> AsyncAction:
    """``POST /v1/vouchers/bulk/async``: each ``{code, metadata}`` merged into its code's
    metadata (the keys sent replace theirs, the others stay)."""
    type = AsyncActionType.VOUCHERS_BULK_UPDATE
    return await start_rows(uow_factory, ctx, type, rows(updates), ref="code")


async def update_vouchers_metadata(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    codes: Sequence[str],
    metadata: Mapping[str, Any],
) -> AsyncAction:
    """``POST /v1/vouchers/metadata/async``: the same metadata merged into every code's."""
    items = rows([{"code": code} for code in codes])
    type = AsyncActionType.VOUCHERS_METADATA_UPDATE
    return await start_rows(uow_factory, ctx, type, items, ref="code", metadata=metadata)


# --- the worker's side: one handler per action type -------------------------------------


async def standalone_rows(uow: UnitOfWork, ctx: Context, action: AsyncAction) -> RowHandler:
    async def handle(data: Mapping[str, Any]) -> None:
        code = data.get("code")
        if not isinstance(code, str):
            raise InvalidPayload(details="code is required", key="invalid_voucher")
        body = {k: v for k, v in from_json_dates(data).items() if k != "code"}
        # An import makes standalone codes: a campaign named in a row is not taken.
        body.pop("campaign", None)
        body.pop("campaign_id", None)
        await add_voucher(uow, ctx, code, body)

    return handle


async def campaign_rows(uow: UnitOfWork, ctx: Context, action: AsyncAction) -> RowHandler:
    campaign_id = action.request["campaign_id"]
    found = (await uow.campaigns.get_many(action.project_id, [campaign_id])).get(campaign_id)

    async def handle(data: Mapping[str, Any]) -> None:
        if found is None or found.deleted_at is not None:
            raise InvalidPayload(details="The campaign was deleted", key="invalid_campaign_params")
        code = data.get("code")
        if not isinstance(code, str):
            raise InvalidPayload(details="code is required", key="invalid_voucher")
        check_code(code)
        overrides = voucher_overrides(from_json_dates(data))
        if await uow.vouchers.get_by_code(ctx.project_id, code) is not None:
            raise Duplicate(
                details=f"Voucher {code} exists", resource_id=code, resource_type="voucher"
            )
        await add_code(uow, ctx, found, code, overrides)

    return handle


async def update_rows(uow: UnitOfWork, ctx: Context, action: AsyncAction) -> RowHandler:
    shared = action.request.get("metadata")

    async def handle(data: Mapping[str, Any]) -> None:
        code = data.get("code")
        if not isinstance(code, str):
            raise InvalidPayload(details="code is required", key="invalid_voucher")
        voucher = await require_voucher(uow, ctx, code)
        metadata = {**(voucher.metadata or {}), **(data.get("metadata") or shared or {})}
        await uow.vouchers.update(replace(voucher, metadata=metadata, updated_at=ctx.now()))

    return handle
