"""The worker's side of CSV exports: one batch of rows per step of the async action.

Each step appends its rows to the file and commits, with the action, how far the file got
(bytes, rows, the keyset cursor). The file write is not in the transaction: a worker that
dies between the two leaves bytes past the recorded size, which the next step cuts off
before it writes, so a batch is never in the file twice.
"""

from __future__ import annotations

from dataclasses import replace

from sendout.domain.async_actions import AsyncAction, AsyncActionType, AsyncStatus
from sendout.domain.exports import MAX_BYTES, MAX_ROWS, csv_lines, file_name, query_of
from sendout.domain.ports import ExportFiles, UnitOfWork, UnitOfWorkFactory

EXPORT_BATCH = 1_000


async def export_step(uow: UnitOfWork, files: ExportFiles, action: AsyncAction) -> AsyncAction:
    """The next batch of the export's rows written; DONE after the last, ERROR past the
    bounds (``MAX_ROWS``, ``MAX_BYTES``)."""
    query = query_of(action)
    progress = dict(action.result or {"bytes": 0, "rows": 0, "cursor": None})
    after = progress["cursor"]
    rows, cursor = await uow.export_rows.rows(
        action.project_id, query, None if after is None else (after[0], after[1]), EXPORT_BATCH
    )
    header = [list(query.fields)] if progress["bytes"] == 0 else []
    size = await files.write(file_name(action), progress["bytes"], csv_lines([*header, *rows]))
    done = progress["rows"] + len(rows)
    progress = {"bytes": size, "rows": done, "cursor": cursor or after}
    if done > MAX_ROWS or size > MAX_BYTES:
        await files.remove(file_name(action))
        message = f"export larger than {MAX_ROWS} rows or {MAX_BYTES} bytes: narrow its filters"
        return replace(action, status=AsyncStatus.FAILED, result={"message": message})
    if len(rows) < EXPORT_BATCH:
        return replace(action, status=AsyncStatus.DONE, done=done, total=done, result=progress)
    return replace(action, done=done, result=progress)


async def drop_deleted_export(
    uow_factory: UnitOfWorkFactory, files: ExportFiles, action: AsyncAction
) -> None:
    """The file of an export deleted while a worker wrote a batch of it (the deletion removed
    the file it found; this batch came after). Any other lost action is another worker's."""
    if action.type is not AsyncActionType.EXPORT:
        return
    async with uow_factory(read_only=True) as uow:
        gone = await uow.async_actions.get(action.project_id, action.id) is None
    if gone:
        await files.remove(file_name(action))
