"""Async actions made of rows (imports, bulk updates): the worker applies each row on its
own, and a row it cannot apply is reported in the action's result, with its number and the
reason, instead of failing the whole action.

The rows live in the action's request (``items``: ``{"row": n, "data": {...}}``, or
``{"row": n, "error": "..."}`` for a row refused where it entered, a CSV cell that did not
parse), so a worker that takes the action over carries on from the last committed batch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sendout.domain.async_actions import AsyncAction, AsyncActionType, AsyncStatus
from sendout.domain.errors import DomainError, InvalidPayload
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.services.context import Context
from sendout.services.promotions.campaigns import enqueue

#: rows applied per transaction (each row is a few statements)
ROW_BATCH = 500
#: rows one action may hold: the request is stored whole, as one JSON document
MAX_ROWS = 10_000

#: applies one row's ``data`` in the batch's transaction; a ``DomainError`` refuses the row
RowHandler = Callable[[Mapping[str, Any]], Awaitable[None]]
#: the handler of an action's rows, made once per batch (it may read what the rows share)
HandlerMaker = Callable[[UnitOfWork, Context, AsyncAction], Awaitable[RowHandler]]


def rows(datas: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The items of an action from rows that all entered well, numbered from 1."""
    return [{"row": n, "data": dict(data)} for n, data in enumerate(datas, start=1)]


async def enqueue_rows(
    uow: UnitOfWork,
    ctx: Context,
    type: AsyncActionType,
    items: Sequence[Mapping[str, Any]],
    *,
    ref: str,
    **shared: Any,
) -> AsyncAction:
    """Record a row action in the caller's transaction; ``ref`` names the field a failed row
    is reported by (``code``, ``source_id``), ``shared`` what every row needs (a campaign,
    the metadata to set)."""
    if not 1 <= len(items) <= MAX_ROWS:
        raise InvalidPayload(details=f"Send 1 to {MAX_ROWS} rows at a time")
    request = {"items": list(items), "ref": ref, **shared}
    return await enqueue(uow, ctx, type, request, len(items))


async def start_rows(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    type: AsyncActionType,
    items: Sequence[Mapping[str, Any]],
    *,
    ref: str,
    **shared: Any,
) -> AsyncAction:
    """``enqueue_rows`` in a transaction of its own, committed."""
    async with uow_factory() as uow:
        action = await enqueue_rows(uow, ctx, type, items, ref=ref, **shared)
        await uow.commit()
        return action


async def rows_step(
    uow: UnitOfWork, ctx: Context, action: AsyncAction, make_handler: HandlerMaker
) -> AsyncAction:
    """The next batch of the action's rows, applied in ``uow``; the action with its
    progress and result (done when the last row is)."""
    handle = await make_handler(uow, ctx, action)
    items = action.request["items"][action.done : action.done + ROW_BATCH]
    ref = action.request["ref"]
    previous = action.result or {"done_count": 0, "failed_count": 0, "failed": []}
    failed = list(previous["failed"])
    done_count = previous["done_count"]
    for item in items:
        data = item.get("data") or {}
        reason = item.get("error")
        if reason is None:
            try:
                await handle(data)
            except DomainError as exc:
                reason = str(exc)
        if reason is None:
            done_count += 1
        else:
            failed.append({"row": item["row"], ref: data.get(ref), "reason": reason})
    done = action.done + len(items)
    result = {"done_count": done_count, "failed_count": len(failed), "failed": failed}
    if done < action.total:
        return replace(action, done=done, result=result)
    # Only an action whose every row failed has failed: a partial one reports its failures.
    status = AsyncStatus.DONE if done_count or not failed else AsyncStatus.FAILED
    return replace(action, done=done, result=result, status=status)
