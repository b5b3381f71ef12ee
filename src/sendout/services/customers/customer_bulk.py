"""Customers by the thousand: a bulk update (upserts by ``source_id``), metadata set on many,
a CSV import. The API records an async action of rows (``services/row_jobs.py``); the
worker applies them here, row by row, each as ``POST /v1/customers`` would."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sendout.domain.async_actions import AsyncAction, AsyncActionType
from sendout.domain.customers import CustomerRef
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.services.context import Context
from sendout.services.customers.customers import resolve_customer
from sendout.services.row_jobs import RowHandler, rows, start_rows


async def upsert_customers(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    items: Sequence[Mapping[str, Any]],
    type: AsyncActionType = AsyncActionType.CUSTOMERS_BULK_UPDATE,
) -> AsyncAction:
    """``POST /v1/customers/bulk/async`` and ``/importCSV``: each row creates or updates the
    customer with its ``source_id`` (JSON values: dates as ISO text)."""
    return await start_rows(uow_factory, ctx, type, items, ref="source_id")


async def update_customers_metadata(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    source_ids: Sequence[str],
    metadata: Mapping[str, Any],
) -> AsyncAction:
    """``POST /v1/customers/metadata/async``: the same metadata merged into each customer's
    (the keys sent replace theirs, the others stay); an unknown ``source_id`` fails its row."""
    items = rows([{"source_id": source_id} for source_id in source_ids])
    type = AsyncActionType.CUSTOMERS_METADATA_UPDATE
    return await start_rows(uow_factory, ctx, type, items, ref="source_id", metadata=metadata)


# --- the worker's side --------------------------------------------------------------------


def _source_id(data: Mapping[str, Any]) -> str:
    source_id = data.get("source_id")
    if not isinstance(source_id, str) or not source_id:
        raise InvalidPayload(details="source_id is required", key="invalid_customer")
    return source_id


async def upsert_rows(uow: UnitOfWork, ctx: Context, action: AsyncAction) -> RowHandler:
    async def handle(data: Mapping[str, Any]) -> None:
        source_id = _source_id(data)
        fields = {k: v for k, v in data.items() if k not in ("id", "source_id")}
        for name in ("birthdate", "birthday"):
            if isinstance(fields.get(name), str):
                fields[name] = date.fromisoformat(fields[name])
        await resolve_customer(uow, ctx, CustomerRef(source_id=source_id, fields=fields))

    return handle


async def metadata_rows(uow: UnitOfWork, ctx: Context, action: AsyncAction) -> RowHandler:
    shared = action.request["metadata"]

    async def handle(data: Mapping[str, Any]) -> None:
        source_id = _source_id(data)
        customer = await uow.customers.get_by_source_id(ctx.project_id, source_id)
        if customer is None:
            raise NotFound.of("customer", source_id)
        metadata = {**customer.metadata, **shared}
        ref = CustomerRef(source_id=source_id, fields={"metadata": metadata})
        await resolve_customer(uow, ctx, ref)

    return handle
