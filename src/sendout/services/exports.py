"""CSV exports: asked for through the API, written by the worker (``export_jobs``), served by
the API to the project that asked, with the export's download token.

An export is an async action of type ``EXPORT`` (the worker's leases, fencing and resumption
come with it); its request holds what to export, checked here when it is asked for.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from sendout.domain.async_actions import AsyncAction, AsyncActionType, AsyncStatus
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.exports import ExportedObject, export_query, file_name
from sendout.domain.ids import ALPHANUMERIC, IdPrefix, random_chars
from sendout.domain.ports import ExportFiles, Page, UnitOfWorkFactory
from sendout.services.context import Context
from sendout.services.loyalty.loyalties import get_member, get_program
from sendout.services.promotions.campaigns import require_campaign
from sendout.services.promotions.voucher_lookup import require_voucher

TOKEN_LENGTH = 32


async def create_export(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    exported_object: str,
    parameters: Mapping[str, Any],
    scope: Mapping[str, str] | None = None,
) -> AsyncAction:
    """A new export, SCHEDULED for the worker; ``scope`` narrows it for a nested route (one
    voucher's transactions, one program's point expirations)."""
    query = export_query(exported_object, parameters, scope)
    stored: dict[str, Any] = {"fields": list(query.fields), "order": query.order}
    # A nested route's scope shows as the filters that say the same (the SDK requires a
    # voucher transactions export's ``filters``); the scope applies whatever filters say.
    # ``$is``, not ``$in``: SDK 6.1.1 refuses ``$in`` values longer than one character.
    scoped = {name: {"conditions": {"$is": value}} for name, value in query.scope.items()}
    if parameters.get("filters") or scoped:
        stored["filters"] = parameters.get("filters") or {**scoped, "junction": "and"}
    now = ctx.now()
    action = AsyncAction(
        id=ctx.new_id(IdPrefix.EXPORT),
        project_id=ctx.project_id,
        type=AsyncActionType.EXPORT,
        request={
            "exported_object": query.exported_object.value,
            "parameters": stored,
            "scope": dict(query.scope),
            "channel": "API",
            # Handed out in ``result.url`` once the file is written; the download needs it.
            "token": random_chars(ctx.rng, ALPHANUMERIC, TOKEN_LENGTH),
        },
        created_at=now,
        updated_at=now,
    )
    async with uow_factory() as uow:
        await uow.async_actions.add(action)
        await uow.commit()
    return action


async def get_export(uow_factory: UnitOfWorkFactory, ctx: Context, export_id: str) -> AsyncAction:
    async with uow_factory(read_only=True) as uow:
        found = await uow.async_actions.get(ctx.project_id, export_id)
    if found is None or found.type is not AsyncActionType.EXPORT:
        raise NotFound.of("export", export_id)
    return found


async def list_exports(
    uow_factory: UnitOfWorkFactory, ctx: Context, limit: int, page: int, newest: bool
) -> Page[AsyncAction]:
    async with uow_factory(read_only=True) as uow:
        return await uow.async_actions.page_of_type(
            ctx.project_id, AsyncActionType.EXPORT, limit, page, newest
        )


async def delete_export(
    uow_factory: UnitOfWorkFactory, files: ExportFiles, ctx: Context, export_id: str
) -> None:
    """The export and its file. A worker still writing it loses its lease with the row and
    stops at its next batch."""
    export = await get_export(uow_factory, ctx, export_id)
    async with uow_factory() as uow:
        await uow.async_actions.remove(ctx.project_id, export.id)
        await uow.commit()
    await files.remove(file_name(export))


async def export_file(
    uow_factory: UnitOfWorkFactory,
    files: ExportFiles,
    ctx: Context,
    export_id: str,
    token: str,
) -> str:
    """The path of a finished export's CSV, for the holder of its token (a wrong token is
    answered as an unknown export: it tells nothing about which exports exist)."""
    export = await get_export(uow_factory, ctx, export_id)
    expected = str(export.request.get("token", ""))
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise NotFound.of("export", export_id)
    if export.status is not AsyncStatus.DONE:
        raise InvalidPayload(details=f"export {export_id} is not DONE yet")
    path = await files.path(file_name(export))
    if path is None:
        raise NotFound.of("export", export_id)
    return path


_TRANSACTIONS = ExportedObject.VOUCHER_TRANSACTIONS.value


async def export_voucher_transactions(
    uow_factory: UnitOfWorkFactory, ctx: Context, code: str, parameters: Mapping[str, Any]
) -> AsyncAction:
    async with uow_factory(read_only=True) as uow:
        voucher = await require_voucher(uow, ctx, code)
    scope = {"voucher_id": voucher.id}
    return await create_export(uow_factory, ctx, _TRANSACTIONS, parameters, scope)


async def export_campaign_transactions(
    uow_factory: UnitOfWorkFactory, ctx: Context, campaign_id: str, parameters: Mapping[str, Any]
) -> AsyncAction:
    async with uow_factory(read_only=True) as uow:
        campaign = await require_campaign(uow, ctx, campaign_id)
    scope = {"campaign_id": campaign.id}
    return await create_export(uow_factory, ctx, _TRANSACTIONS, parameters, scope)


async def export_member_transactions(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    member_id: str,
    program_id: str | None,
    parameters: Mapping[str, Any],
) -> AsyncAction:
    card = await get_member(uow_factory, ctx, member_id, program_id)
    scope = {"voucher_id": card.voucher.id}
    return await create_export(uow_factory, ctx, _TRANSACTIONS, parameters, scope)


async def export_of_program(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    program_id: str,
    exported_object: ExportedObject,
    parameters: Mapping[str, Any],
) -> AsyncAction:
    """A loyalty program's transactions or point expirations."""
    program = await get_program(uow_factory, ctx, program_id)
    scope = {"campaign_id": program.id}
    return await create_export(uow_factory, ctx, exported_object.value, parameters, scope)
